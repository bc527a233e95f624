"""The command line's parser is built from light declarations (desktop.cli.COMMANDS) and loads a
command's module only when that command runs, yet reads and helps exactly like the full parser."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from desktop import __version__
from desktop.cli import COMMANDS, build_parser, main, parse_args

HEAVY = ("sqlalchemy", "alembic", "httpx", "providers", "PySide6", "keyring", "regex")


def _commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action


def test_the_light_table_matches_what_the_modules_register() -> None:
    full = _commands(build_parser())
    assert [(a.dest, a.help) for a in full._choices_actions] == [(name, line) for name, _module, line in COMMANDS]
    assert build_parser(full=()).format_help() == build_parser().format_help()


@pytest.mark.parametrize("name", [name for name, _module, _line in COMMANDS])
def test_each_command_helps_as_the_full_parser_does(name: str) -> None:
    full = _commands(build_parser()).choices[name]
    alone = _commands(build_parser(full=(name,))).choices[name]
    assert alone.format_help() == full.format_help()
    assert alone.format_usage() == full.format_usage()


def test_the_light_parse_finds_the_command_and_the_real_parser_reads_it() -> None:
    args = parse_args(["--data-dir", "/tmp/x", "posts", "list", "--state", "published", "--json"])
    assert args.command == "posts" and args.state == "published" and args.json and args.data_dir == "/tmp/x"
    args = parse_args(["--json"])
    assert args.command is None and args.json


@pytest.mark.parametrize(
    "argv, words",
    [
        (["bogus"], "invalid choice: 'bogus'"),
        (["publish-due", "extra"], "unrecognized arguments: extra"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--bogus", "publish-due"], "unrecognized arguments: --bogus"),
        (["schedule", "--text", "hi"], "the following arguments are required: --account"),
        (["posts", "list", "--state", "nope"], "invalid choice: 'nope'"),
    ],
)
def test_bad_usage_still_exits_2_with_argparses_words(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    assert words in capsys.readouterr().err


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["--version"])
    assert ended.value.code == 0
    assert capsys.readouterr().out == f"campaign-desk {__version__}\n"


def test_version_and_help_load_no_command_module() -> None:
    code = (
        "import sys\n"
        "from desktop.cli import main\n"
        "for argv in (['--version'], ['--help'], ['publish-due', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "cli = sorted(m for m in sys.modules if m.startswith('desktop.cli.') and m != 'desktop.cli.output')\n"
        "print('LOADED', heavy, cli, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "LOADED [] ['desktop.cli.publish']" in done.stderr  # publish-due --help builds only its own parser
