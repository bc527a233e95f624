"""Writing metrics: snapshots (history, never overwritten), the latest value per variant and
metric beside them, the per-post figures the dashboard reads (:func:`refresh_variant_stats`),
and each account's rate-limit windows. All in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, case, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from desktop.services.analytics.sql import followers_near
from desktop.services.metric_names import ENGAGEMENT_METRICS
from desktop.store.models import MetricLatest, MetricSnapshot, RateWindow, Variant
from providers.base import RateWindow as SeenWindow

_SNAPSHOTS: Table = MetricSnapshot.__table__  # type: ignore[assignment]
_VARIANTS: Table = Variant.__table__  # type: ignore[assignment]
_LATEST: Table = MetricLatest.__table__  # type: ignore[assignment]
#: Ids per UPDATE … WHERE id IN (…): well under every database's limit on bound parameters.
_IDS_PER_STATEMENT = 500


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


def engagements_of(variant_id: Any) -> ColumnElement[int]:
    """The sum of the newest values (metric_latest) of the engagement metrics of one variant:
    0 when it reported only other metrics, NULL when it reported nothing (never synced)."""
    engaged = case((_LATEST.c.metric.in_(list(ENGAGEMENT_METRICS)), _LATEST.c.value), else_=0)
    return (
        select(case((func.count() > 0, func.coalesce(func.sum(engaged), 0))))
        .where(_LATEST.c.variant_id == variant_id)
        .correlate_except(_LATEST)
        .scalar_subquery()
    )


def refresh_variant_stats(
    s: Session | Connection,
    *,
    variant_ids: Collection[int] | None = None,
    account_ids: Collection[int] | None = None,
    since: datetime | None = None,
) -> None:
    """Recompute the per-post figures kept on ``variants`` for the dashboard, set-based:

    - ``variant_ids``: ``engagements`` (see :func:`engagements_of`) and ``followers_at_publish``
      of those variants;
    - ``account_ids``: ``followers_at_publish`` of those accounts' published variants, only
      those published at or after ``since`` when given (a new follower snapshot can only be the
      nearest one for variants published after the snapshot before it);
    - neither: both figures of every variant (published at or after ``since`` when given).

    ``followers_at_publish`` is the account's follower count in the snapshot nearest the publish
    time, the earlier on a tie (``analytics.sql.followers_near``); NULL without any. Plain
    UPDATEs that leave ``version`` alone: these are data, not the variant's state, so they never
    make an editor's or the publisher's version-checked write fail."""
    if isinstance(s, Session):
        s.flush()  # rows added through the ORM count too
    v = _VARIANTS.c
    followers = followers_near(v.account_id, v.published_at)
    published: list[ColumnElement[bool]] = [v.published_at.is_not(None)]
    if since is not None:
        published.append(v.published_at >= since)
    if variant_ids is None and account_ids is None:
        s.execute(update(_VARIANTS).values(engagements=engagements_of(v.id)))
        s.execute(update(_VARIANTS).where(*published).values(followers_at_publish=followers))
        return
    ids = sorted(set(variant_ids or ()))
    for start in range(0, len(ids), _IDS_PER_STATEMENT):
        chunk = ids[start : start + _IDS_PER_STATEMENT]
        s.execute(update(_VARIANTS).where(v.id.in_(chunk)).values(engagements=engagements_of(v.id)))
        s.execute(
            update(_VARIANTS).where(v.id.in_(chunk), v.published_at.is_not(None)).values(followers_at_publish=followers)
        )
    accounts = sorted(set(account_ids or ()))
    if accounts:
        s.execute(
            update(_VARIANTS).where(v.account_id.in_(accounts), *published).values(followers_at_publish=followers)
        )


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
