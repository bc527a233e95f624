"""The analytics service against an independent computation.

A seeded random dataset (four accounts on three networks, one of which reports impressions and
link clicks; campaigns; external posts; irregular follower snapshots; posts in states that do not
count) is written to a real store, read back as plain rows, and every figure the service gives is
recomputed here in plain Python from those rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from desktop.services import analytics, slots
from desktop.services.analytics import HeatCell, Period, Scope
from desktop.services.context import AppContext
from desktop.services.metric_names import (
    ENGAGEMENT_METRICS,
    FOLLOWERS,
    IMPRESSIONS,
    LIKES,
    LINK_CLICKS,
    REPLIES,
    REPOSTS,
)
from desktop.services.metrics.store import refresh_variant_stats
from desktop.store.models import (
    Account,
    Campaign,
    MetricLatest,
    MetricSnapshot,
    Post,
    Variant,
    VariantState,
)
from providers.base import ProviderInfo
from providers.mastodon import MastodonProvider
from providers.registry import BUILTINS, Registry

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
KOLKATA = ZoneInfo("Asia/Kolkata")


class ImpressProvider(MastodonProvider):
    """A network that, unlike Mastodon and Bluesky, reports impressions and link clicks."""

    info: ProviderInfo = replace(
        MastodonProvider.info,
        id="impressnet",
        name="ImpressNet",
        post_metrics=(LIKES, REPOSTS, REPLIES, IMPRESSIONS, LINK_CLICKS),
    )


@pytest.fixture
def actx(ctx: AppContext) -> AppContext:
    ctx.registry = Registry(
        builtins=(*BUILTINS, ("impressnet", "tests.services.test_analytics:ImpressProvider")), entry_points_=[]
    )
    assert "impressnet" in ctx.registry, ctx.registry.broken
    return ctx


# --- building rows -------------------------------------------------------------------------------


def add_account(s, provider: str, handle: str) -> int:
    account = Account(provider=provider, remote_id=handle, handle=handle)
    s.add(account)
    s.flush()
    return account.id


def add_post(
    s,
    account_id: int,
    at: datetime | None,
    metrics: dict[str, int] | None = None,
    *,
    campaign_id: int | None = None,
    external: bool = False,
    state: VariantState = VariantState.PUBLISHED,
    text: str = "hello",
) -> int:
    post = Post(text=text, campaign_id=campaign_id, external=external)
    s.add(post)
    s.flush()
    variant = Variant(post_id=post.id, account_id=account_id, state=state, published_at=at)
    s.add(variant)
    s.flush()
    for metric, value in (metrics or {}).items():
        s.add(MetricLatest(variant_id=variant.id, metric=metric, account_id=account_id, value=value, taken_at=NOW))
    refresh_variant_stats(s, variant_ids=[variant.id])  # as the sync does after writing readings
    return variant.id


def add_followers(s, account_id: int, at: datetime, value: int) -> None:
    s.add(MetricSnapshot(account_id=account_id, variant_id=None, metric=FOLLOWERS, value=value, taken_at=at))
    refresh_variant_stats(s, account_ids=[account_id])  # as the sync does after an account reading


# --- the generated dataset and the reference computation -----------------------------------------


@dataclass(frozen=True)
class Row:
    variant_id: int
    post_id: int
    account_id: int
    network: str
    state: VariantState
    published_at: datetime | None
    campaign_id: int | None
    external: bool
    latest: dict[str, int]


@dataclass(frozen=True)
class Data:
    rows: list[Row]
    accounts: dict[int, tuple[str, str]]  # id -> (network, handle)
    campaigns: dict[int, tuple[str, str]]  # id -> (name, color)
    followers: dict[int, list[tuple[datetime, int, int]]]  # account -> [(taken_at, id, value)]
    offers: dict[str, tuple[str, ...]]


def generate(ctx: AppContext, seed: int = 7) -> None:
    rng = random.Random(seed)
    offers = {"mastodon": (LIKES, REPOSTS, REPLIES), "bluesky": (LIKES, REPOSTS, REPLIES, "quotes")}
    offers["impressnet"] = ImpressProvider.info.post_metrics
    with ctx.session() as s:
        accounts = [
            add_account(s, "mastodon", "ann@example.social"),
            add_account(s, "mastodon", "bob@example.social"),
            add_account(s, "bluesky", "cat.bsky.social"),
            add_account(s, "impressnet", "dan"),
        ]
        networks = {accounts[0]: "mastodon", accounts[1]: "mastodon", accounts[2]: "bluesky", accounts[3]: "impressnet"}
        campaigns = []
        for i, color in enumerate(("#e4572e", "#17bebb", "#ffc914")):
            campaign = Campaign(name=f"Campaign {i}", color=color)
            s.add(campaign)
            s.flush()
            campaigns.append(campaign.id)
        # Irregular follower snapshots for three accounts over 240 days; bob has none.
        for account_id in (accounts[0], accounts[2], accounts[3]):
            value = rng.randrange(50, 5000)
            for _ in range(rng.randrange(40, 90)):
                value += rng.randrange(-20, 60)
                at = NOW - timedelta(seconds=rng.randrange(240 * 86400))
                add_followers(s, account_id, at, max(value, 0))
        for i in range(420):
            account_id = rng.choice(accounts)
            state = rng.choices(
                [VariantState.PUBLISHED, VariantState.SCHEDULED, VariantState.FAILED, VariantState.PARTIALLY_LIVE],
                weights=[85, 5, 5, 5],
            )[0]
            at = NOW - timedelta(seconds=rng.randrange(200 * 86400)) if state != VariantState.SCHEDULED else None
            metrics = {}
            if rng.random() < 0.9:  # some posts were never synced
                metrics = {m: rng.randrange(0, 40) for m in offers[networks[account_id]] if rng.random() < 0.9}
            add_post(
                s,
                account_id,
                at,
                metrics,
                campaign_id=rng.choice([None, *campaigns]),
                external=rng.random() < 0.15,
                state=state,
                text=f"post {i}",
            )


def load(ctx: AppContext) -> Data:
    """The rows as plain values, read back without any of the service's queries."""
    with ctx.session() as s:
        accounts = {a.id: (a.provider, a.handle) for a in s.scalars(select(Account))}
        campaigns = {c.id: (c.name, c.color) for c in s.scalars(select(Campaign))}
        latest: dict[int, dict[str, int]] = defaultdict(dict)
        for m in s.scalars(select(MetricLatest)):
            latest[m.variant_id][m.metric] = m.value
        rows = [
            Row(
                v.id,
                v.post_id,
                v.account_id,
                accounts[v.account_id][0],
                v.state,
                v.published_at,
                v.post.campaign_id,
                v.post.external,
                dict(latest.get(v.id, {})),
            )
            for v in s.scalars(select(Variant))
        ]
        followers: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
        for snap in s.scalars(select(MetricSnapshot).where(MetricSnapshot.metric == FOLLOWERS)):
            followers[snap.account_id].append((snap.taken_at, snap.id, snap.value))
    offers = {n: tuple(ctx.registry.cls(n).info.post_metrics) for n in {a[0] for a in accounts.values()}}
    return Data(rows, accounts, campaigns, dict(followers), offers)


