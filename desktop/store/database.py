"""Engine and session setup, and migrations run at start-up (with a backup first)."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from desktop.store.paths import backups_dir
from desktop.store.revision import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
KEEP_BACKUPS = 10
POSIX = os.name == "posix"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


#: The page cache, in KiB (SQLite's ``-N`` form), of a connection that has run a heavy read (see
#: :func:`widen_page_cache`): room for the ~20 MB a 90-day dashboard reads on a 100k-post store
#: and for its GROUP BY sort. SQLite's 2 MiB default made every dashboard read its pages again
#: (~5,000 ``pread`` calls). Not every connection's: kept from start-up on, the pages start-up
#: reads would add ~20 MB to the idle app.
SQLITE_CACHE_KIB = 32 * 1024


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # A sort or materialized CTE that outgrows the cache spills to memory, not to a new file in
    # /var/tmp (the 90-day dashboard's sort wrote and read back 3.3 MB there on every call).
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def widen_page_cache(session: Session) -> None:
    """Give the session's SQLite connection the page cache of :data:`SQLITE_CACHE_KIB` for a
    read over many pages (the analytics dashboard). The pooled connection keeps it, so the next
    such read finds its pages in memory. Nothing to do on other databases."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def make_engine(url: str) -> Engine:
    """An engine with SQLite tuned for a desktop app: WAL, foreign keys, a generous busy timeout,
    sorts in memory, and the warmest pooled connection reused first."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # LIFO: a session gets the connection used last, whose page cache is warm, rather than
        # the one idle longest (the pool's FIFO default spreads reads over cold caches).
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_use_lifo=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """Alembic's own head, read from the migration scripts (imports Alembic: tests, doctor).

    Start-up uses :data:`desktop.store.revision.HEAD_REVISION` instead."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database records (None for a new one), read with a plain query."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"the database records several schema revisions: {', '.join(map(str, rows))}")
    return str(rows[0]) if rows else None


def sqlite_path(url: str | URL) -> Path | None:
    """The file behind a SQLite URL; None for in-memory SQLite and for other databases."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_private(path: Path) -> None:
    """Owner-only (0600) on POSIX, whatever the umask: the DB holds every post and account."""
    if not POSIX:
        return
    try:
        os.chmod(path, 0o600)
    except FileNotFoundError:
        pass
    except PermissionError:  # someone else's file (a shared folder): not ours to change
        log.warning("could not make %s private", path)


def make_sqlite_files_private(db_path: Path) -> None:
    """The DB file and its -wal/-shm/-journal companions, 0600. SQLite gives companions
    created later the DB file's own mode, so this holds for the life of the file."""
    for path in (db_path, *(db_path.with_name(db_path.name + s) for s in SQLITE_SIDE_FILES)):
        make_private(path)


def _create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (an empty file is an empty SQLite DB)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    make_private(path)


