"""The analytics queries, each on a caller's session so :func:`dashboard` reads in one session.

Aggregation happens in SQL. Where a result depends on the user's zone, SQL groups by UTC hour
buckets split where the zone's hours start (:class:`HourBuckets`) and Python only names each
bucket's local day or hour: at most a few thousand rows for a 90-day period, whatever the
number of posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Select, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from desktop.services.analytics.aggregation import Bucket, Totals, aggregate
from desktop.services.analytics.sql import (
    HourBuckets,
    engagements,
    follower_bounds,
    follower_value,
    metric_value,
    nearer,
    published_in,
    rate,
)
from desktop.services.analytics.values import (
    Breakdown,
    HeatCell,
    Kpis,
    MetricPoint,
    Period,
    Scope,
    SeriesPoint,
    TopPost,
)
from desktop.services.metric_names import (
    FOLLOWERS,
    IMPRESSIONS,
    LINK_CLICKS,
    POST_METRICS,
    label,
)
from desktop.store.models import (
    Account,
    Campaign,
    MetricLatest,
    MetricSnapshot,
    Post,
    UTCDateTime,
    Variant,
    VariantState,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.services.context import AppContext

#: Orders top_posts understands besides the post metric names.
TOP_ORDERS = ("engagements", "engagement_rate", "published_at", *POST_METRICS)
#: Shown beside engagements when offered; named in missing_metrics when a network lacks them.
BESIDE = (IMPRESSIONS, LINK_CLICKS)


# --- names ----------------------------------------------------------------------------------------


def network_label(ctx: AppContext, network: str) -> str:
    return ctx.registry.cls(network).info.name if network in ctx.registry else network.capitalize()


def handle_label(handle: str) -> str:
    return handle if handle.startswith("@") else f"@{handle}"


def offered_post_metrics(ctx: AppContext, network: str) -> tuple[str, ...]:
    """The post metrics the network declares (none for a network whose plugin is gone)."""
    return tuple(ctx.registry.cls(network).info.post_metrics) if network in ctx.registry else ()


# --- scope ----------------------------------------------------------------------------------------


def scope_accounts(s: Session, scope: Scope) -> list[tuple[int, str, str]]:
    """(id, network, handle) of the accounts in scope: the chosen ones, else those the campaign
    published from, else all."""
    query = select(Account.id, Account.provider, Account.handle)
    if scope.account_ids:
        query = query.where(Account.id.in_(scope.account_ids))
    if scope.campaign_id is not None:
        posted = (
            select(Variant.account_id)
            .join(Post, Post.id == Variant.post_id)
            .where(Post.campaign_id == scope.campaign_id, Variant.state == VariantState.PUBLISHED)
        )
        query = query.where(Account.id.in_(posted))
    return [(i, p, h) for i, p, h in s.execute(query.order_by(Account.id))]


def offered(ctx: AppContext, accounts: Sequence[tuple[int, str, str]]) -> set[str]:
    """The post metrics any of the accounts' networks declares."""
    return {m for _, network, _ in accounts for m in offered_post_metrics(ctx, network)}


def _at(value: datetime) -> ColumnElement[datetime]:
    return literal(value, UTCDateTime())


# --- KPIs -----------------------------------------------------------------------------------------


def kpis_from(totals: Totals, change: int | None, offered: set[str]) -> Kpis:
    return Kpis(
        posts=totals.posts,
        engagements=totals.engagements,
        engagement_rate=totals.engagement_rate,
        follower_change=change,
        impressions=totals.impressions if IMPRESSIONS in offered else None,
        link_clicks=totals.link_clicks if LINK_CLICKS in offered else None,
    )


def follower_change(s: Session, account_ids: Sequence[int], period: Period) -> int | None:
    """Sum over the accounts of followers in the snapshot nearest the period's end minus in the
    one nearest its start. An account counts only when those are two different snapshots (one
    reading, or none, says nothing about change); None when no account counts."""
    if not account_ids:
        return None
    total, known = s.execute(_follower_change_statement(tuple(account_ids), period)).one()
    return int(total) if known else None