class Reference:
    """The definitions of desktop/services/metric_names.py, computed naively."""

    def __init__(self, data: Data) -> None:
        self.data = data

    def posts(self, scope: Scope, period: Period | None = None) -> list[Row]:
        period = period or scope.period
        return [
            r
            for r in self.data.rows
            if r.state == VariantState.PUBLISHED
            and r.published_at is not None
            and period.start <= r.published_at < period.end
            and (scope.campaign_id is None or r.campaign_id == scope.campaign_id)
            and (not scope.account_ids or r.account_id in scope.account_ids)
            and (scope.include_external or not r.external)
        ]

    def accounts(self, scope: Scope) -> list[int]:
        ids = sorted(self.data.accounts)
        if scope.account_ids:
            ids = [a for a in ids if a in scope.account_ids]
        if scope.campaign_id is not None:
            posted = {
                r.account_id
                for r in self.data.rows
                if r.campaign_id == scope.campaign_id and r.state == VariantState.PUBLISHED
            }
            ids = [a for a in ids if a in posted]
        return ids

    @staticmethod
    def engagements(row: Row) -> int:
        return sum(row.latest.get(m, 0) for m in ENGAGEMENT_METRICS)

    def nearest(self, account_id: int, at: datetime) -> tuple[datetime, int] | None:
        snaps = self.data.followers.get(account_id, [])
        if not snaps:
            return None
        taken, _id, value = min(snaps, key=lambda t: (abs((t[0] - at).total_seconds()), t[0], -t[1]))
        return taken, value

    def rate(self, row: Row) -> float | None:
        assert row.published_at is not None
        near = self.nearest(row.account_id, row.published_at)
        if near is None or near[1] == 0:
            return None
        return self.engagements(row) / near[1]

    @staticmethod
    def mean(values: Iterable[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else None

    def follower_change(self, scope: Scope, period: Period) -> int | None:
        changes = []
        for account_id in self.accounts(scope):
            first, last = self.nearest(account_id, period.start), self.nearest(account_id, period.end)
            if first is not None and last is not None and first[0] != last[0]:
                changes.append(last[1] - first[1])
        return sum(changes) if changes else None

    def kpis(self, scope: Scope, period: Period) -> analytics.Kpis:
        posts = self.posts(scope, period)
        offered = {m for a in self.accounts(scope) for m in self.data.offers[self.data.accounts[a][0]]}
        return analytics.Kpis(
            posts=len(posts),
            engagements=sum(self.engagements(r) for r in posts),
            engagement_rate=self.mean(self.rate(r) for r in posts),
            follower_change=self.follower_change(scope, period),
            impressions=sum(r.latest.get(IMPRESSIONS, 0) for r in posts) if IMPRESSIONS in offered else None,
            link_clicks=sum(r.latest.get(LINK_CLICKS, 0) for r in posts) if LINK_CLICKS in offered else None,
        )


def assert_kpis(got: analytics.Kpis, want: analytics.Kpis) -> None:
    assert (got.posts, got.engagements, got.follower_change, got.impressions, got.link_clicks) == (
        want.posts,
        want.engagements,
        want.follower_change,
        want.impressions,
        want.link_clicks,
    )
    assert got.engagement_rate == pytest.approx(want.engagement_rate)


def scopes(data: Data) -> list[Scope]:
    campaign = sorted(data.campaigns)[1]
    mastodon = tuple(a for a, (n, _) in data.accounts.items() if n == "mastodon")
    return [
        Scope(Period.last_days(30, now=NOW, zone=NEW_YORK)),
        Scope(Period.last_days(90, now=NOW, zone=TOKYO)),
        Scope(Period.last_days(90, now=NOW, zone=NEW_YORK), include_external=False),
        Scope(Period.last_days(120, now=NOW), campaign_id=campaign),
        Scope(Period.last_days(90, now=NOW, zone=NEW_YORK), account_ids=mastodon),
        Scope(Period(NOW - timedelta(days=75, hours=5), NOW - timedelta(days=9, minutes=7))),
    ]


@pytest.fixture
def world(actx: AppContext) -> tuple[AppContext, Data, Reference]:
    generate(actx)
    data = load(actx)
    return actx, data, Reference(data)


# --- every function against the reference --------------------------------------------------------


def test_kpis_match_an_independent_computation(world) -> None:
    ctx, data, ref = world
    for scope in scopes(data):
        got = analytics.kpis(ctx, scope)
        assert_kpis(got.current, ref.kpis(scope, scope.period))
        assert_kpis(got.previous, ref.kpis(scope, scope.period.previous()))
        assert got.current.posts > 0


def test_engagements_over_time_per_local_day_and_network(world) -> None:
    ctx, data, ref = world
    for scope in scopes(data):
        zone = scope.period.zone or NEW_YORK
        want: dict[tuple[date, str], int] = defaultdict(int)
        posts = ref.posts(scope)
        for r in posts:
            assert r.published_at is not None
            want[(r.published_at.astimezone(zone).date(), r.network)] += ref.engagements(r)
        got = analytics.engagements_over_time(ctx, scope, zone=zone)
        networks = {r.network for r in posts}
        first = scope.period.start.astimezone(zone).date()
        last = (scope.period.end - timedelta(microseconds=1)).astimezone(zone).date()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        assert [(p.day, p.key) for p in got] == [(d, n) for d in days for n in sorted(networks)]
        assert {(p.day, p.key): p.value for p in got} == {(d, n): want.get((d, n), 0) for d in days for n in networks}
        assert {p.label for p in got} <= {"Mastodon", "Bluesky", "ImpressNet"}


def test_follower_growth_is_each_local_days_last_snapshot(world) -> None:
    ctx, data, ref = world
    for scope in scopes(data):
        zone = scope.period.zone or KOLKATA
        want: dict[tuple[int, date], tuple[datetime, int, int]] = {}
        for account_id in ref.accounts(scope):
            for taken, snap_id, value in data.followers.get(account_id, []):
                if scope.period.start <= taken < scope.period.end:
                    key = (account_id, taken.astimezone(zone).date())
                    if key not in want or (taken, snap_id) > want[key][:2]:
                        want[key] = (taken, snap_id, value)
        got = analytics.follower_growth(ctx, scope, zone=zone)
        assert {(int(p.key), p.day): p.value for p in got} == {k: v[2] for k, v in want.items()}
        assert [p.day for p in got] == sorted(p.day for p in got)
        assert all(p.label == "@" + data.accounts[int(p.key)][1] for p in got)


@pytest.mark.parametrize("order_by", ["engagements", "engagement_rate", "published_at", LIKES, IMPRESSIONS])
def test_top_posts_in_order_with_their_metrics(world, order_by: str) -> None:
    ctx, data, ref = world
    scope = scopes(data)[1]

    def key(r: Row) -> tuple[float, float, int]:
        assert r.published_at is not None
        if order_by == "engagements":
            value: float | None = ref.engagements(r)
        elif order_by == "engagement_rate":
            value = ref.rate(r)
        elif order_by == "published_at":
            value = r.published_at.timestamp()
        else:
            value = r.latest.get(order_by)
        # Most first; posts without the value last; then newest, then highest id.
        return (-value if value is not None else float("inf"), -r.published_at.timestamp(), -r.variant_id)

    want = sorted(ref.posts(scope), key=key)[:25]
    got = analytics.top_posts(ctx, scope, limit=25, order_by=order_by)
    assert [p.variant_id for p in got] == [r.variant_id for r in want]
    for post, row in zip(got, want, strict=True):
        assert post.engagements == ref.engagements(row)
        assert post.engagement_rate == pytest.approx(ref.rate(row))
        assert dict(post.metrics) == row.latest
        assert (post.network, post.handle) == data.accounts[row.account_id]
        assert post.external == row.external
        assert post.text.startswith("post ")
        assert post.campaign == (data.campaigns[row.campaign_id][0] if row.campaign_id else None)
        assert post.campaign_color == (data.campaigns[row.campaign_id][1] if row.campaign_id else None)


def test_top_posts_refuses_an_unknown_order(world) -> None:
    ctx, data, _ref = world
    with pytest.raises(ValueError, match="ordered by"):
        analytics.top_posts(ctx, scopes(data)[0], order_by="vibes")


def test_breakdowns_by_network_and_by_campaign(world) -> None:
    ctx, data, ref = world
    for scope in scopes(data):
        posts = ref.posts(scope)
        for got, key_of, label_of in (
            (analytics.by_network(ctx, scope), lambda r: r.network, None),
            (analytics.by_campaign(ctx, scope), lambda r: "" if r.campaign_id is None else str(r.campaign_id), 1),
        ):
            groups: dict[str, list[Row]] = defaultdict(list)
            for r in posts:
                groups[key_of(r)].append(r)
            assert {b.key for b in got} == set(groups)
            for b in got:
                rows = groups[b.key]
                assert b.posts == len(rows)
                assert b.engagements == sum(ref.engagements(r) for r in rows)
                assert b.engagement_rate == pytest.approx(ref.mean(ref.rate(r) for r in rows))
                if label_of and b.key:
                    assert (b.label, b.color) == data.campaigns[int(b.key)]
                elif label_of:
                    assert (b.label, b.color) == ("No campaign", None)
            assert [b.engagements for b in got] == sorted((b.engagements for b in got), reverse=True)


def test_heatmap_in_the_users_zone(world) -> None:
    ctx, data, ref = world
    for scope in scopes(data):
        for zone in (NEW_YORK, TOKYO, KOLKATA):
            cells: dict[tuple[int, int], list[Row]] = defaultdict(list)
            for r in ref.posts(scope):
                assert r.published_at is not None
                local = r.published_at.astimezone(zone)
                cells[(local.weekday(), local.hour)].append(r)
            got = analytics.heatmap(ctx, scope, zone=zone)
            assert [(c.weekday, c.hour) for c in got] == [(d, h) for d in range(7) for h in range(24)]
            for c in got:
                rows = cells.get((c.weekday, c.hour), [])
                assert c.posts == len(rows)
                assert c.engagement_rate == pytest.approx(ref.mean(ref.rate(r) for r in rows))


def test_post_history_last_synced_and_missing_metrics(world) -> None:
    ctx, data, _ref = world
    variant_id = next(r.variant_id for r in data.rows if r.state == VariantState.PUBLISHED)
    account_id = next(r.account_id for r in data.rows if r.variant_id == variant_id)
    points = [(NOW - timedelta(hours=h), metric, 10 - h) for h in (5, 3, 1) for metric in (LIKES, REPOSTS)]
    with ctx.session() as s:
        for at, metric, value in points:
            s.add(MetricSnapshot(account_id=account_id, variant_id=variant_id, metric=metric, value=value, taken_at=at))
    history = analytics.post_history(ctx, variant_id)
    assert [(p.taken_at, p.metric, p.value) for p in history] == sorted(points)
    newest = max([t for snaps in data.followers.values() for t, _, _ in snaps] + [t for t, _, _ in points])
    assert analytics.last_synced(ctx) == newest

    everyone = Scope(Period.last_days(30, now=NOW))
    assert analytics.missing_metrics(ctx, everyone) == [
        "Bluesky does not report impressions or link clicks.",
        "Mastodon does not report impressions or link clicks.",
    ]
    dan = next(a for a, (n, _) in data.accounts.items() if n == "impressnet")
    assert analytics.missing_metrics(ctx, replace(everyone, account_ids=(dan,))) == []


def test_dashboard_is_the_functions_together(world) -> None:
    ctx, data, _ref = world
    for scope in scopes(data)[:4]:
        zone = scope.period.zone or NEW_YORK
        board = analytics.dashboard(ctx, scope, zone=zone)
        assert board.scope == scope
        assert board.kpis == analytics.kpis(ctx, scope)
        assert board.series == analytics.engagements_over_time(ctx, scope, zone=zone)
        assert board.growth == analytics.follower_growth(ctx, scope, zone=zone)
        assert board.top_posts == analytics.top_posts(ctx, scope, limit=50)
        assert board.by_network == analytics.by_network(ctx, scope)
        assert board.by_campaign == analytics.by_campaign(ctx, scope)
        assert board.heatmap == analytics.heatmap(ctx, scope, zone=zone)
        assert board.missing == analytics.missing_metrics(ctx, scope)
        assert board.last_synced == analytics.last_synced(ctx)


# --- periods and their edges ---------------------------------------------------------------------


def test_last_days_are_whole_local_days_ending_today() -> None:
    period = Period.last_days(7, now=datetime(2026, 11, 30, 3, 0, tzinfo=UTC), zone=NEW_YORK)
    # 03:00 UTC is still 29 November in New York (EST, UTC-5).
    assert period.start == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    assert period.days == 7
    previous = period.previous()
    assert (previous.start, previous.end, previous.days) == (datetime(2026, 11, 16, 5, tzinfo=UTC), period.start, 7)
    utc = Period.last_days(1, now=NOW)
    assert (utc.start, utc.end, utc.days) == (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), 1)
    assert utc.previous() == Period(datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))


