"""The per-post aggregation behind the dashboard: one SQL statement.

Each part reads the published variants of its period in one scan by ``published_at`` (the
covering index ``ix_variants_published_stats``: engagements and followers at publish are kept
on the variant by ``metrics.store.refresh_variant_stats``; impressions and link clicks, when a
network in scope offers them, come from metric_latest), and the statement returns, as one
UNION ALL, the few aggregate rows every figure is made from:

- ``b``: per network per time bucket of the current period (series, heatmap, networks, KPIs)
- ``c``: per campaign of the current period
- ``p``: the previous period's totals
- ``t``: the current period's posts with most engagements (top posts)

``b`` and ``c`` are summed from one grouped pass over the current period (per network, bucket
and campaign, materialized: a few thousand rows), so the period's posts are grouped once, not
once for each. Rates are returned as sums and counts, so Python can merge buckets into local
days and hours and still get the exact mean over posts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import CompoundSelect, Integer, String, Subquery, cast, func, literal, null, select, union_all
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
        # One pass, adding in the order given (as six sums would): the dashboard merges a few
        # thousand buckets this way.
        posts = engaged = rated = impressions = clicks = 0
        rate_sum = 0.0
        for t in parts:
            posts += t.posts
            engaged += t.engagements
            rate_sum += t.rate_sum
            rated += t.rated
            impressions += t.impressions
            clicks += t.link_clicks
        return Totals(posts, engaged, rate_sum, rated, impressions, clicks)


@dataclass(frozen=True)
class Bucket:
    network: str
    start: Any  # datetime (UTC); the whole bucket lies in one local hour of the zone it was made for
    # (None when the buckets have no origin: one per network)
    totals: Totals


@dataclass(frozen=True)
class Aggregates:
    buckets: list[Bucket] = field(default_factory=list)
    campaigns: dict[int | None, Totals] = field(default_factory=dict)
    previous: Totals | None = None
    top: list[tuple[int, int]] = field(default_factory=list)  # (variant_id, engagements), best first

    def current(self) -> Totals:
        return Totals.of(bucket.totals for bucket in self.buckets)


def _per_post(
    scope: Scope, period: Period, *, rates: bool, beside: Collection[str], campaign: bool = False, network: bool = True
) -> Subquery:
    """One row per published variant in ``period``: its network when ``network``, time,
    engagements (and impressions and link clicks), its engagement rate, and its campaign when
    ``campaign``."""
    columns: list[Any] = [
        Variant.id.label("variant_id"),
        Variant.published_at.label("at"),
        engagements().label("eng"),
    ]
    if network:
        columns.append(Account.provider.label("network"))
    if campaign:
        columns.append(Post.campaign_id.label("campaign_id"))
    columns += [metric_sum([m]).label(m) for m in (IMPRESSIONS, LINK_CLICKS) if m in beside]
    if rates:
        columns.append(rate(engagements(), Variant.followers_at_publish).label("r"))
        columns.append(func.nullif(Variant.followers_at_publish, 0).label("followers"))
    query = select(*columns).select_from(Variant)
    if network:  # the accounts only when their network is asked for: a variant always has one
        query = query.join(Account, Account.id == Variant.account_id)
    # The posts only when something of theirs is asked for: one look-up per variant saved.
    if campaign or scope.campaign_id is not None or not scope.include_external:
        query = query.join(Post, Post.id == Variant.post_id)
    return query.where(*published_in(scope, period)).subquery()


def statement(
    scope: Scope,
    hours: HourBuckets,
    *,
    rates: bool = True,
    beside: Collection[str] = (),
    campaigns: bool = False,
    previous: bool = False,
    top: int = 0,
) -> CompoundSelect:
    """The UNION ALL statement behind :func:`aggregate`."""
    return _statement(scope, hours, rates, frozenset(beside), campaigns, previous, top)


# Building it costs about as much as a fifth of running it, and a page asks the same again (a
# refresh, a sync, a theme switch): statements are immutable, so the same scope reuses one.
@lru_cache(maxsize=32)
def _statement(
    scope: Scope,
    hours: HourBuckets,
    rates: bool,
    beside: frozenset[str],
    campaigns: bool,
    previous: bool,
    top: int,
) -> CompoundSelect:
    nothing = null()

    def sums(part: Subquery, *, with_beside: bool = True) -> list[ColumnElement[Any]]:
        def beside_sum(metric: str) -> ColumnElement[Any]:
            wanted = with_beside and metric in beside
            return func.coalesce(func.sum(part.c[metric]), 0) if wanted else literal(0)

        return [
            func.count().label("posts"),
            func.coalesce(func.sum(part.c.eng), 0).label("eng"),
            (func.sum(part.c.r) if rates else literal(0.0)).label("rate_sum"),
            # r is NULL exactly when the followers are (eng is never NULL): one division a row, not two
            (func.count(part.c.followers) if rates else literal(0)).label("rated"),
            beside_sum(IMPRESSIONS).label("impressions"),
            beside_sum(LINK_CLICKS).label("link_clicks"),
        ]

    def head(kind: str, network: Any, campaign: Any, bucket: Any) -> list[ColumnElement[Any]]:
        return [
            literal(kind, String).label("kind"),
            cast(network, String).label("network"),
            cast(campaign, Integer).label("campaign_id"),
            cast(bucket, Integer).label("bucket"),
        ]

    no_id = cast(nothing, Integer).label("variant_id")  # typed: PostgreSQL reads a bare NULL as text
    # The current period in one grouped pass, per network, time bucket and campaign (a few
    # thousand rows, materialized): the buckets and the campaigns are summed from it. Always this
    # shape, campaigns asked for or not, so every function adds the same rates in the same order
    # as the dashboard does.
    cur = _per_post(scope, scope.period, rates=rates, beside=beside, campaign=True)
    keys = hours.keys(cur.c.at)
    bucket = keys[0] if keys else cast(nothing, Integer)
    grouped = (
        select(cur.c.network, bucket.label("bucket"), cur.c.campaign_id, *sums(cur))
        .group_by(*keys, cur.c.campaign_id, cur.c.network)  # numbers first: a cheaper sort
        .cte("per_group")
        .prefix_with("MATERIALIZED")
    )

    def regrouped(*, with_beside: bool = True) -> list[ColumnElement[Any]]:
        g = grouped.c

        def total(column: Any) -> ColumnElement[Any]:
            return func.coalesce(func.sum(column), 0)

        return [
            total(g.posts),
            total(g.eng),
            func.sum(g.rate_sum),
            total(g.rated),
            total(g.impressions) if with_beside else literal(0),
            total(g.link_clicks) if with_beside else literal(0),
        ]

    parts = [
        select(*head("b", grouped.c.network, nothing, grouped.c.bucket), *regrouped(), no_id).group_by(
            grouped.c.network, grouped.c.bucket
        )
    ]
    if campaigns:
        parts.append(
            select(*head("c", nothing, grouped.c.campaign_id, nothing), *regrouped(with_beside=False), no_id).group_by(
                grouped.c.campaign_id
            )
        )
    if previous:
        before = _per_post(scope, scope.period.previous(), rates=rates, beside=beside, network=False)
        parts.append(select(*head("p", nothing, nothing, nothing), *sums(before), no_id))
    if top:
        cur = _per_post(scope, scope.period, rates=False, beside=(), network=False)
        best = (
            select(cur.c.variant_id, cur.c.eng)
            .order_by(cur.c.eng.desc(), cur.c.at.desc(), cur.c.variant_id.desc())
            .limit(top)
            .subquery()
        )
        parts.append(
            select(
                *head("t", nothing, nothing, nothing),
                literal(1),
                best.c.eng,
                literal(0.0),
                literal(0),
                literal(0),
                literal(0),
                best.c.variant_id,
            )
        )
    return union_all(*parts)


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
    query = statement(scope, hours, rates=rates, beside=beside, campaigns=campaigns, previous=previous, top=top)
    result = Aggregates(previous=Totals() if previous else None)
    starts: dict[Any, Any] = {}  # each bucket's start, worked out once for all its networks' rows
    # Plain tuples, unpacked by position (the statement's column order): a few thousand rows,
    # and reading each column by name cost more than the Python work on it.
    for kind, network, campaign_id, bucket, posts, eng, rate_sum, rated, impressions, clicks, variant_id in s.execute(
        query
    ).all():
        totals = Totals(
            int(posts), int(eng or 0), float(rate_sum or 0.0), int(rated or 0), int(impressions or 0), int(clicks or 0)
        )
        if kind == "b":
            if bucket not in starts:
                starts[bucket] = hours.start((bucket,))
            result.buckets.append(Bucket(network, starts[bucket], totals))
        elif kind == "c":
            result.campaigns[campaign_id] = totals
        elif kind == "p":
            result = Aggregates(result.buckets, result.campaigns, totals, result.top)
        else:
            result.top.append((int(variant_id), totals.engagements))
    result.top.sort(key=lambda t: -t[1])  # UNION ALL keeps no order; ties are re-ordered by the caller
    return result
