"""Quick looks into the SQLite store with the standard library only: no SQLAlchemy, no Alembic.

For command-line paths that must start in a blink (``publish-due`` runs every minute from the OS
scheduler and usually has nothing to do). A peek never writes and never creates anything: where
it cannot be sure (no database file yet, a server database, a schema other than
:data:`desktop.store.revision.HEAD_REVISION`, a file that is not owner-only, any error at all)
the caller takes the full path, which does whatever it does today (create, migrate, report the
error in words).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.store.paths import DB_FILENAME, DB_URL_ENV, data_dir_path

#: The files SQLite keeps beside the database (desktop.store.database.SQLITE_SIDE_FILES).
SIDE_FILES = ("-wal", "-shm", "-journal")
POSIX = os.name == "posix"


def sqlite_file(data_dir: str | os.PathLike[str] | None) -> Path | None:
    """The store's SQLite file in ``data_dir`` (see desktop.store.paths), if it exists and is what
    the full path would open; None when ``CAMPAIGN_DESK_DB_URL`` names another database."""
    if os.environ.get(DB_URL_ENV):
        return None
    path = data_dir_path(data_dir) / DB_FILENAME
    return path if path.is_file() else None


def is_private(db_path: Path) -> bool:
    """True when the database and its companions are already owner-only (0600) on POSIX, as
    opening the store leaves them (desktop.store.database.make_sqlite_files_private)."""
    if not POSIX:
        return True
    for path in (db_path, *(db_path.with_name(db_path.name + s) for s in SIDE_FILES)):
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode != 0o600:
            return False
    return True


def sql_time(moment: datetime) -> str:
    """``moment`` as the store keeps times (naive UTC, SQLAlchemy's SQLite text format), so a
    peek compares times exactly as the full path's queries do."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@contextmanager
def peek(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only look at an existing store, in one read transaction (a consistent snapshot).
    Never creates the file; waits for a busy writer as long as the full path would (30 s)."""
    uri = db_path.as_uri() + "?mode=rw"  # rw, not ro: a WAL reader may need to create the -shm file
    with closing(sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")


@contextmanager
def peek_readonly(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Like :func:`peek`, but the connection itself cannot write (``mode=ro``), for reads made
    while the app opens the same file for writing. Waits at most a second for a busy writer:
    a caller in a hurry falls back to the full path instead. (In WAL mode SQLite may still
    create the -wal/-shm companions, with the database file's own mode.)"""
    uri = db_path.as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=1, isolation_level=None, check_same_thread=True)) as conn:
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")


def journal_mode(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA journal_mode").fetchone()
    return str(row[0]).lower() if row else ""


def stored_revision(conn: sqlite3.Connection) -> str | None:
    """The schema revision stored in the database; None when there is none or more than one."""
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:  # no table yet: a new, empty database
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def setting(conn: sqlite3.Connection, key: str, default: Any) -> Any:
    """An app setting as desktop.services.app_settings.get reads it (a JSON value; ``default``
    when missing or null)."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row is None or row[0] is None:
        return default
    value = json.loads(row[0])
    return default if value is None else value


def any_row(conn: sqlite3.Connection, sql: str, params: dict[str, Any] | tuple[Any, ...] = ()) -> bool:
    """Whether ``SELECT … LIMIT 1`` finds a row."""
    return conn.execute(sql, params).fetchone() is not None