def test_a_period_across_the_dst_change_counts_local_days(actx: AppContext) -> None:
    # New York leaves daylight time on 1 November 2026 at 02:00 (06:00 UTC): that day has 25 hours.
    period = Period.local_days(date(2026, 10, 31), date(2026, 11, 2), NEW_YORK)
    assert period.start == datetime(2026, 10, 31, 4, 0, tzinfo=UTC)  # EDT
    assert period.end == datetime(2026, 11, 3, 5, 0, tzinfo=UTC)  # EST
    assert period.days == 3
    assert period.previous() == Period.local_days(date(2026, 10, 28), date(2026, 10, 30), NEW_YORK)
    times_and_likes = [
        (datetime(2026, 10, 31, 3, 59, 59, tzinfo=UTC), 1000),  # 30 Oct 23:59:59 EDT: before the period
        (datetime(2026, 10, 31, 4, 0, tzinfo=UTC), 1),  # the first instant: included
        (datetime(2026, 11, 1, 4, 30, tzinfo=UTC), 10),  # 1 Nov 00:30 EDT
        (datetime(2026, 11, 2, 4, 30, tzinfo=UTC), 100),  # 1 Nov 23:30 EST: still the 1st
        (datetime(2026, 11, 3, 4, 59, 59, tzinfo=UTC), 1000),  # 2 Nov 23:59:59 EST
        (datetime(2026, 11, 3, 5, 0, tzinfo=UTC), 10000),  # the end is exclusive
    ]
    with actx.session() as s:
        account = add_account(s, "mastodon", "ann@example.social")
        for at, likes in times_and_likes:
            add_post(s, account, at, {LIKES: likes})
    series = analytics.engagements_over_time(actx, Scope(period), zone=NEW_YORK)
    assert [(p.day, p.value) for p in series] == [
        (date(2026, 10, 31), 1),
        (date(2026, 11, 1), 110),
        (date(2026, 11, 2), 1000),
    ]
    comparison = analytics.kpis(actx, Scope(period))
    assert (comparison.current.posts, comparison.current.engagements) == (4, 1111)
    assert (comparison.previous.posts, comparison.previous.engagements) == (1, 1000)
    assert comparison.delta("engagements") == pytest.approx(0.111)
    assert comparison.delta("posts") == pytest.approx(3.0)
    assert comparison.delta("engagement_rate") is None  # no follower data: nothing to compare
    cells = {(c.weekday, c.hour): c.posts for c in analytics.heatmap(actx, Scope(period), zone=NEW_YORK) if c.posts}
    # Sat 00:00 EDT, Sun 00:30 EDT, Sun 23:30 EST, Mon 23:59 EST
    assert cells == {(5, 0): 1, (6, 0): 1, (6, 23): 1, (0, 23): 1}


