"""The analytics queries, each on a caller's session so :func:`dashboard` reads in one session.

Aggregation happens in SQL. Where a result depends on the user's zone, SQL groups by UTC hour
buckets split where the zone's hours start (:class:`HourBuckets`) and Python only names each
bucket's local day or hour: at most a few thousand rows for a 90-day period, whatever the
number of posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import CTE, Float, Select, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from desktop.services.analytics.sql import (
    HourBuckets,
    engagements,
    follower_at,
    follower_bounds,
    followers_near,
    metric_sum,
    metric_value,
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
from desktop.services.metric_names import FOLLOWERS, IMPRESSIONS, LINK_CLICKS, POST_METRICS, label
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


def _posts(scope: Scope, period: Period, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Variant)
        .join(Post, Post.id == Variant.post_id)
        .join(Account, Account.id == Variant.account_id)
        .where(*published_in(scope, period))
    )


def _followers_at_publish() -> ColumnElement[int]:
    return followers_near(Variant.account_id, Variant.published_at)


def _per_post(scope: Scope, period: Period, *columns: Any, followers: bool = False) -> CTE:
    """One row per published variant in scope with ``columns`` (labelled), plus "fol" (followers
    at publish) when asked. Materialized, so each post's correlated look-ups run once."""
    extra: list[Any] = []
    if followers:
        before, after = follower_bounds(Variant.account_id, Variant.published_at)
        extra = [
            Variant.account_id.label("f_account"),
            Variant.published_at.label("f_at"),
            before.label("f_before"),
            after.label("f_after"),
        ]
    base = _posts(scope, period, *columns, *extra).cte("per_post_base").prefix_with("MATERIALIZED")
    if not followers:
        return base
    fol = follower_at(base.c.f_account, base.c.f_at, base.c.f_before, base.c.f_after)
    names = [c.name for c in columns]
    return select(*[base.c[n] for n in names], fol.label("fol")).cte("per_post").prefix_with("MATERIALIZED")


def _at(value: datetime) -> ColumnElement[datetime]:
    return literal(value, UTCDateTime())


# --- KPIs -----------------------------------------------------------------------------------------


def totals(ctx: AppContext, s: Session, scope: Scope, period: Period) -> Kpis:
    """The KPIs of ``scope`` over ``period``."""
    accounts = scope_accounts(s, scope)
    offered = {m for _, network, _ in accounts for m in offered_post_metrics(ctx, network)}
    per = _per_post(
        scope,
        period,
        engagements().label("eng"),
        metric_sum([IMPRESSIONS]).label("impressions"),
        metric_sum([LINK_CLICKS]).label("link_clicks"),
        followers=True,
    )
    posts, engaged, mean_rate, impressions, clicks = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(per.c.eng), 0),
            func.avg(rate(per.c.eng, per.c.fol)),
            func.coalesce(func.sum(per.c.impressions), 0),
            func.coalesce(func.sum(per.c.link_clicks), 0),
        )
    ).one()
    return Kpis(
        posts=int(posts),
        engagements=int(engaged),
        engagement_rate=None if mean_rate is None else float(mean_rate),
        follower_change=follower_change(s, [a for a, _, _ in accounts], period),
        impressions=int(impressions) if IMPRESSIONS in offered else None,
        link_clicks=int(clicks) if LINK_CLICKS in offered else None,
    )


def follower_change(s: Session, account_ids: Sequence[int], period: Period) -> int | None:
    """Sum over the accounts of followers nearest the end minus nearest the start."""
    if not account_ids:
        return None
    per = (
        select(
            followers_near(Account.id, _at(period.start)).label("first"),
            followers_near(Account.id, _at(period.end)).label("last"),
        )
        .where(Account.id.in_(account_ids))
        .subquery()
    )
    change, known = s.execute(select(func.sum(per.c.last - per.c.first), func.count(per.c.last))).one()
    return int(change) if known else None


# --- buckets: engagements over time, heatmap, networks --------------------------------------------


@dataclass(frozen=True)
class Bucket:
    network: str
    start: datetime  # UTC; the whole bucket lies in one local hour of the zone it was made for
    posts: int
    engagements: int
    rate_sum: float
    rated: int  # posts with follower data