# Building these costs more than running them (a few correlated look-ups per account), and a page
# asks the same scope again (a refresh, a sync, a theme switch): statements are immutable.
@lru_cache(maxsize=32)
def _follower_change_statement(account_ids: tuple[int, ...], period: Period) -> Select[int, int]:
    start, end = _at(period.start), _at(period.end)
    start_before, start_after = follower_bounds(Account.id, start)
    end_before, end_after = follower_bounds(Account.id, end)
    bounds = (
        select(
            Account.id.label("account_id"),
            start_before.label("sb"),
            start_after.label("sa"),
            end_before.label("eb"),
            end_after.label("ea"),
        )
        .where(Account.id.in_(account_ids))
        .cte("follower_bounds")
        .prefix_with("MATERIALIZED")
    )
    near = select(
        bounds.c.account_id,
        nearer(start, bounds.c.sb, bounds.c.sa).label("first_at"),
        nearer(end, bounds.c.eb, bounds.c.ea).label("last_at"),
    ).subquery()
    change = follower_value(near.c.account_id, near.c.last_at) - follower_value(near.c.account_id, near.c.first_at)
    return select(func.sum(change), func.count()).where(near.c.first_at.is_not(None), near.c.first_at != near.c.last_at)


# --- from buckets: engagements over time, heatmap, networks ----------------------------------------


def local_days(period: Period, zone: ZoneInfo) -> list[date]:
    if period.end <= period.start:
        return []
    first = period.start.astimezone(zone).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def series_from(ctx: AppContext, rows: Sequence[Bucket], period: Period, zone: ZoneInfo) -> list[SeriesPoint]:
    """Engagements per local day per network; every day of the period for each network seen."""
    per_day: dict[tuple[date, str], int] = defaultdict(int)
    days: dict[datetime, date] = {}  # a bucket's local day, worked out once for all its networks
    for row in rows:
        if row.start not in days:
            days[row.start] = row.start.astimezone(zone).date()
        per_day[(days[row.start], row.network)] += row.totals.engagements
    networks = sorted({row.network for row in rows})
    labels = {n: network_label(ctx, n) for n in networks}
    return [
        SeriesPoint(day, n, labels[n], per_day.get((day, n), 0)) for day in local_days(period, zone) for n in networks
    ]


def heatmap_from(rows: Sequence[Bucket], zone: ZoneInfo) -> list[HeatCell]:
    """All 168 local (weekday, hour) cells, Monday 00:00 first."""
    groups: dict[tuple[int, int], list[Totals]] = defaultdict(list)
    local_cell: dict[datetime, tuple[int, int]] = {}  # a bucket's (weekday, hour), once for all its networks
    for row in rows:
        if row.start not in local_cell:
            local = row.start.astimezone(zone)
            local_cell[row.start] = (local.weekday(), local.hour)
        groups[local_cell[row.start]].append(row.totals)
    cells = {cell: Totals.of(parts) for cell, parts in groups.items()}
    empty = Totals()
    return [
        HeatCell(day, hour, cells.get((day, hour), empty).posts, cells.get((day, hour), empty).engagement_rate)
        for day in range(7)
        for hour in range(24)
    ]


def networks_from(ctx: AppContext, rows: Sequence[Bucket]) -> list[Breakdown]:
    """Posts, engagements and mean rate per network, most engagements first."""
    groups: dict[str, list[Totals]] = defaultdict(list)
    for row in rows:
        groups[row.network].append(row.totals)
    per = {network: Totals.of(parts) for network, parts in groups.items()}
    result = [
        Breakdown(n, network_label(ctx, n), None, t.posts, t.engagements, t.engagement_rate) for n, t in per.items()
    ]
    return sorted(result, key=lambda b: (-b.engagements, b.label))