def test_heatmap_buckets_land_on_the_local_weekday_and_hour(actx: AppContext) -> None:
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    with actx.session() as s:
        account = add_account(s, "mastodon", "ann@example.social")
        add_post(s, account, monday + timedelta(hours=23, minutes=30), {LIKES: 4})
        add_post(s, account, monday + timedelta(hours=18, minutes=20), {LIKES: 2})
        add_post(s, account, monday + timedelta(hours=18, minutes=40), {LIKES: 6})
        add_followers(s, account, monday, 100)
    scope = Scope(Period(monday, monday + timedelta(days=1)))

    def busy(zone: ZoneInfo) -> dict[tuple[int, int], tuple[int, float | None]]:
        return {
            (c.weekday, c.hour): (c.posts, c.engagement_rate)
            for c in analytics.heatmap(actx, scope, zone=zone)
            if c.posts
        }

    # Monday 23:30 UTC is Tuesday 08:30 in Tokyo.
    assert busy(TOKYO) == {(1, 8): (1, 0.04), (1, 3): (2, pytest.approx(0.04))}
    # Kolkata is UTC+05:30: 18:20 and 18:40 UTC fall on either side of its midnight.
    assert busy(KOLKATA) == {(0, 23): (1, 0.02), (1, 0): (1, 0.06), (1, 5): (1, 0.04)}
    assert busy(ZoneInfo("UTC")) == {(0, 23): (1, 0.04), (0, 18): (2, pytest.approx(0.04))}
    days = analytics.engagements_over_time(actx, scope, zone=KOLKATA)
    assert [(p.day, p.value) for p in days] == [(date(2026, 11, 30), 2), (date(2026, 12, 1), 10)]


