"""``campaign-desk``: no command opens the GUI; subcommands drive the same services headless.

Exit codes: 0 success, 1 the work failed, 2 bad usage — each failure with a one-line reason
on stderr. ``--json`` prints one JSON document on stdout (shapes documented in README.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop import __version__
from desktop.cli import accounts, background, campaigns, dev, doctor, export, importing, metrics, posts, publish
from desktop.cli.output import DB_ERRORS, EXIT_FAILED, CommandFailed, emit_json, warn
from desktop.store.database import describe_db_error, sqlite_path
from desktop.store.paths import data_dir_path, database_url

COMMANDS = (doctor, accounts, campaigns, posts, publish, metrics, importing, export, background, dev)


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


def build_parser() -> argparse.ArgumentParser:
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
    for module in COMMANDS:
        module.register(sub, common)
    return parser


def _db_file(data_dir: str | None) -> Path | None:
    """The SQLite file this command used, for error messages (nothing is created)."""
    try:
        return sqlite_path(database_url(data_dir_path(data_dir)))
    except Exception:  # an unusable --data-dir or DB URL: the message goes without a path
        return None


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
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
    except DB_ERRORS as exc:  # busy, read-only, disk full: one sentence, never the SQL or its parameters
        reason = describe_db_error(exc, _db_file(data_dir))
        if as_json:
            emit_json({"ok": False, "error": reason})
        warn(f"campaign-desk {args.command}: {reason}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        warn("campaign-desk: interrupted")
        return 130
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:  # a bug: still one line for scripts, the traceback for us with -v later
        logging.getLogger("campaign_desk").debug("unexpected error", exc_info=True)
        if as_json:
            emit_json({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        warn(f"campaign-desk {args.command}: unexpected error: {type(exc).__name__}: {exc}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