def buckets(s: Session, scope: Scope, period: Period, hours: HourBuckets, *, with_rate: bool = True) -> list[Bucket]:
    """Posts, engagements and summed rates per network per hour bucket."""
    columns: list[Any] = [
        Account.provider.label("network"),
        Variant.published_at.label("at"),
        engagements().label("eng"),
    ]
    if with_rate:
        columns.append(_followers_at_publish().label("fol"))
    per = _posts(scope, period, *columns).cte("per_post").prefix_with("MATERIALIZED")
    keys = hours.keys(per.c.at)
    if with_rate:
        rates = rate(per.c.eng, per.c.fol)
        rate_cols: list[Any] = [func.sum(rates), func.count(rates)]
    else:
        rate_cols = [literal(0.0), literal(0)]
    rows = s.execute(
        select(per.c.network, func.count(), func.coalesce(func.sum(per.c.eng), 0), *rate_cols, *keys).group_by(
            per.c.network, *keys
        )
    )
    return [
        Bucket(network, hours.start(key), int(posts), int(engaged), float(rate_sum or 0.0), int(rated or 0))
        for network, posts, engaged, rate_sum, rated, *key in rows
    ]


def local_days(period: Period, zone: ZoneInfo) -> list[date]:
    first = period.start.astimezone(zone).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)] if period.end > period.start else []


def series_from(ctx: AppContext, rows: Sequence[Bucket], period: Period, zone: ZoneInfo) -> list[SeriesPoint]:
    """Engagements per local day per network; every day of the period for each network seen."""
    per_day: dict[tuple[date, str], int] = defaultdict(int)
    for row in rows:
        per_day[(row.start.astimezone(zone).date(), row.network)] += row.engagements
    networks = sorted({row.network for row in rows})
    labels = {n: network_label(ctx, n) for n in networks}
    return [
        SeriesPoint(day, n, labels[n], per_day.get((day, n), 0)) for day in local_days(period, zone) for n in networks
    ]


def heatmap_from(rows: Sequence[Bucket], zone: ZoneInfo) -> list[HeatCell]:
    """All 168 local (weekday, hour) cells, Monday 00:00 first."""
    posts: dict[tuple[int, int], int] = defaultdict(int)
    rate_sum: dict[tuple[int, int], float] = defaultdict(float)
    rated: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        local = row.start.astimezone(zone)
        cell = (local.weekday(), local.hour)
        posts[cell] += row.posts
        rate_sum[cell] += row.rate_sum
        rated[cell] += row.rated
    return [
        HeatCell(
            day, hour, posts[(day, hour)], rate_sum[(day, hour)] / rated[(day, hour)] if rated[(day, hour)] else None
        )
        for day in range(7)
        for hour in range(24)
    ]


def networks_from(ctx: AppContext, rows: Sequence[Bucket]) -> list[Breakdown]:
    """Posts, engagements and mean rate per network, most engagements first."""
    acc: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0])
    for row in rows:
        a = acc[row.network]
        a[0] += row.posts
        a[1] += row.engagements
        a[2] += row.rate_sum
        a[3] += row.rated
    result = [
        Breakdown(n, network_label(ctx, n), None, int(a[0]), int(a[1]), a[2] / a[3] if a[3] else None)
        for n, a in acc.items()
    ]
    return sorted(result, key=lambda b: (-b.engagements, b.label))


# --- campaigns --------------------------------------------------------------------------------------


def campaigns(s: Session, scope: Scope, period: Period) -> list[Breakdown]:
    """Posts, engagements and mean rate per campaign ("" = no campaign), most engagements first."""
    per = _per_post(scope, period, Post.campaign_id.label("campaign_id"), engagements().label("eng"), followers=True)
    grouped = (
        select(
            per.c.campaign_id,
            func.count().label("posts"),
            func.coalesce(func.sum(per.c.eng), 0).label("eng"),
            func.avg(rate(per.c.eng, per.c.fol)).label("rate"),
        )
        .group_by(per.c.campaign_id)
        .subquery()
    )
    rows = s.execute(
        select(grouped, Campaign.name, Campaign.color).outerjoin(Campaign, Campaign.id == grouped.c.campaign_id)
    )
    result = [
        Breakdown(
            "" if cid is None else str(cid),
            name if cid is not None and name is not None else "No campaign",
            color if cid is not None else None,
            int(posts),
            int(engaged),
            None if mean is None else float(mean),
        )
        for cid, posts, engaged, mean, name, color in rows
    ]
    return sorted(result, key=lambda b: (-b.engagements, b.key == "", b.label))


# --- follower growth ---------------------------------------------------------------------------------


