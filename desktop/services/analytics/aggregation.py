"""The per-post aggregation behind the dashboard: one SQL statement.

Each published variant of the current and the previous period is read once, in one scan of
``variants`` by ``published_at`` (its engagements and followers at publish are kept on the row by
``metrics.store.refresh_variant_stats``; impressions and link clicks, when a network in scope
offers them, come from metric_latest), into a materialized CTE; the statement then returns, as
one UNION ALL, the few aggregate rows every figure is made from:

- ``b``: per network per UTC hour bucket of the current period (series, heatmap, networks, KPIs)
- ``c``: per campaign of the current period
- ``p``: the previous period's totals
- ``t``: the current period's posts with most engagements (top posts)

Rates are returned as sums and counts, so Python can merge buckets into local days and hours
and still get the exact mean over posts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import CTE, CompoundSelect, Integer, String, case, cast, func, literal, null, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from desktop.services.analytics.sql import HourBuckets, engagements, metric_sum, published_in, rate
from desktop.services.analytics.values import Period, Scope
from desktop.services.metric_names import IMPRESSIONS, LINK_CLICKS
from desktop.store.models import Account, Post, Variant

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Totals:
    posts: int = 0
    engagements: int = 0
    rate_sum: float = 0.0
    rated: int = 0  # posts with follower data
    impressions: int = 0
    link_clicks: int = 0

    @property
    def engagement_rate(self) -> float | None:
        return self.rate_sum / self.rated if self.rated else None

    @staticmethod
    def of(parts: Iterable[Totals]) -> Totals:
        """The totals of several groups (for buckets merged into a local day, hour or network)."""
        parts = list(parts)
        return Totals(
            sum(t.posts for t in parts),
            sum(t.engagements for t in parts),
            sum(t.rate_sum for t in parts),
            sum(t.rated for t in parts),
            sum(t.impressions for t in parts),
            sum(t.link_clicks for t in parts),
        )


@dataclass(frozen=True)
class Bucket:
    network: str
    start: Any  # datetime (UTC); the whole bucket lies in one local hour of the zone it was made for
    totals: Totals


@dataclass(frozen=True)
class Aggregates:
    buckets: list[Bucket] = field(default_factory=list)
    campaigns: dict[int | None, Totals] = field(default_factory=dict)
    previous: Totals | None = None
    top: list[tuple[int, int]] = field(default_factory=list)  # (variant_id, engagements), best first

    def current(self) -> Totals:
        return Totals.of(bucket.totals for bucket in self.buckets)


def _per_post(scope: Scope, span: Period, current_start: Any, *, rates: bool, beside: Collection[str]) -> CTE:
    """One row per published variant in ``span``: network, campaign, time, whether it is in the
    current period, engagements (and impressions and link clicks), and its engagement rate."""
    columns: list[Any] = [
        Variant.id.label("variant_id"),
        Account.provider.label("network"),
        Post.campaign_id.label("campaign_id"),
        Variant.published_at.label("at"),
        case((Variant.published_at >= current_start, 1), else_=0).label("cur"),
        engagements().label("eng"),
    ]
    columns += [metric_sum([m]).label(m) for m in (IMPRESSIONS, LINK_CLICKS) if m in beside]
    if rates:
        columns.append(rate(engagements(), Variant.followers_at_publish).label("r"))
    return (
        select(*columns)
        .select_from(Variant)
        .join(Post, Post.id == Variant.post_id)
        .join(Account, Account.id == Variant.account_id)
        .where(*published_in(scope, span))
        .cte("per_post")
        .prefix_with("MATERIALIZED")
    )


def statement(
    scope: Scope,
    hours: HourBuckets,
    *,
    rates: bool = True,
    beside: Collection[str] = (),
    campaigns: bool = False,
    previous: bool = False,
    top: int = 0,
) -> tuple[CompoundSelect, int]:
    """The UNION ALL statement behind :func:`aggregate`, and how many bucket keys it returns."""
    current = scope.period
    span = Period(current.previous().start, current.end) if previous else current
    per = _per_post(scope, span, current.start, rates=rates, beside=beside)
    nothing = null()
    keys = hours.keys(per.c.at)
    key_cols = [*keys, *([literal(0)] * (5 - len(keys)))]

    def beside_sum(metric: str, wanted: bool) -> ColumnElement[Any]:
        return func.coalesce(func.sum(per.c[metric]), 0) if wanted and metric in beside else literal(0)

    def sums(*, with_beside: bool = True) -> list[ColumnElement[Any]]:
        return [
            func.count().label("posts"),
            func.coalesce(func.sum(per.c.eng), 0).label("eng"),
            (func.sum(per.c.r) if rates else literal(0.0)).label("rate_sum"),
            (func.count(per.c.r) if rates else literal(0)).label("rated"),
            beside_sum(IMPRESSIONS, with_beside).label("impressions"),
            beside_sum(LINK_CLICKS, with_beside).label("link_clicks"),
        ]

    def head(kind: str, network: Any, campaign: Any, bucket: Sequence[Any]) -> list[ColumnElement[Any]]:
        return [
            literal(kind, String).label("kind"),
            cast(network, String).label("network"),
            cast(campaign, Integer).label("campaign_id"),
            *[cast(k, Integer).label(f"k{i}") for i, k in enumerate(bucket)],
        ]

    no_bucket = [nothing] * 5
    no_id = cast(nothing, Integer).label("variant_id")  # typed: PostgreSQL reads a bare NULL as text
    parts = [
        select(*head("b", per.c.network, nothing, key_cols), *sums(), no_id)
        .where(per.c.cur == 1)
        .group_by(per.c.network, *keys)
    ]
    if campaigns:
        parts.append(
            select(*head("c", nothing, per.c.campaign_id, no_bucket), *sums(with_beside=False), no_id)
            .where(per.c.cur == 1)
            .group_by(per.c.campaign_id)
        )
    if previous:
        parts.append(select(*head("p", nothing, nothing, no_bucket), *sums(), no_id).where(per.c.cur == 0))
    if top:
        best = (
            select(per.c.variant_id, per.c.eng)
            .where(per.c.cur == 1)
            .order_by(per.c.eng.desc(), per.c.at.desc(), per.c.variant_id.desc())
            .limit(top)
            .subquery()
        )
        parts.append(
            select(
                *head("t", nothing, nothing, no_bucket),
                literal(1),
                best.c.eng,
                literal(0.0),
                literal(0),
                literal(0),
                literal(0),
                best.c.variant_id,
            )
        )
    return union_all(*parts), len(keys)


def aggregate(
    s: Session,
    scope: Scope,
    hours: HourBuckets,
    *,
    rates: bool = True,
    beside: Collection[str] = (),
    campaigns: bool = False,
    previous: bool = False,
    top: int = 0,
) -> Aggregates:
    """The aggregate rows of ``scope``'s period (and its previous period when asked): see the
    module docstring. ``beside`` names what to sum besides engagements: impressions, link clicks."""
    query, keys = statement(scope, hours, rates=rates, beside=beside, campaigns=campaigns, previous=previous, top=top)
    result = Aggregates(previous=Totals() if previous else None)
    for row in s.execute(query):
        totals = Totals(
            int(row.posts),
            int(row.eng or 0),
            float(row.rate_sum or 0.0),
            int(row.rated or 0),
            int(row.impressions or 0),
            int(row.link_clicks or 0),
        )
        if row.kind == "b":
            bucket = [row.k0, row.k1, row.k2, row.k3, row.k4][:keys]
            result.buckets.append(Bucket(row.network, hours.start(bucket), totals))
        elif row.kind == "c":
            result.campaigns[row.campaign_id] = totals
        elif row.kind == "p":
            result = Aggregates(result.buckets, result.campaigns, totals, result.top)
        else:
            result.top.append((int(row.variant_id), totals.engagements))
    result.top.sort(key=lambda t: -t[1])  # UNION ALL keeps no order; ties are re-ordered by the caller
    return result
