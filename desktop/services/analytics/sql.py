"""SQL building blocks shared by the analytics queries and the upkeep of the per-post figures
(``metrics.store.refresh_variant_stats``), portable: SQLite and PostgreSQL.

Times are compared and bucketed with expressions compiled per dialect (:class:`seconds` and
:class:`whole` below); nothing here is SQLite-only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, String, and_, case, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from desktop.services.analytics.values import Period, Scope
from desktop.services.metric_names import FOLLOWERS
from desktop.store.models import MetricLatest, MetricSnapshot, Post, UTCDateTime, Variant, VariantState


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


class unindexed(FunctionElement[str]):
    """A text column that no index may serve (the planner must look elsewhere): on SQLite its
    unary ``+`` (no work per row, where ``col || ''`` builds a new string for every row);
    elsewhere the column itself (PostgreSQL's planner weighs indexes by statistics)."""

    type = String()
    inherit_cache = True
    name = "unindexed"


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def published_in(scope: Scope, period: Period) -> list[ColumnElement[bool]]:
    """Conditions on Variant for the published variants in ``scope``/``period`` (on Post too, to be
    joined, when the scope names a campaign or leaves external posts out)."""
    where: list[ColumnElement[bool]] = [
        # Written so no index on state can serve it: without statistics SQLite would otherwise
        # walk every published variant by state instead of the period by published_at.
        unindexed(Variant.state) == VariantState.PUBLISHED.value,
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
        .where(MetricLatest.variant_id == variant_id, unindexed(MetricLatest.metric).in_(list(metrics)))
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


class whole(FunctionElement[int]):
    """The integer part of a non-negative number (FLOOR; on SQLite a CAST, which truncates)."""

    type = Integer()
    inherit_cache = True
    name = "whole"


@compiles(whole)
def _whole_default(element: whole, compiler: Any, **kw: Any) -> str:
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(whole, "sqlite")
def _whole_sqlite(element: whole, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


#: Added to a time distance before it is cut into buckets: less than the millisecond SQLite keeps
#: (it reads times to the millisecond), more than the rounding of its julianday arithmetic.
_SLACK_SECONDS = 0.0005


@dataclass(frozen=True)
class HourBuckets:
    """Time buckets from ``origin`` (a whole UTC hour), ``minutes`` wide: an hour, or less in
    zones whose hours start at other minutes of the UTC hour (Kolkata's at :30), so every bucket
    lies in exactly one local hour. SQL groups by bucket number, one arithmetic expression per
    row; Python names each bucket's local day and hour. Without an origin there are no time
    buckets (one group per network)."""

    origin: datetime | None = None
    minutes: int = 60

    @classmethod
    def for_zone(cls, zone: ZoneInfo, period: Period) -> HourBuckets:
        """Buckets for the times from ``period``'s start on, in ``zone``'s local hours."""
        minutes: set[int] = set()
        at = period.start
        while True:
            offset = at.astimezone(zone).utcoffset() or timedelta(0)
            minutes.add(int(-offset.total_seconds() // 60) % 60)
            if at >= period.end:
                break
            at = min(at + timedelta(hours=6), period.end)
        origin = period.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return cls(origin, math.gcd(60, *minutes))

    @classmethod
    def hourly(cls, period: Period) -> HourBuckets:
        """UTC hours from ``period``'s start: sums merged from these add up in the same order as
        the dashboard's in any zone whose hours start on the UTC hour."""
        return cls(period.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0))

    def keys(self, column: Any) -> list[ColumnElement[int]]:
        """The bucket number of ``column`` (none without an origin); times before the origin
        are not bucketed correctly, so only times in the period may be passed."""
        if self.origin is None:
            return []
        since = seconds(column) - seconds(literal(self.origin, UTCDateTime())) + _SLACK_SECONDS
        return [whole(since / (60 * self.minutes))]

    def start(self, key: Sequence[int]) -> datetime | None:
        """The UTC start of a bucket, from the values of :meth:`keys` in a result row."""
        if self.origin is None:
            return None
        return self.origin + timedelta(minutes=self.minutes * int(key[0]))