def growth(ctx: AppContext, s: Session, scope: Scope, period: Period, zone: ZoneInfo) -> list[SeriesPoint]:
    """Followers per account per local day: the day's last snapshot."""
    accounts = {a: h for a, _, h in scope_accounts(s, scope)}
    if not accounts:
        return []
    snap = MetricSnapshot
    keys = HourBuckets.for_zone(zone, period).keys(snap.taken_at)
    newest = func.row_number().over(
        partition_by=[snap.account_id, *keys], order_by=[snap.taken_at.desc(), snap.id.desc()]
    )
    inner = (
        select(snap.account_id, snap.taken_at, snap.value, newest.label("n"))
        .where(
            snap.account_id.in_(list(accounts)),
            snap.metric == FOLLOWERS,
            snap.variant_id.is_(None),
            snap.taken_at >= period.start,
            snap.taken_at < period.end,
        )
        .subquery()
    )
    last: dict[tuple[int, date], tuple[datetime, int]] = {}
    for account_id, taken_at, value in s.execute(
        select(inner.c.account_id, inner.c.taken_at, inner.c.value).where(inner.c.n == 1)
    ):
        day = taken_at.astimezone(zone).date()
        seen = last.get((account_id, day))
        if seen is None or taken_at > seen[0]:
            last[(account_id, day)] = (taken_at, value)
    return [
        SeriesPoint(day, str(account_id), handle_label(accounts[account_id]), int(value))
        for (account_id, day), (_at_, value) in sorted(last.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


# --- top posts ----------------------------------------------------------------------------------------


def top(ctx: AppContext, s: Session, scope: Scope, period: Period, *, limit: int, order_by: str) -> list[TopPost]:
    """The ``limit`` posts of the period with most ``order_by`` (see TOP_ORDERS)."""
    if order_by not in TOP_ORDERS:
        raise ValueError(f"Top posts can be ordered by {', '.join(TOP_ORDERS)}, not {order_by!r}.")
    eng = engagements().label("eng")
    columns: list[Any] = [Variant.id.label("variant_id"), Variant.account_id, Variant.published_at, eng]
    key: Any = eng
    if order_by == "engagement_rate":
        key = rate(eng, _followers_at_publish()).label("key")
    elif order_by == "published_at":
        key = Variant.published_at
    elif order_by != "engagements":
        key = func.coalesce(cast(metric_value(order_by), Float), -1.0).label("key")
    if key is not eng and key is not Variant.published_at:
        columns.append(key)
    ranked = _posts(scope, period, *columns)
    best = (
        ranked.order_by(key.desc().nulls_last(), Variant.published_at.desc(), Variant.id.desc()).limit(limit).subquery()
    )
    best_key = best.c.eng if key is eng else best.c.published_at if key is Variant.published_at else best.c.key
    rows = s.execute(
        select(
            best.c.variant_id,
            best.c.eng,
            rate(best.c.eng, followers_near(best.c.account_id, best.c.published_at)).label("rate"),
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
        .select_from(best)
        .join(Variant, Variant.id == best.c.variant_id)
        .join(Account, Account.id == Variant.account_id)
        .join(Post, Post.id == Variant.post_id)
        .outerjoin(Campaign, Campaign.id == Post.campaign_id)
        .order_by(best_key.desc().nulls_last(), best.c.published_at.desc(), best.c.variant_id.desc())
    ).all()
    metrics: dict[int, dict[str, int]] = defaultdict(dict)
    if rows:
        for variant_id, metric, value in s.execute(
            select(MetricLatest.variant_id, MetricLatest.metric, MetricLatest.value).where(
                MetricLatest.variant_id.in_([r.variant_id for r in rows])
            )
        ):
            metrics[variant_id][metric] = int(value)
    result = []
    for r in rows:
        tagged = r.tagged_texts or []
        text = str(tagged[0]) if tagged else (r.own_text if r.own_text is not None else r.shared_text) or ""
        parts = r.remote_parts or []
        url = r.remote_url or next((str(p.get("url") or "") for p in parts if isinstance(p, dict)), "")
        result.append(
            TopPost(
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
        )
    return result


# --- small reads -----------------------------------------------------------------------------------


def history(s: Session, variant_id: int) -> list[MetricPoint]:
    rows = s.execute(
        select(MetricSnapshot.taken_at, MetricSnapshot.metric, MetricSnapshot.value)
        .where(MetricSnapshot.variant_id == variant_id)
        .order_by(MetricSnapshot.taken_at, MetricSnapshot.metric, MetricSnapshot.id)
    )
    return [MetricPoint(at, metric, int(value)) for at, metric, value in rows]


def missing(ctx: AppContext, s: Session, scope: Scope) -> list[str]:
    """One sentence per network in scope that lacks a metric shown beside engagements."""
    networks = sorted({network for _, network, _ in scope_accounts(s, scope)}, key=lambda n: network_label(ctx, n))
    sentences = []
    for network in networks:
        if network not in ctx.registry:
            continue
        offered = offered_post_metrics(ctx, network)
        lacking = [label(m).lower() for m in BESIDE if m not in offered]
        if lacking:
            sentences.append(f"{network_label(ctx, network)} does not report {' or '.join(lacking)}.")
    return sentences


def newest_snapshot(s: Session) -> datetime | None:
    return s.scalar(select(func.max(MetricSnapshot.taken_at)))