# --- followers: nearest snapshot, change, not offered vs 0 ---------------------------------------


def test_rate_uses_the_follower_snapshot_nearest_the_publish_time(actx: AppContext) -> None:
    t = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with actx.session() as s:
        ann = add_account(s, "mastodon", "ann@example.social")
        add_followers(s, ann, t - timedelta(hours=5), 100)
        add_followers(s, ann, t + timedelta(hours=2), 200)  # nearer
        add_followers(s, ann, t + timedelta(days=3), 400)
        v_after = add_post(s, ann, t, {LIKES: 10})
        v_tie = add_post(s, ann, t + timedelta(days=1, hours=13), {LIKES: 10})  # 35 h from both: the earlier
        v_exact = add_post(s, ann, t + timedelta(days=3), {LIKES: 10})
        v_late = add_post(s, ann, t + timedelta(days=5), {LIKES: 10})  # only snapshots before it
    scope = Scope(Period(t - timedelta(days=1), t + timedelta(days=6)))
    rates = {p.variant_id: p.engagement_rate for p in analytics.top_posts(actx, scope)}
    assert rates == {
        v_after: pytest.approx(10 / 200),
        v_tie: pytest.approx(10 / 200),
        v_exact: pytest.approx(10 / 400),
        v_late: pytest.approx(10 / 400),
    }
    kpis = analytics.kpis(actx, scope).current
    assert kpis.engagement_rate == pytest.approx((10 / 200 + 10 / 200 + 10 / 400 + 10 / 400) / 4)
    # Nearest the start (t - 1 day) is the 100 snapshot; nearest the end the 400 one.
    assert kpis.follower_change == 300


