"""Analytics: what worked, aggregated in SQL over the published variants and their metrics.

Definitions come from :mod:`desktop.services.metric_names` (engagements, engagement rate).
Every function opens one session; :func:`dashboard` reads everything the page shows in one.
No Qt here: the page calls :func:`dashboard` off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from desktop.services.analytics import queries
from desktop.services.analytics.aggregation import Aggregates, Totals, aggregate
from desktop.services.analytics.sql import HourBuckets
from desktop.services.analytics.values import (
    Breakdown,
    Dashboard,
    HeatCell,
    KpiComparison,
    Kpis,
    MetricPoint,
    Period,
    Scope,
    SeriesPoint,
    TopPost,
)
from desktop.store.database import widen_page_cache

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.services.context import AppContext

__all__ = [
    "Breakdown",
    "Dashboard",
    "HeatCell",
    "KpiComparison",
    "Kpis",
    "MetricPoint",
    "Period",
    "Scope",
    "SeriesPoint",
    "TopPost",
    "best_hours",
    "by_campaign",
    "by_network",
    "dashboard",
    "engagements_over_time",
    "follower_growth",
    "heatmap",
    "kpis",
    "last_synced",
    "missing_metrics",
    "post_history",
    "published_count",
    "top_posts",
]

TOP_ORDERS = queries.TOP_ORDERS


def _kpis(
    ctx: AppContext, s: Session, scope: Scope, agg: Aggregates, accounts: Sequence[tuple[int, str, str]]
) -> KpiComparison:
    offered = queries.offered(ctx, accounts)
    ids = [a for a, _, _ in accounts]
    previous = scope.period.previous()
    return KpiComparison(
        current=queries.kpis_from(agg.current(), queries.follower_change(s, ids, scope.period), offered),
        previous=queries.kpis_from(agg.previous or Totals(), queries.follower_change(s, ids, previous), offered),
    )


def kpis(ctx: AppContext, scope: Scope) -> KpiComparison:
    """Posts, engagements, engagement rate, follower change, impressions and link clicks for the
    scope's period and the period of the same length before it."""
    with ctx.session() as s:
        accounts = queries.scope_accounts(s, scope)
        agg = aggregate(
            s, scope, HourBuckets.hourly(scope.period), beside=queries.offered(ctx, accounts), previous=True
        )
        return _kpis(ctx, s, scope, agg, accounts)


def engagements_over_time(ctx: AppContext, scope: Scope, *, zone: ZoneInfo) -> list[SeriesPoint]:
    """Engagements of the posts published each local day, per network (every day of the period
    for every network that published in it, 0 where none)."""
    hours = HourBuckets.for_zone(zone, scope.period)
    with ctx.session() as s:
        agg = aggregate(s, scope, hours, rates=False)
    return queries.series_from(ctx, agg.buckets, scope.period, zone)


def follower_growth(ctx: AppContext, scope: Scope, *, zone: ZoneInfo) -> list[SeriesPoint]:
    """Each account's followers per local day (the day's last snapshot), days without one left out."""
    with ctx.session() as s:
        return queries.growth(ctx, s, scope, scope.period, zone)


def top_posts(ctx: AppContext, scope: Scope, *, limit: int = 50, order_by: str = "engagements") -> list[TopPost]:
    """The posts of the period with the most ``order_by`` ("engagements", "engagement_rate",
    "published_at" or a post metric such as "likes"), with their newest metrics."""
    with ctx.session() as s:
        ids = queries.ranked(s, scope, scope.period, limit=limit, order_by=order_by)
        posts = queries.top_details(ctx, s, ids)
    if order_by == "engagements":
        return sorted(posts, key=lambda p: (-p.engagements, -p.published_at.timestamp(), -p.variant_id))
    return posts


def by_network(ctx: AppContext, scope: Scope) -> list[Breakdown]:
    """Posts, engagements and mean engagement rate per network, most engagements first."""
    with ctx.session() as s:
        agg = aggregate(s, scope, HourBuckets.hourly(scope.period))
    return queries.networks_from(ctx, agg.buckets)