@contextmanager
def file_lock(path: Path, *, timeout: float = 300.0) -> Iterator[None]:
    """An exclusive lock between processes on ``path`` (created 0600 and kept: deleting lock
    files races). POSIX ``flock``; Windows ``msvcrt.locking`` on the first byte."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    make_private(path)
    try:
        if os.name == "nt":
            import msvcrt

            deadline = time.monotonic() + timeout
            while True:
                try:  # LK_LOCK itself retries for about 10 s before raising
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def migration_lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".migrate-lock")


def backup_sqlite(db_path: Path, backup_dir: Path, label: str) -> Path:
    """A consistent copy of a (possibly WAL-mode) SQLite file, via SQLite's backup API; 0600."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"{db_path.stem}-{label}-{stamp}.db"
    _create_private_file(target)
    src = sqlite3.connect(db_path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    make_sqlite_files_private(target)
    backups = sorted(backup_dir.glob(f"{db_path.stem}-*.db"), key=lambda p: p.stat().st_mtime)
    for old in backups[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
    return target


def newest_backup(data_dir: Path, db_name: str = "campaign-desk.db") -> Path | None:
    """The most recent copy taken before a migration, if any (doctor points the user to it)."""
    folder = data_dir / "backups"
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob(f"{Path(db_name).stem}-*.db") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def restore_hint(backup: Path, db_path: Path | None) -> str:
    """One sentence on putting ``backup`` back. Stale -wal/-shm files would be replayed onto the
    copy, so they go too (SQLite removes them itself when the last connection closes cleanly)."""
    if db_path is None:
        return f"To restore it, quit Campaign Desk and copy {backup} over the database file."
    return (
        f"To restore it, quit Campaign Desk, delete {db_path.name}-wal and {db_path.name}-shm if present, "
        f"and copy {backup} over {db_path}."
    )


def quick_check(engine: Engine, *, limit: int = 5) -> str | None:
    """``PRAGMA quick_check`` on SQLite: "ok", or the first ``limit`` problems joined by "; ".
    None for other databases (their servers check themselves)."""
    if engine.url.get_backend_name() != "sqlite":
        return None
    with engine.connect() as conn:
        rows = [str(r[0]) for r in conn.execute(text(f"PRAGMA quick_check({int(limit)})"))]
    return "; ".join(rows) if rows else "ok"


@dataclass
class MigrationResult:
    before: str | None
    after: str
    backup: Path | None


def migrate(engine: Engine, data_dir: Path | None = None, *, target: str = "head") -> MigrationResult:
    """Bring the schema to ``target``. An existing SQLite DB is backed up before any change.

    Several processes may start on one fresh data dir at once (the app, the OS job, a script):
    for a SQLite file, "check the revision, back up, upgrade" runs under a file lock next to the
    DB, and the revision is read again once the lock is held, so only the first one migrates.
    Alembic is imported only when the stored revision differs from the head.
    """
    head = HEAD_REVISION if target == "head" else target
    before = current_revision(engine)
    if before == head:
        return MigrationResult(before, head, None)
    db_path = sqlite_path(engine.url)
    if db_path is None:
        return _upgrade(engine, data_dir, head, target, None)
    with file_lock(migration_lock_path(db_path)):
        return _upgrade(engine, data_dir, head, target, db_path)


def _upgrade(engine: Engine, data_dir: Path | None, head: str, target: str, db_path: Path | None) -> MigrationResult:
    before = current_revision(engine)  # again: another process may have migrated while we waited
    if before == head:
        return MigrationResult(before, head, None)
    backup: Path | None = None
    if before is not None and db_path is not None and data_dir is not None and db_path.exists():
        backup = backup_sqlite(db_path, backups_dir(data_dir), f"before-{head}")
        log.info("backed up %s to %s before migrating %s -> %s", db_path, backup, before, head)
    from alembic import command

    cfg = alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
    return MigrationResult(before, head, backup)


# --- errors in words ---------------------------------------------------------------------------

BUSY = "busy"
READ_ONLY = "read_only"
DISK_FULL = "disk_full"
CANNOT_OPEN = "cannot_open"
DAMAGED = "damaged"
DISK_ERROR = "disk_error"
OTHER = "other"
FULL_BELOW_BYTES = 1 << 20  # an I/O error with less free space than this is a full disk

_SQLITE_CODES = {
    5: BUSY,  # SQLITE_BUSY
    6: BUSY,  # SQLITE_LOCKED
    8: READ_ONLY,  # SQLITE_READONLY
    10: DISK_ERROR,  # SQLITE_IOERR (a full disk often shows up as this, e.g. growing the -shm)
    11: DAMAGED,  # SQLITE_CORRUPT
    13: DISK_FULL,  # SQLITE_FULL
    14: CANNOT_OPEN,  # SQLITE_CANTOPEN
    26: DAMAGED,  # SQLITE_NOTADB
}
_MESSAGE_HINTS = (
    ("database is locked", BUSY),
    ("database table is locked", BUSY),
    ("database is busy", BUSY),
    ("readonly database", READ_ONLY),
    ("read-only", READ_ONLY),
    ("disk is full", DISK_FULL),
    ("no space left", DISK_FULL),
    ("disk image is malformed", DAMAGED),
    ("file is not a database", DAMAGED),
    ("unable to open database file", CANNOT_OPEN),
    ("disk i/o error", DISK_ERROR),
)
_ERRNOS = {
    errno.EROFS: READ_ONLY,
    errno.EACCES: READ_ONLY,
    errno.EPERM: READ_ONLY,
    errno.ENOSPC: DISK_FULL,
    getattr(errno, "EDQUOT", errno.ENOSPC): DISK_FULL,
}


def _driver_error(exc: BaseException) -> BaseException:
    # A SQLAlchemy StatementError's str() carries the SQL and its bound parameters; the
    # driver's own exception (``.orig``) does not.
    orig = getattr(exc, "orig", None)
    return orig if isinstance(exc, SQLAlchemyError) and isinstance(orig, BaseException) else exc


def db_error_kind(exc: BaseException, db_path: Path | str | None = None) -> str:
    """What went wrong with the database: BUSY, READ_ONLY, DISK_FULL, CANNOT_OPEN, DAMAGED,
    DISK_ERROR or OTHER. BUSY is worth retrying in a moment; the others need the user.
    With ``db_path``, an I/O error on a disk with almost no free space counts as DISK_FULL."""
    err = _driver_error(exc)
    kind = OTHER
    code = getattr(err, "sqlite_errorcode", None)
    if isinstance(err, OSError) and err.errno in _ERRNOS:
        kind = _ERRNOS[err.errno]
    elif isinstance(code, int) and (code & 0xFF) in _SQLITE_CODES:
        kind = _SQLITE_CODES[code & 0xFF]
    else:
        message = _first_line(err).lower()
        kind = next((k for hint, k in _MESSAGE_HINTS if hint in message), OTHER)
    if kind in (DISK_ERROR, CANNOT_OPEN, OTHER) and db_path and _free_bytes(Path(db_path)) < FULL_BELOW_BYTES:
        return DISK_FULL
    return kind


def _free_bytes(path: Path) -> int:
    for candidate in (path, *path.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free
            except OSError:
                break
    return FULL_BELOW_BYTES  # unknown: not evidence of a full disk


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0].strip() if lines else type(err).__name__


def describe_db_error(exc: BaseException, db_path: Path | str | None = None) -> str:
    """One sentence for the user about a database failure, naming ``db_path`` where it helps.

    Never contains SQL or bound parameters, so it is safe for stderr, the GUI and the attempt
    log. ``db_path`` is the SQLite file (None for a server database or when unknown).
    """
    kind = db_error_kind(exc, db_path)
    where = str(db_path) if db_path else "the database"
    if kind == BUSY:
        return "The database is busy (another Campaign Desk task is writing); try again in a moment."
    if kind in (READ_ONLY, CANNOT_OPEN):
        folder = Path(db_path).parent if db_path else None
        if folder is not None and folder.is_dir() and not os.access(folder, os.W_OK):
            # SQLite needs to create -wal/-shm beside the file, so a read-only folder is enough to fail
            return f"Cannot write to {where}: the folder is read-only. Make it writable or choose another data folder."
    if kind == READ_ONLY:
        return f"Cannot write to {where}: it is read-only. Make it writable or choose another data folder."
    if kind == DISK_FULL:
        return f"The disk holding {where} is full. Free some space and try again."
    if kind == CANNOT_OPEN:
        return (
            f"Cannot open {where}: its folder is missing, read-only or not yours. "
            "Make it writable or choose another data folder."
        )
    if kind == DAMAGED:
        path = Path(db_path) if db_path else None
        backup = newest_backup(path.parent, path.name) if path else None
        if backup is None:
            return f"{where} is damaged and there is no backup of it in the data folder."
        return f"{where} is damaged. The newest backup is {backup}. {restore_hint(backup, path)}"
    if kind == DISK_ERROR:
        return f"Cannot read or write {where}: the disk reported an error. Check the disk, then try again."
    err = _driver_error(exc)
    if isinstance(err, OSError) and err.strerror:
        return f"Cannot use {where}: {err.strerror}."
    if isinstance(exc, SQLAlchemyError) and not isinstance(exc, DBAPIError):
        return f"Cannot use {where}: {type(exc).__name__}."  # no driver message to show, and str(exc) may hold SQL
    return f"Cannot use {where}: {_first_line(err)}"


class DatabaseUnavailable(OSError):
    """The store could not be opened (read-only, disk full, busy, damaged). ``str()`` is
    :func:`describe_db_error`'s sentence; ``kind`` is :func:`db_error_kind`'s."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def open(cls, url: str, data_dir: Path | None = None, *, migrate_now: bool = True) -> Database:
        """Connect (and migrate). A SQLite file is created, and kept, owner-only (0600).

        Raises :class:`DatabaseUnavailable` with one sentence when the file cannot be used.
        """
        db_path = sqlite_path(url)
        engine = make_engine(url)
        try:
            if db_path is not None:
                _create_private_file(db_path)
            if migrate_now:
                migrate(engine, data_dir)
            if db_path is not None:
                make_sqlite_files_private(db_path)
        except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
            engine.dispose()
            if isinstance(exc, DatabaseUnavailable):
                raise
            raise DatabaseUnavailable(describe_db_error(exc, db_path), db_error_kind(exc, db_path)) from exc
        return cls(url=url, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return sqlite_path(self.url)

    def schema_version(self) -> str | None:
        return current_revision(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def rows_changed(result: Any) -> int:
    """How many rows an UPDATE/DELETE touched: the test of every conditional claim."""
    return int(cast(CursorResult[Any], result).rowcount)