def test_no_follower_data_is_none_not_zero(actx: AppContext) -> None:
    t = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with actx.session() as s:
        ann = add_account(s, "mastodon", "ann@example.social")
        bob = add_account(s, "bluesky", "bob.bsky.social")
        add_post(s, ann, t, {LIKES: 3})
        add_followers(s, bob, t - timedelta(days=30), 50)  # one reading, long before
    scope = Scope(Period(t - timedelta(days=1), t + timedelta(days=1)))
    current = analytics.kpis(actx, scope).current
    assert (current.posts, current.engagements) == (1, 3)
    assert current.engagement_rate is None  # ann has no follower snapshot
    assert current.follower_change is None  # bob's one reading says nothing about change
    assert analytics.by_network(actx, scope)[0].engagement_rate is None
    assert analytics.follower_growth(actx, scope, zone=NEW_YORK) == []


def test_impressions_not_offered_is_none_and_offered_zero_is_zero(actx: AppContext) -> None:
    t = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with actx.session() as s:
        ann = add_account(s, "mastodon", "ann@example.social")
        dan = add_account(s, "impressnet", "dan")
        add_post(s, ann, t, {LIKES: 3})
        add_post(s, dan, t, {LIKES: 1, IMPRESSIONS: 0})  # offered, and none yet
    period = Period(t - timedelta(days=1), t + timedelta(days=1))
    mastodon_only = analytics.kpis(actx, Scope(period, account_ids=(ann,))).current
    assert (mastodon_only.impressions, mastodon_only.link_clicks) == (None, None)
    both = analytics.kpis(actx, Scope(period)).current
    assert (both.impressions, both.link_clicks) == (0, 0)
    assert both.engagements == 4
    assert analytics.missing_metrics(actx, Scope(period)) == ["Mastodon does not report impressions or link clicks."]


