"""The per-post figures kept on each variant for the dashboard (``variants.engagements`` and
``variants.followers_at_publish``), checked against the metrics they are made from: through the
sync against a loopback Mastodon server, the history import, the seed generator, and
``refresh_variant_stats`` itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desktop.services import posts
from desktop.services.context import AppContext
from desktop.services.metric_names import ENGAGEMENT_METRICS, FOLLOWERS, IMPRESSIONS, LIKES, REPOSTS
from desktop.services.metrics import import_history, sync_metrics
from desktop.services.metrics.store import Reading, refresh_variant_stats, write_readings
from desktop.services.publisher import Publisher
from desktop.services.seed import seed
from desktop.store.models import Account, MetricLatest, MetricSnapshot, Post, Variant, VariantState
from tests.servers.mastodon import MastodonMockServer
from tests.services.conftest import MastodonAccount

T = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _stats(ctx: AppContext, variant_id: int) -> tuple[int | None, int | None]:
    with ctx.session() as s:
        row = s.execute(select(Variant.engagements, Variant.followers_at_publish).where(Variant.id == variant_id)).one()
    return row.engagements, row.followers_at_publish


def _version(ctx: AppContext, variant_id: int) -> int:
    with ctx.session() as s:
        return int(s.scalar(select(Variant.version).where(Variant.id == variant_id)) or 0)


def _account(ctx: AppContext, handle: str = "ann@example.social") -> int:
    with ctx.session() as s:
        account = Account(provider="mastodon", remote_id=handle, handle=handle)
        s.add(account)
        s.flush()
        return account.id


def _variant(ctx: AppContext, account_id: int, at: datetime | None) -> int:
    with ctx.session() as s:
        post = Post(text="hello")
        s.add(post)
        s.flush()
        state = VariantState.PUBLISHED if at is not None else VariantState.DRAFT
        variant = Variant(post_id=post.id, account_id=account_id, state=state, published_at=at)
        s.add(variant)
        s.flush()
        return variant.id


def _followers(ctx: AppContext, account_id: int, at: datetime, value: int) -> None:
    """An account reading as the sync writes it: the snapshot, then the variants it can be nearest to."""
    with ctx.session() as s:
        previous = s.scalar(
            select(MetricSnapshot.taken_at)
            .where(MetricSnapshot.account_id == account_id, MetricSnapshot.metric == FOLLOWERS)
            .order_by(MetricSnapshot.taken_at.desc())
            .limit(1)
        )
        write_readings(s, [Reading(account_id, None, {FOLLOWERS: value})], at)
        refresh_variant_stats(s, account_ids=[account_id], since=previous)


def _post_readings(ctx: AppContext, account_id: int, variant_id: int, at: datetime, values: dict[str, int]) -> None:
    with ctx.session() as s:
        write_readings(s, [Reading(account_id, variant_id, values)], at)
        refresh_variant_stats(s, variant_ids=[variant_id])


# --- through the sync -------------------------------------------------------------------------------


def test_the_sync_keeps_engagements_and_followers_at_publish(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Our spring launch", now=True)
    assert [o.state for o in Publisher(ctx).run_once().outcomes] == ["published"]
    variant_id = row.variants[0].id
    with ctx.session() as s:
        variant = s.get(Variant, variant_id)
        assert variant is not None and variant.published_at is not None
        remote_id, published_at = variant.remote_id, variant.published_at
    assert _stats(ctx, variant_id) == (None, None)  # never synced
    version = _version(ctx, variant_id)

    fan = mastodon.create_account()
    mastodon.api("POST", f"/api/v1/statuses/{remote_id}/favourite", fan).raise_for_status()
    mastodon.api("POST", f"/api/v1/statuses/{remote_id}/reblog", fan).raise_for_status()
    # A reading two days after publishing: the only follower snapshot, so the nearest.
    assert sync_metrics(ctx, manual=True, now=published_at + timedelta(days=2)).ok
    with ctx.session() as s:
        first = s.scalar(
            select(MetricSnapshot.value).where(
                MetricSnapshot.account_id == masto.id, MetricSnapshot.metric == FOLLOWERS
            )
        )
    assert _stats(ctx, variant_id) == (2, first)  # a favourite and a boost, no replies

    # Now a reply and a new follower, read an hour after publishing: a newer reading changes the
    # engagements, and the snapshot nearer the publish time becomes followers at publish.
    mastodon.reply(fan, remote_id)
    mastodon.follow(fan, masto.remote_id)
    assert sync_metrics(ctx, manual=True, now=published_at + timedelta(hours=1)).ok
    # (the hour-later reading is older than the two-day one, so metric_latest keeps the newer)
    with ctx.session() as s:
        latest = dict(
            s.execute(
                select(MetricLatest.metric, MetricLatest.value).where(MetricLatest.variant_id == variant_id)
            ).all()
        )
        nearer = s.scalar(
            select(MetricSnapshot.value).where(
                MetricSnapshot.account_id == masto.id,
                MetricSnapshot.metric == FOLLOWERS,
                MetricSnapshot.taken_at == published_at + timedelta(hours=1),
            )
        )
    assert nearer == (first or 0) + 1
    assert _stats(ctx, variant_id) == (sum(latest.get(m, 0) for m in ENGAGEMENT_METRICS), nearer)

    # A reading later still, with the reply counted: the newest values sum up again.
    assert sync_metrics(ctx, manual=True, now=published_at + timedelta(days=3)).ok
    engagements, followers = _stats(ctx, variant_id)
    assert (engagements, followers) == (3, nearer)  # favourite, boost, reply; the 1-hour snapshot still nearest
    assert _version(ctx, variant_id) == version  # data, not state: no version bump


def test_history_import_sets_both(ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer) -> None:
    # An earlier follower reading, then a post published outside the app with a favourite.
    with ctx.session() as s:
        write_readings(s, [Reading(masto.id, None, {FOLLOWERS: 321})], datetime.now(UTC) - timedelta(days=1))
    outside = mastodon.post_status(masto.token, "Posted from the Mastodon web app")["id"]
    fan = mastodon.create_account()
    mastodon.api("POST", f"/api/v1/statuses/{outside}/favourite", fan).raise_for_status()

    assert import_history(ctx, masto.id) == 1

    with ctx.session() as s:
        variant_id = s.scalar(select(Variant.id).where(Variant.remote_id == outside))
    assert variant_id is not None
    assert _stats(ctx, variant_id) == (1, 321)


# --- refresh_variant_stats --------------------------------------------------------------------------------


def test_followers_at_publish_is_the_nearest_snapshot_the_earlier_on_a_tie(ctx: AppContext) -> None:
    ann = _account(ctx)
    bob = _account(ctx, "bob@example.social")
    v = _variant(ctx, ann, T)
    tie = _variant(ctx, ann, T + timedelta(days=1, hours=13))
    draft = _variant(ctx, ann, None)
    bobs = _variant(ctx, bob, T)
    assert _stats(ctx, v) == (None, None)

    _followers(ctx, ann, T - timedelta(hours=5), 100)
    assert [_stats(ctx, x)[1] for x in (v, tie, draft, bobs)] == [100, 100, None, None]
    _followers(ctx, ann, T + timedelta(hours=2), 200)  # nearer to v, and to tie
    assert [_stats(ctx, x)[1] for x in (v, tie)] == [200, 200]
    _followers(ctx, ann, T + timedelta(days=3), 400)  # 35 h after tie's publish, as is the 200 one
    assert [_stats(ctx, x)[1] for x in (v, tie, draft, bobs)] == [200, 200, None, None]


def test_a_reading_written_late_still_lands_on_the_posts_it_is_nearest(ctx: AppContext) -> None:
    """A snapshot older than the newest one (another process's slower pass) is nearest to posts
    published before the newest: recomputing the account's variants without ``since`` finds it."""
    ann = _account(ctx)
    v = _variant(ctx, ann, T)
    _followers(ctx, ann, T + timedelta(days=5), 500)
    assert _stats(ctx, v)[1] == 500
    with ctx.session() as s:
        write_readings(s, [Reading(ann, None, {FOLLOWERS: 90})], T - timedelta(minutes=10))
        refresh_variant_stats(s, account_ids=[ann])
    assert _stats(ctx, v)[1] == 90


def test_engagements_sum_the_newest_engagement_metrics_only(ctx: AppContext) -> None:
    ann = _account(ctx)
    v = _variant(ctx, ann, T)
    _post_readings(ctx, ann, v, T + timedelta(hours=1), {IMPRESSIONS: 700})
    assert _stats(ctx, v)[0] == 0  # synced, no engagement reported: 0, not "never synced"
    _post_readings(ctx, ann, v, T + timedelta(hours=2), {LIKES: 4, REPOSTS: 1, IMPRESSIONS: 900})
    assert _stats(ctx, v)[0] == 5
    _post_readings(ctx, ann, v, T + timedelta(hours=1, minutes=30), {LIKES: 2})  # older: latest keeps 4
    assert _stats(ctx, v)[0] == 5
    _post_readings(ctx, ann, v, T + timedelta(hours=3), {LIKES: 6})
    assert _stats(ctx, v)[0] == 7


# --- the generator --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed_value", [3])
def test_seed_output_matches_an_independent_computation(ctx: AppContext, seed_value: int) -> None:
    seed(ctx, posts=300, snapshots=3000, seed=seed_value)
    with ctx.session() as s:
        variants = s.execute(
            select(
                Variant.id, Variant.account_id, Variant.published_at, Variant.engagements, Variant.followers_at_publish
            ).where(Variant.id % 4 == 0)
        ).all()
        latest: dict[int, dict[str, int]] = {}
        for variant_id, metric, value in s.execute(
            select(MetricLatest.variant_id, MetricLatest.metric, MetricLatest.value)
        ):
            latest.setdefault(variant_id, {})[metric] = value
        follower_rows = s.execute(
            select(MetricSnapshot.account_id, MetricSnapshot.taken_at, MetricSnapshot.id, MetricSnapshot.value).where(
                MetricSnapshot.metric == FOLLOWERS
            )
        ).all()
    by_account: dict[int, list[tuple[datetime, int, int]]] = {}
    for account_id, taken_at, snap_id, value in follower_rows:
        by_account.setdefault(account_id, []).append((taken_at, snap_id, value))

    def nearest(account_id: int, at: datetime) -> int | None:
        snaps = by_account.get(account_id, [])
        if not snaps:
            return None
        # nearest in time, the earlier on a tie, the last written when read twice at once
        return min(snaps, key=lambda t: (abs((t[0] - at).total_seconds()), t[0], -t[1]))[2]

    checked = rated = 0
    for variant_id, account_id, published_at, engagements, followers in variants:
        values = latest.get(variant_id)
        want_engagements = None if values is None else sum(values.get(m, 0) for m in ENGAGEMENT_METRICS)
        want_followers = None if published_at is None else nearest(account_id, published_at)
        assert (engagements, followers) == (want_engagements, want_followers), variant_id
        checked += 1
        rated += followers is not None and engagements is not None
    assert checked > 100 and rated > 50
