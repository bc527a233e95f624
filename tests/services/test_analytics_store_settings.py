"""The SQLite connection settings the dashboard's speed rests on (issue 14): every pooled
connection gets a page cache big enough for a 90-day dashboard and keeps its sorts in memory,
and a session is handed the connection used last (its cache warm), not the one idle longest."""

from __future__ import annotations

from sqlalchemy import text

from desktop.services.context import AppContext
from desktop.store.database import SQLITE_CACHE_KIB


def _pragma(conn: object, name: str) -> int:
    return int(conn.exec_driver_sql(f"PRAGMA {name}").scalar())  # type: ignore[attr-defined]


def test_every_connection_has_the_dashboard_page_cache_and_sorts_in_memory(ctx: AppContext) -> None:
    engine = ctx.db.engine
    with engine.connect() as first, engine.connect() as second:  # two distinct pooled connections
        for conn in (first, second):
            assert _pragma(conn, "cache_size") == -SQLITE_CACHE_KIB  # KiB, not pages
            assert _pragma(conn, "temp_store") == 2  # MEMORY
            # the settings the store already relied on are still there
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert _pragma(conn, "foreign_keys") == 1
    assert SQLITE_CACHE_KIB >= 16 * 1024  # the dashboard reads ~20 MB on the large store


def test_a_session_gets_the_connection_used_last(ctx: AppContext) -> None:
    engine = ctx.db.engine
    older = engine.connect()
    newer = engine.connect()
    older_id = older.connection.driver_connection
    newer_id = newer.connection.driver_connection
    assert older_id is not newer_id
    older.close()  # back to the pool first...
    newer.close()  # ...then this one: the warmest
    with ctx.session() as s:
        assert s.connection().connection.driver_connection is newer_id
        assert s.execute(text("SELECT 1")).scalar() == 1
