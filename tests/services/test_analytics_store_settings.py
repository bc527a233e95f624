"""The SQLite connection settings the dashboard's speed rests on (issue 14): every pooled
connection keeps its sorts in memory; the connection a dashboard ran on keeps a page cache big
enough for it (others keep SQLite's small default, so the idle app stays small); and a session is
handed the connection used last (its cache warm), not the one idle longest."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from desktop.services import analytics
from desktop.services.context import AppContext
from desktop.store.database import SQLITE_CACHE_KIB

SQLITE_DEFAULT_CACHE = -2000  # SQLite's own default: 2,048,000 bytes


def _pragma(conn: object, name: str) -> int:
    return int(conn.exec_driver_sql(f"PRAGMA {name}").scalar())  # type: ignore[attr-defined]


def test_every_connection_sorts_in_memory_with_the_default_cache(ctx: AppContext) -> None:
    engine = ctx.db.engine
    with engine.connect() as first, engine.connect() as second:  # two distinct pooled connections
        for conn in (first, second):
            assert _pragma(conn, "temp_store") == 2  # MEMORY: no temp files in /var/tmp
            assert _pragma(conn, "cache_size") == SQLITE_DEFAULT_CACHE
            # the settings the store already relied on are still there
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert _pragma(conn, "foreign_keys") == 1


def test_the_connection_a_dashboard_ran_on_keeps_a_cache_for_the_next_one(ctx: AppContext) -> None:
    zone = ZoneInfo("Europe/Paris")
    period = analytics.Period.last_days(90, now=datetime(2026, 3, 1, 12, tzinfo=UTC), zone=zone)
    board = analytics.dashboard(ctx, analytics.Scope(period), zone=zone)
    assert board.kpis.current.posts == 0
    with ctx.session() as s:  # the same pooled connection (used last)
        assert _pragma(s.connection(), "cache_size") == -SQLITE_CACHE_KIB  # KiB, not pages
    assert SQLITE_CACHE_KIB * 1024 >= 20_000_000  # a 90-day dashboard reads ~20 MB on the large store


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
