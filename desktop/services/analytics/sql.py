"""SQL building blocks shared by the analytics queries and the upkeep of the per-post figures
(``metrics.store.refresh_variant_stats``), portable: SQLite and PostgreSQL.

Times are compared and bucketed with expressions SQLAlchemy compiles per dialect (``extract``,
and :class:`seconds` below); nothing here is SQLite-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, and_, case, cast, extract, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from desktop.services.analytics.values import Period, Scope
from desktop.services.metric_names import FOLLOWERS
from desktop.store.models import MetricLatest, MetricSnapshot, Post, Variant, VariantState


class seconds(FunctionElement[float]):
    """A timestamp as seconds on a linear scale, so two distances in time can be compared.

    Only differences are meaningful (the origin differs per dialect)."""

    type = Float()
    inherit_cache = True
    name = "seconds"


@compiles(seconds)
def _seconds_default(element: seconds, compiler: Any, **kw: Any) -> str:
    # PostgreSQL and most others: EXTRACT(EPOCH FROM ts).
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(seconds, "sqlite")
def _seconds_sqlite(element: seconds, compiler: Any, **kw: Any) -> str:
    return f"(julianday({compiler.process(element.clauses, **kw)}) * 86400.0)"


def published_in(scope: Scope, period: Period) -> list[ColumnElement[bool]]:
    """Conditions on Variant (joined with Post) for the published variants in ``scope``/``period``."""
    where: list[ColumnElement[bool]] = [
        # Written so no index on state can serve it: without statistics SQLite would otherwise
        # walk every published variant by state instead of the period by published_at.
        Variant.state.concat("") == VariantState.PUBLISHED.value,
        Variant.published_at >= period.start,
        Variant.published_at < period.end,
    ]
    if scope.campaign_id is not None:
        where.append(Post.campaign_id == scope.campaign_id)
    if scope.account_ids:
        # Off the index too: an account's posts of all time are more than one period's.
        where.append((Variant.account_id + 0).in_(scope.account_ids))
    if not scope.include_external:
        where.append(Post.external.is_(False))
    return where


def engagements() -> ColumnElement[int]:
    """A variant's engagements as kept on its row (0 when never synced)."""
    return func.coalesce(Variant.engagements, 0)


def metric_sum(metrics: Sequence[str], variant_id: Any = Variant.id) -> ColumnElement[int]:
    """The sum of the newest values of ``metrics`` for one variant (0 when none reported)."""
    # The metric test is kept off the index: one seek on variant_id reads the variant's few
    # rows, where an IN list on the key's second column would seek once per metric.
    return (
        select(func.coalesce(func.sum(MetricLatest.value), 0))
        .where(MetricLatest.variant_id == variant_id, MetricLatest.metric.concat("").in_(list(metrics)))
        .correlate_except(MetricLatest)
        .scalar_subquery()
    )


def metric_value(metric: str, variant_id: Any = Variant.id) -> ColumnElement[int]:
    """The newest value of one metric for one variant (NULL when never reported)."""
    return (
        select(MetricLatest.value)
        .where(MetricLatest.variant_id == variant_id, MetricLatest.metric == metric)
        .correlate_except(MetricLatest)
        .scalar_subquery()
    )


def follower_bounds(account_id: Any, at: Any) -> tuple[ColumnElement[datetime], ColumnElement[datetime]]:
    """When the account's follower count was read last at or before ``at``, and first after it
    (NULL when never): two correlated look-ups on (account_id, metric, taken_at)."""
    snap = MetricSnapshot.__table__.alias("fs")
    # "followers" is only ever an account metric (variant_id NULL), so the index
    # (account_id, metric, taken_at) answers these alone, without reading the rows.
    own = and_(snap.c.account_id == account_id, snap.c.metric == FOLLOWERS)
    before = select(func.max(snap.c.taken_at)).where(own, snap.c.taken_at <= at).correlate_except(snap)
    after = select(func.min(snap.c.taken_at)).where(own, snap.c.taken_at > at).correlate_except(snap)
    return before.scalar_subquery(), after.scalar_subquery()