def campaigns_from(s: Session, per: dict[int | None, Totals]) -> list[Breakdown]:
    """Posts, engagements and mean rate per campaign ("" = no campaign), most engagements first."""
    ids = [cid for cid in per if cid is not None]
    named = {
        cid: (name, color)
        for cid, name, color in s.execute(
            select(Campaign.id, Campaign.name, Campaign.color).where(Campaign.id.in_(ids))
        )
    }
    result = []
    for cid, t in per.items():
        name, color = named.get(cid, ("No campaign", None)) if cid is not None else ("No campaign", None)
        result.append(
            Breakdown("" if cid is None else str(cid), name, color, t.posts, t.engagements, t.engagement_rate)
        )
    return sorted(result, key=lambda b: (-b.engagements, b.key == "", b.label))


# --- follower growth ---------------------------------------------------------------------------------


def growth(
    ctx: AppContext,
    s: Session,
    scope: Scope,
    period: Period,
    zone: ZoneInfo,
    accounts: Sequence[tuple[int, str, str]] | None = None,
) -> list[SeriesPoint]:
    """Followers per account per local day: the day's last snapshot. ``accounts`` are
    :func:`scope_accounts`' rows when the caller has them already."""
    handles = {a: h for a, _, h in (scope_accounts(s, scope) if accounts is None else accounts)}
    if not handles:
        return []
    last: dict[tuple[int, date], tuple[datetime, int]] = {}
    for account_id, taken_at, value in s.execute(_growth_statement(tuple(handles), period, zone)):
        day = taken_at.astimezone(zone).date()
        seen = last.get((account_id, day))
        if seen is None or taken_at > seen[0]:
            last[(account_id, day)] = (taken_at, value)
    return [
        SeriesPoint(day, str(account_id), handle_label(handles[account_id]), int(value))
        for (account_id, day), (_at_, value) in sorted(last.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


@lru_cache(maxsize=32)
def _growth_statement(account_ids: tuple[int, ...], period: Period, zone: ZoneInfo) -> Select[int, datetime, int]:
    """Each account's last follower reading per bucket of ``zone``'s local hours in ``period``."""
    snap = MetricSnapshot
    keys = HourBuckets.for_zone(zone, period).keys(snap.taken_at)
    newest = func.row_number().over(
        partition_by=[snap.account_id, *keys], order_by=[snap.taken_at.desc(), snap.id.desc()]
    )
    inner = (
        select(snap.account_id, snap.taken_at, snap.value, newest.label("n"))
        .where(
            snap.account_id.in_(account_ids),
            snap.metric == FOLLOWERS,  # an account metric only: variant_id is NULL
            snap.taken_at >= period.start,
            snap.taken_at < period.end,
        )
        .subquery()
    )
    return select(inner.c.account_id, inner.c.taken_at, inner.c.value).where(inner.c.n == 1)


# --- top posts ----------------------------------------------------------------------------------------


def ranked(s: Session, scope: Scope, period: Period, *, limit: int, order_by: str) -> list[int]:
    """The ids of the ``limit`` variants of the period with most ``order_by`` (see TOP_ORDERS)."""
    if order_by not in TOP_ORDERS:
        raise ValueError(f"Top posts can be ordered by {', '.join(TOP_ORDERS)}, not {order_by!r}.")
    if order_by == "engagements":
        return [vid for vid, _ in aggregate(s, scope, HourBuckets(), rates=False, top=limit).top]
    key: Any
    if order_by == "engagement_rate":
        key = rate(engagements(), Variant.followers_at_publish)
    elif order_by == "published_at":
        key = Variant.published_at
    else:
        key = cast(metric_value(order_by), Float)
    query = (
        select(Variant.id)
        .join(Post, Post.id == Variant.post_id)
        .where(*published_in(scope, period))
        .order_by(key.desc().nulls_last(), Variant.published_at.desc(), Variant.id.desc())
        .limit(limit)
    )
    return list(s.scalars(query))


def top_details(ctx: AppContext, s: Session, variant_ids: Sequence[int]) -> list[TopPost]:
    """The variants as top-post rows, in the order given."""
    if not variant_ids:
        return []
    rows = s.execute(
        select(
            Variant.id.label("variant_id"),
            engagements().label("eng"),
            rate(engagements(), Variant.followers_at_publish).label("rate"),
            Variant.post_id,
            Variant.account_id,
            Variant.text.label("own_text"),
            Variant.tagged_texts,
            Variant.remote_url,
            Variant.remote_parts,
            Variant.published_at,
            Account.provider,
            Account.handle,
            Post.text.label("shared_text"),
            Post.external,
            Campaign.name,
            Campaign.color,
        )
        .join(Account, Account.id == Variant.account_id)
        .join(Post, Post.id == Variant.post_id)
        .outerjoin(Campaign, Campaign.id == Post.campaign_id)
        .where(Variant.id.in_(list(variant_ids)))
    ).all()
    metrics: dict[int, dict[str, int]] = defaultdict(dict)
    for variant_id, metric, value in s.execute(
        select(MetricLatest.variant_id, MetricLatest.metric, MetricLatest.value).where(
            MetricLatest.variant_id.in_(list(variant_ids))
        )
    ):
        metrics[variant_id][metric] = int(value)
    by_id = {}
    for r in rows:
        tagged = r.tagged_texts or []
        text = str(tagged[0]) if tagged else (r.own_text if r.own_text is not None else r.shared_text) or ""
        parts = r.remote_parts or []
        url = r.remote_url or next((str(p.get("url") or "") for p in parts if isinstance(p, dict)), "")
        by_id[r.variant_id] = TopPost(
            variant_id=r.variant_id,
            post_id=r.post_id,
            account_id=r.account_id,
            network=r.provider,
            handle=r.handle,
            text=text,
            url=url,
            published_at=r.published_at,
            campaign=r.name,
            campaign_color=r.color,
            external=bool(r.external),
            metrics=dict(metrics.get(r.variant_id, {})),
            engagements=int(r.eng),
            engagement_rate=None if r.rate is None else float(r.rate),
        )
    return [by_id[v] for v in variant_ids if v in by_id]


def top_by_engagements(ctx: AppContext, s: Session, best: Sequence[tuple[int, int]]) -> list[TopPost]:
    """Top-post rows for (variant_id, engagements) pairs: most engagements, then newest, first."""
    posts = top_details(ctx, s, [vid for vid, _ in best])
    return sorted(posts, key=lambda p: (-p.engagements, -p.published_at.timestamp(), -p.variant_id))


# --- small reads -----------------------------------------------------------------------------------


def history(s: Session, variant_id: int) -> list[MetricPoint]:
    rows = s.execute(
        select(MetricSnapshot.taken_at, MetricSnapshot.metric, MetricSnapshot.value)
        .where(MetricSnapshot.variant_id == variant_id)
        .order_by(MetricSnapshot.taken_at, MetricSnapshot.metric, MetricSnapshot.id)
    )
    return [MetricPoint(at, metric, int(value)) for at, metric, value in rows]


def missing(
    ctx: AppContext, s: Session, scope: Scope, accounts: Sequence[tuple[int, str, str]] | None = None
) -> list[str]:
    """One sentence per network in scope that lacks a metric shown beside engagements
    (``accounts``: :func:`scope_accounts`' rows when the caller has them already)."""
    in_scope = scope_accounts(s, scope) if accounts is None else accounts
    networks = sorted({network for _, network, _ in in_scope}, key=lambda n: network_label(ctx, n))
    sentences = []
    for network in networks:
        if network not in ctx.registry:
            continue
        offered = offered_post_metrics(ctx, network)
        lacking = [label(m).lower() for m in BESIDE if m not in offered]
        if lacking:
            sentences.append(f"{network_label(ctx, network)} does not report {' or '.join(lacking)}.")
    return sentences


def published_count(s: Session, scope: Scope | None) -> int:
    query = select(func.count()).select_from(Variant)
    if scope is None:
        query = query.where(Variant.state == VariantState.PUBLISHED)
    else:
        query = query.join(Post, Post.id == Variant.post_id).where(*published_in(scope, scope.period))
    return int(s.scalar(query) or 0)


def newest_snapshot(s: Session) -> datetime | None:
    return s.scalar(select(func.max(MetricSnapshot.taken_at)))
