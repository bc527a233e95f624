"""How subcommands speak: human text by default, one JSON document with ``--json``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def is_db_error(exc: BaseException) -> bool:
    """A database failure (SQLAlchemy's or the sqlite3 driver's), which main() turns into one
    sentence with desktop.store.database.describe_db_error: str() of a SQLAlchemy StatementError
    holds the SQL and its bound parameters, which must never reach the user.

    Looks only at modules already loaded, so a command that never touched the database (``--version``,
    an idle ``publish-due``) does not import SQLAlchemy to ask: an error cannot come from a module
    that was never imported."""
    kinds: list[type[BaseException]] = []
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None:
        kinds.append(sa_exc.SQLAlchemyError)
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None:
        kinds.append(sqlite3.Error)
    return isinstance(exc, tuple(kinds))


class CommandFailed(Exception):
    """The work failed: exit 1 with this one-line reason on stderr."""

    def __init__(self, reason: str, *, data: dict[str, Any] | None = None, code: int = EXIT_FAILED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.data = data
        self.code = code


class UsageError(CommandFailed):
    """Bad usage found after parsing (e.g. a flag that needs another): exit 2."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, code=EXIT_USAGE)


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def say(text: str = "") -> None:
    print(text)


def warn(text: str) -> None:
    print(text, file=sys.stderr)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