def test_an_empty_store_gives_empty_figures(actx: AppContext) -> None:
    scope = Scope(Period.last_days(30, now=NOW, zone=NEW_YORK))
    board = analytics.dashboard(actx, scope, zone=NEW_YORK)
    assert board.kpis.current == analytics.Kpis(0, 0, None, None, None, None)
    assert board.kpis.delta("posts") is None
    assert (board.series, board.growth, board.top_posts, board.by_network, board.by_campaign) == ([], [], [], [], [])
    assert len(board.heatmap) == 168 and not any(c.posts for c in board.heatmap)
    assert (board.missing, board.last_synced) == ([], None)


# --- best hours and the queue --------------------------------------------------------------------


def test_best_hours_needs_enough_posts_and_a_rate() -> None:
    cells = [
        HeatCell(0, 9, 5, 0.02),
        HeatCell(1, 10, 1, 0.90),  # one post: not enough
        HeatCell(2, 11, 3, None),  # no follower data
        HeatCell(3, 12, 2, 0.05),
        HeatCell(4, 13, 4, 0.05),  # same rate, more posts: first
        HeatCell(5, 14, 9, 0.01),
    ]
    assert analytics.best_hours(cells, count=3) == [cells[4], cells[3], cells[0]]
    assert analytics.best_hours(cells, count=10, min_posts=1)[0] == cells[1]
    assert analytics.best_hours(cells, count=0) == []
    assert analytics.best_hours([], count=5) == []


