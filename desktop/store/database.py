"""Engine and session setup, and migrations run at start-up (with a backup first)."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from desktop.store.paths import backups_dir

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
KEEP_BACKUPS = 10


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine with SQLite tuned for a desktop app: WAL, foreign keys, a generous busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(db_path: Path, backup_dir: Path, label: str) -> Path:
    """A consistent copy of a (possibly WAL-mode) SQLite file, via SQLite's backup API."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"{db_path.stem}-{label}-{stamp}.db"
    src = sqlite3.connect(db_path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    backups = sorted(backup_dir.glob(f"{db_path.stem}-*.db"))
    for old in backups[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
    return target


@dataclass
class MigrationResult:
    before: str | None
    after: str
    backup: Path | None


def migrate(engine: Engine, data_dir: Path | None = None, *, target: str = "head") -> MigrationResult:
    """Bring the schema to ``target``. An existing SQLite DB is backed up before any change."""
    before = current_revision(engine)
    head = head_revision() if target == "head" else target
    backup: Path | None = None
    if before == head:
        return MigrationResult(before, head, None)
    url = engine.url
    if before is not None and url.get_backend_name() == "sqlite" and url.database and data_dir is not None:
        db_path = Path(url.database)
        if db_path.exists():
            backup = backup_sqlite(db_path, backups_dir(data_dir), f"before-{head}")
            log.info("backed up %s to %s before migrating %s -> %s", db_path, backup, before, head)
    cfg = alembic_config(str(url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
    return MigrationResult(before, head, backup)


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def open(cls, url: str, data_dir: Path | None = None, *, migrate_now: bool = True) -> Database:
        engine = make_engine(url)
        if migrate_now:
            migrate(engine, data_dir)
        return cls(url=url, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))

    def schema_version(self) -> str | None:
        return current_revision(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def rows_changed(result: Any) -> int:
    """How many rows an UPDATE/DELETE touched: the test of every conditional claim."""
    return int(cast(CursorResult[Any], result).rowcount)
