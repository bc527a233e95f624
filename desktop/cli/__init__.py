"""``campaign-desk``: no command opens the GUI; subcommands drive the same services headless.

Exit codes: 0 success, 1 the work failed, 2 bad usage — each failure with a one-line reason
on stderr. ``--json`` prints one JSON document on stdout (shapes documented in README.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Collection, Sequence
from importlib import import_module
from pathlib import Path

from desktop import __version__
from desktop.cli.output import EXIT_FAILED, CommandFailed, emit_json, is_db_error, warn

#: Every subcommand in ``--help`` order: its name, the module under desktop.cli that registers it
#: (with all its options), and its line in ``campaign-desk --help``. Only the module of the command
#: being run is imported, so ``--version`` and an idle ``publish-due`` load no database or network
#: code. tests/unit/test_cli_parser.py holds this table to what the modules register.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("doctor", "doctor", "check data dir, database, keyring and accounts (exit 1 on a problem)"),
    ("accounts", "accounts", "list, connect and remove accounts"),
    ("campaigns", "campaigns", "group posts into campaigns"),
    ("schedule", "posts", "schedule a post to one or more accounts"),
    ("posts", "posts", "list, cancel or retry posts"),
    ("check", "posts", "length and problems per target, as each network counts (exit 1 if any)"),
    ("publish-due", "publish", "publish what is due, once (exit 1 if anything failed or must be retried)"),
    (
        "sync-metrics",
        "metrics",
        "read likes, reposts, followers… from the networks once (exit 1 if an account failed)",
    ),
    ("import", "importing", "schedule posts from a CSV file (all or nothing unless --valid-only)"),
    ("export", "export", "export posts with their newest metrics, or the metric history, as CSV or JSON"),
    ("background", "background", "keep publishing when the app is closed (an OS job, every minute)"),
    ("dev", "dev", "tools for developers: generated demo and benchmark data"),
)


def _common_options() -> argparse.ArgumentParser:
    """``--data-dir`` and ``--json``, accepted before or after the subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="where the database and media live (default: $CAMPAIGN_DESK_HOME, else the OS data dir)",
    )
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document")
    return common


def build_parser(full: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The ``campaign-desk`` parser. The commands named in ``full`` (all when None) get their real
    parsers from their modules (with the other commands of those modules); every other command is
    a stand-in with the same ``--help`` line that takes any arguments, enough to find which
    command was asked for without importing the others."""
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="campaign-desk",
        description="Compose, schedule, publish and measure social posts. With no command, opens the app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test", action="store_true", help="check the installation (DB, providers, keyring, window) and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = {module for name, module, _ in COMMANDS if full is None or name in full}
    for name, module, help_line in COMMANDS:
        if name in sub.choices:
            continue  # registered by its module together with an earlier command
        if module in wanted:
            import_module(f"desktop.cli.{module}").register(sub, common)
        else:
            sub.add_parser(name, help=help_line, add_help=False)
    return parser


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse in two steps: a light parser finds the command (and answers ``--help`` and
    ``--version`` on its own); then the parser with that command's real options parses again."""
    light = build_parser(full=())
    found, _rest = light.parse_known_args(argv)
    if found.command is None:
        return light.parse_args(argv)  # the GUI or --self-test: refuses what the light parse let by
    return build_parser(full=(found.command,)).parse_args(argv)


def _db_file(data_dir: str | None) -> Path | None:
    """The SQLite file this command used, for error messages (nothing is created)."""
    try:
        from desktop.store.database import sqlite_path
        from desktop.store.paths import data_dir_path, database_url

        return sqlite_path(database_url(data_dir_path(data_dir)))
    except Exception:  # an unusable --data-dir or DB URL: the message goes without a path
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import logging  # not for --help or --version, which end inside parse_args

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    as_json = getattr(args, "json", False)
    data_dir = getattr(args, "data_dir", None)
    if args.self_test:
        from desktop.selftest import run_self_test

        return run_self_test(as_json=as_json)
    if args.command is None:
        from desktop.ui.platform_check import check_before_window

        advice = check_before_window()  # before Qt's own, misleading "reinstall" message
        if advice:
            warn(advice)
            return EXIT_FAILED
        from desktop.ui.app import run_gui

        return run_gui(data_dir)
    try:
        return int(args.handler(args, data_dir, as_json))
    except CommandFailed as exc:
        if as_json:
            emit_json({"ok": False, "error": exc.reason, **(exc.data or {})})
        warn(f"campaign-desk {args.command}: {exc.reason}")
        return exc.code
    except KeyboardInterrupt:
        warn("campaign-desk: interrupted")
        return 130
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:
        if is_db_error(exc):  # busy, read-only, disk full: one sentence, never the SQL or its parameters
            from desktop.store.database import describe_db_error

            reason = describe_db_error(exc, _db_file(data_dir))
            if as_json:
                emit_json({"ok": False, "error": reason})
            warn(f"campaign-desk {args.command}: {reason}")
            return EXIT_FAILED
        # a bug: still one line for scripts, the traceback for us with -v later
        logging.getLogger("campaign_desk").debug("unexpected error", exc_info=True)
        if as_json:
            emit_json({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        warn(f"campaign-desk {args.command}: unexpected error: {type(exc).__name__}: {exc}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