def test_add_slots_from_hours_adds_each_once(actx: AppContext) -> None:
    with actx.session() as s:
        ann = add_account(s, "mastodon", "ann@example.social")
        bob = add_account(s, "bluesky", "bob.bsky.social")
    slots.set_slots(actx, bob, [(1, time(9, 0))], "Asia/Tokyo")  # bob already posts Tuesdays at 09:00
    best = [HeatCell(1, 9, 4, 0.05), HeatCell(3, 14, 3, 0.04)]
    assert slots.add_slots_from_hours(actx, [ann, bob], best, timezone="Asia/Tokyo") == 3
    assert slots.add_slots_from_hours(actx, [ann, bob], best, timezone="Asia/Tokyo") == 0
    for account in (ann, bob):
        rows = slots.list_slots(actx, account)
        assert [(r.weekday, r.at, r.timezone) for r in rows] == [
            (1, time(9, 0), "Asia/Tokyo"),
            (3, time(14, 0), "Asia/Tokyo"),
        ]
    with pytest.raises(slots.QueueError, match="No account"):
        slots.add_slots_from_hours(actx, [9999], best, timezone="Asia/Tokyo")


def test_add_slots_from_hours_defaults_to_the_users_zone(actx: AppContext) -> None:
    from desktop.services import zones

    with actx.session() as s:
        ann = add_account(s, "mastodon", "ann@example.social")
    assert slots.add_slots_from_hours(actx, [ann], [HeatCell(0, 7, 2, 0.1)]) == 1
    (row,) = slots.list_slots(actx, ann)
    assert (row.weekday, row.at, row.timezone) == (0, time(7, 0), zones.user_zone_name(actx))


# --- the SQL itself ------------------------------------------------------------------------------


def test_published_count_is_the_kpis_post_count(world) -> None:
    ctx, data, ref = world
    for scope in scopes(data):
        assert analytics.published_count(ctx, scope) == len(ref.posts(scope))
    assert analytics.published_count(ctx) == sum(r.state == VariantState.PUBLISHED for r in data.rows)


def test_the_dashboard_statement_is_portable_sql() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    from desktop.services.analytics.aggregation import statement
    from desktop.services.analytics.sql import HourBuckets, followers_near

    scope = Scope(Period.last_days(90, now=NOW, zone=KOLKATA), campaign_id=3, account_ids=(1, 2))
    hours = HourBuckets.for_zone(KOLKATA, scope.period)
    assert hours.minutes == 30  # Kolkata is UTC+05:30: half-hour buckets each lie in one local hour
    query = statement(scope, hours, beside=(IMPRESSIONS, LINK_CLICKS), campaigns=True, previous=True, top=50)
    pg = str(query.compile(dialect=postgresql.dialect()))
    assert "EXTRACT(EPOCH FROM" in pg and "FLOOR(" in pg
    assert "julianday" not in pg.lower() and "strftime" not in pg.lower()
    lite = str(query.compile(dialect=sqlite.dialect()))
    assert "julianday" in lite and "FLOOR(" not in lite  # SQLite has FLOOR only with its math extension
    # State and metric names kept off their indexes by SQLite's unary plus (no string built per
    # row); PostgreSQL, which has no unary plus for text, gets the plain column.
    assert "+variants.state = " in lite and "+metric_latest.metric IN" in lite and "||" not in lite
    assert "+variants" not in pg and "+metric_latest" not in pg and "variants.state = " in pg
    # The nearest follower snapshot behind followers_at_publish: time distances per dialect.
    near = select(followers_near(Variant.account_id, Variant.published_at))
    near_pg = str(near.compile(dialect=postgresql.dialect()))
    assert "EXTRACT(EPOCH FROM" in near_pg and "julianday" not in near_pg.lower()
    assert "julianday" in str(near.compile(dialect=sqlite.dialect()))


def test_the_period_is_read_through_the_published_at_index(actx: AppContext) -> None:
    from desktop.services.analytics.aggregation import statement
    from desktop.services.analytics.sql import HourBuckets

    mastodon = Scope(Period.last_days(90, now=NOW, zone=NEW_YORK), account_ids=(1,))
    query = statement(mastodon, HourBuckets(), previous=True, campaigns=True, top=5)
    with actx.db.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = [str(row[3]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    # Not the index on state (every published post) nor the account's (all its posts ever):
    # the covering one by publish time, which never reads the variants' rows: once for the current
    # period's groups (networks, buckets and campaigns all come from them), once for the previous
    # period, once for the top posts.
    scans = [step for step in plan if step.startswith("SEARCH variants")]
    assert (
        scans
        == ["SEARCH variants USING COVERING INDEX ix_variants_published_stats (published_at>? AND published_at<?)"] * 3
    )