def by_campaign(ctx: AppContext, scope: Scope) -> list[Breakdown]:
    """Posts, engagements and mean engagement rate per campaign (key "" = no campaign)."""
    with ctx.session() as s:
        # The dashboard's buckets (UTC hours, as for kpis()): campaign rates add up as they do there.
        agg = aggregate(s, scope, HourBuckets.hourly(scope.period), campaigns=True)
        return queries.campaigns_from(s, agg.campaigns)


def heatmap(ctx: AppContext, scope: Scope, *, zone: ZoneInfo) -> list[HeatCell]:
    """Posts and mean engagement rate per local (weekday, hour): all 168 cells, Monday 00:00 first.

    SQL groups by UTC hour bucket (split where the zone's hours start); Python names each
    bucket's local weekday and hour, so a period across a DST change is right on both sides."""
    hours = HourBuckets.for_zone(zone, scope.period)
    with ctx.session() as s:
        agg = aggregate(s, scope, hours)
    return queries.heatmap_from(agg.buckets, zone)


def best_hours(cells: Sequence[HeatCell], *, count: int = 5, min_posts: int = 2) -> list[HeatCell]:
    """The ``count`` cells with the highest engagement rate among those with at least
    ``min_posts`` posts, best first (ties: more posts, then earlier in the week)."""
    eligible = [c for c in cells if c.posts >= min_posts and c.engagement_rate is not None]
    eligible.sort(key=lambda c: (-(c.engagement_rate or 0.0), -c.posts, c.weekday, c.hour))
    return eligible[: max(count, 0)]


def post_history(ctx: AppContext, variant_id: int) -> list[MetricPoint]:
    """Every snapshot of the variant's metrics, oldest first."""
    with ctx.session() as s:
        return queries.history(s, variant_id)


def missing_metrics(ctx: AppContext, scope: Scope) -> list[str]:
    """Sentences for the networks in scope that do not report impressions or link clicks,
    from what each network declares ("Bluesky does not report impressions or link clicks.")."""
    with ctx.session() as s:
        return queries.missing(ctx, s, scope)


def published_count(ctx: AppContext, scope: Scope | None = None) -> int:
    """How many variants are published in ``scope`` (ever, without one). Cheap: no metrics are
    read, so an empty state can ask "was anything published at all?" on any store."""
    with ctx.session() as s:
        return queries.published_count(s, scope)


def last_synced(ctx: AppContext) -> datetime | None:
    """When a metric was last read from any network (newest snapshot), None if never."""
    with ctx.session() as s:
        return queries.newest_snapshot(s)


def dashboard(ctx: AppContext, scope: Scope, *, zone: ZoneInfo, top: int = 50) -> Dashboard:
    """Everything the analytics page shows, read in one session (call it off the GUI thread).

    The posts of both periods are read once, in one statement (see ``aggregate``)."""
    hours = HourBuckets.for_zone(zone, scope.period)
    with ctx.session() as s:
        widen_page_cache(s)  # the period's index pages stay cached for the next refresh
        accounts = queries.scope_accounts(s, scope)  # read once, for every part below
        beside = queries.offered(ctx, accounts)
        agg = aggregate(s, scope, hours, beside=beside, campaigns=True, previous=True, top=top)
        return Dashboard(
            scope=scope,
            kpis=_kpis(ctx, s, scope, agg, accounts),
            series=queries.series_from(ctx, agg.buckets, scope.period, zone),
            growth=queries.growth(ctx, s, scope, scope.period, zone, accounts),
            top_posts=queries.top_by_engagements(ctx, s, agg.top),
            by_network=queries.networks_from(ctx, agg.buckets),
            by_campaign=queries.campaigns_from(s, agg.campaigns),
            heatmap=queries.heatmap_from(agg.buckets, zone),
            missing=queries.missing(ctx, s, scope, accounts),
            last_synced=queries.newest_snapshot(s),
        )