def nearer(at: Any, before: Any, after: Any) -> ColumnElement[datetime]:
    """Whichever of ``before`` and ``after`` is nearer ``at`` (``before`` on a tie or alone)."""
    return case(
        (after.is_(None), before),
        (before.is_(None), after),
        # A millisecond of slack: SQLite's julianday() keeps milliseconds, and a tie must stay a tie.
        (seconds(at) - seconds(before) <= seconds(after) - seconds(at) + 0.001, before),
        else_=after,
    )


def follower_at(account_id: Any, at: Any, before: Any, after: Any) -> ColumnElement[int]:
    """The follower count of the nearer of the two snapshots ``before`` and ``after`` ``at``
    (the earlier on a tie), from :func:`follower_bounds`; NULL without either.

    Kept in two steps because SQLite cannot use an outer column in a subquery's ORDER BY: the
    bounds are computed once per row in an inner query and compared here."""
    return follower_value(account_id, nearer(at, before, after))


def follower_value(account_id: Any, taken_at: Any) -> ColumnElement[int]:
    """The account's follower count read at ``taken_at`` (the last row if read twice then)."""
    snap = MetricSnapshot.__table__.alias("fn")
    return (
        select(snap.c.value)
        .where(
            snap.c.account_id == account_id,
            snap.c.metric == FOLLOWERS,
            snap.c.taken_at == taken_at,
        )
        .order_by(snap.c.id.desc())
        .limit(1)
        .correlate_except(snap)
        .scalar_subquery()
    )


def followers_near(account_id: Any, at: Any) -> ColumnElement[int]:
    """The account's follower count in the snapshot nearest ``at`` (the earlier on a tie), NULL
    without any, in one expression; for few rows (it repeats the bound look-ups)."""
    before, after = follower_bounds(account_id, at)
    return follower_at(account_id, at, before, after)


def rate(engaged: Any, followers: Any) -> ColumnElement[Any]:
    """engagements ÷ followers as a float; NULL without followers (or with 0)."""
    return cast(engaged, Float) / func.nullif(followers, 0)


# --- hour buckets -------------------------------------------------------------------------------


def _int(part: str, column: Any) -> ColumnElement[int]:
    return cast(extract(part, column), Integer)


@dataclass(frozen=True)
class HourBuckets:
    """UTC hour buckets, split at the minutes where ``zone``'s hours start, so every bucket lies
    in exactly one local hour: SQL groups by bucket, Python names each bucket's local day/hour."""

    splits: tuple[int, ...]  # minutes past the UTC hour where a local hour starts (never 0)

    @classmethod
    def for_zone(cls, zone: ZoneInfo, period: Period) -> HourBuckets:
        minutes: set[int] = set()
        at = period.start
        while True:
            offset = at.astimezone(zone).utcoffset() or timedelta(0)
            minutes.add(int(-offset.total_seconds() // 60) % 60)
            if at >= period.end:
                break
            at = min(at + timedelta(hours=6), period.end)
        minutes.discard(0)
        return cls(tuple(sorted(minutes)))

    def keys(self, column: Any) -> list[ColumnElement[int]]:
        """year, month, day, hour (and, in zones with split hours, the split) of ``column``."""
        keys = [_int("year", column), _int("month", column), _int("day", column), _int("hour", column)]
        if self.splits:
            minute = _int("minute", column)
            part: ColumnElement[int] = case((minute >= self.splits[0], 1), else_=0)
            for m in self.splits[1:]:
                part = part + case((minute >= m, 1), else_=0)
            keys.append(part)
        return keys

    def start(self, key: Sequence[int]) -> datetime:
        """The UTC start of a bucket, from the values of :meth:`keys` in a result row."""
        year, month, day, hour, *rest = key
        minute = self.splits[rest[0] - 1] if rest and rest[0] else 0
        return datetime(year, month, day, hour, minute, tzinfo=UTC)
