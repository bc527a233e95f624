"""Writing metrics: snapshots (history, never overwritten), the latest value per variant and
metric beside them, and each account's rate-limit windows. All in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from desktop.store.models import MetricLatest, MetricSnapshot, RateWindow
from providers.base import RateWindow as SeenWindow

_SNAPSHOTS: Table = MetricSnapshot.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Reading:
    """Counters read for one variant (``variant_id``) or for the account itself (None)."""

    account_id: int
    variant_id: int | None
    values: Mapping[str, int]


def write_readings(s: Session, readings: Iterable[Reading], taken_at: datetime) -> int:
    """One snapshot per (variant or account, metric) reported, and the variant's latest values
    upserted. A metric absent from ``values`` was not reported and writes nothing (never a 0).
    Returns how many snapshots were written."""
    snapshots: list[dict[str, Any]] = []
    latest: list[dict[str, Any]] = []
    for r in readings:
        for metric, value in sorted(r.values.items()):
            row = {"account_id": r.account_id, "variant_id": r.variant_id, "metric": metric, "value": int(value)}
            snapshots.append({**row, "taken_at": taken_at})
            if r.variant_id is not None:
                latest.append({**row, "taken_at": taken_at})
    if snapshots:
        s.execute(insert(_SNAPSHOTS), snapshots)  # Core executemany: no ORM step per row
    if latest:
        upsert(
            s,
            MetricLatest,
            latest,
            keys=("variant_id", "metric"),
            update=("account_id", "value", "taken_at"),
            newer="taken_at",
        )
    return len(snapshots)


def save_windows(s: Session, account_id: int, windows: Iterable[SeenWindow], seen_at: datetime) -> None:
    """Remember what the network last said about each of the account's rate-limit windows."""
    rows = [
        {
            "account_id": account_id,
            "scope": w.scope[:60] or "default",
            "limit": int(w.limit),
            "remaining": int(w.remaining),
            "resets_at": w.resets_at,
            "seen_at": seen_at,
        }
        for w in windows
    ]
    if rows:
        upsert(
            s,
            RateWindow,
            rows,
            keys=("account_id", "scope"),
            update=("limit", "remaining", "resets_at", "seen_at"),
            newer="seen_at",
        )


def stored_windows(s: Session, account_id: int) -> list[tuple[SeenWindow, datetime]]:
    """The account's remembered windows, each with when it was seen."""
    rows = s.execute(
        select(
            RateWindow.limit, RateWindow.remaining, RateWindow.resets_at, RateWindow.scope, RateWindow.seen_at
        ).where(RateWindow.account_id == account_id)
    ).all()
    return [(SeenWindow(limit, remaining, resets, scope), seen) for limit, remaining, resets, scope, seen in rows]


def upsert(
    s: Session,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
    newer: str,
) -> None:
    """Insert ``rows``, or update the row with the same ``keys`` — unless it holds a newer
    ``newer`` value (a slower writer never overwrites a fresher one). One statement, safe against
    a concurrent writer, through the dialect's ``ON CONFLICT`` (SQLite and PostgreSQL); other
    databases fall back to select-then-write."""
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        dialect_insert: Any
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        # the last row per key wins (as the later reading); one statement, run for each row
        # (executemany: compiled once and cached, whatever the number of rows)
        unique = list({tuple(r[k] for k in keys): r for r in rows}.values())
        table = model.__table__
        stmt = dialect_insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={c: stmt.excluded[c] for c in update},
            where=table.c[newer] <= stmt.excluded[newer],
        )
        s.execute(stmt, unique)
        return
    for row in rows:  # pragma: no cover - neither of the supported databases
        found = s.get(model, tuple(row[k] for k in keys))
        if found is None:
            s.add(model(**row))
        elif getattr(found, newer) <= row[newer]:
            for c in update:
                setattr(found, c, row[c])
    s.flush()
