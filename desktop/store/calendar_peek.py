"""The calendar's window query in plain SQL, for the standard library's sqlite3 driver.

The calendar's first month is read with this before SQLAlchemy is imported (see
desktop.services.calendar_rows). It is the SQL that desktop.services.calendar.calendar_items
has SQLAlchemy emit, clause for clause; tests/services/test_calendar_rows.py runs both on the
same database and holds their rows equal, so the two cannot drift apart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from desktop.store.peek import sql_time

_WHEN = "coalesce(variants.published_at, variants.scheduled_at)"


def accounts(conn: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    """Every account's (network, handle) by id."""
    return {a: (p, h) for a, p, h in conn.execute("SELECT id, provider, handle FROM accounts")}


def campaigns(conn: sqlite3.Connection) -> dict[int, tuple[str, str | None]]:
    """Every campaign's (name, colour) by id, archived ones included."""
    return {c: (n, col) for c, n, col in conn.execute("SELECT id, name, color FROM campaigns")}


def window_rows(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    late_window: timedelta,
    states: Sequence[str],
    campaign_ids: Collection[int] = (),
    account_ids: Sequence[int] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows (variant id, post id, account id, campaign id, state, time, text, series id, last
    error) of the variants whose time (published, else scheduled) is in ``[start, end)``, oldest
    first; only ``states``; ``campaign_ids`` (0: no campaign) and ``account_ids`` when given;
    posts published outside the app left out."""
    where = [
        # the range on scheduled_at uses its index; the time then trims the edges exactly
        "variants.scheduled_at >= ?",
        "variants.scheduled_at < ?",
        f"{_WHEN} >= ?",
        f"{_WHEN} < ?",
        "posts.external IS 0",
        f"variants.state IN ({', '.join('?' * len(states))})",
    ]
    params: list[Any] = [sql_time(start - late_window), sql_time(end), sql_time(start), sql_time(end), *states]
    if campaign_ids:
        ids = sorted(i for i in campaign_ids if i)
        cond = f"posts.campaign_id IN ({', '.join('?' * len(ids))})"
        where.append(f"({cond} OR posts.campaign_id IS NULL)" if 0 in campaign_ids else cond)
        params += ids
    if account_ids is not None:
        where.append(f"variants.account_id IN ({', '.join('?' * len(account_ids))})")
        params += account_ids
    sql = (
        "SELECT variants.id, variants.post_id, variants.account_id, posts.campaign_id, variants.state, "
        f"{_WHEN}, coalesce(variants.text, posts.text), posts.series_id, variants.last_error "
        "FROM variants JOIN posts ON posts.id = variants.post_id "
        f"WHERE {' AND '.join(where)} ORDER BY {_WHEN}, variants.id"
    )
    return conn.execute(sql, params).fetchall()
