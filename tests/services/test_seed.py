"""The generated dataset: reproducible for a seed, consistent with itself, and inert (nothing to publish or sync)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import and_, func, select

from desktop.services import accounts as account_svc
from desktop.services.context import AppContext
from desktop.services.seed import SeedRefused, seed
from desktop.store.models import (
    Account,
    AccountStatus,
    Campaign,
    MetricLatest,
    MetricSnapshot,
    Post,
    Variant,
    VariantState,
)

UNTIL = datetime(2026, 11, 30, tzinfo=UTC)
SIZES = {"posts": 300, "snapshots": 3000, "days": 120, "until": UNTIL}


@pytest.fixture
def other_ctx(tmp_path: Path) -> Iterator[AppContext]:
    context = AppContext.open(tmp_path / "other")
    yield context
    context.close()


def _checksum(ctx: AppContext) -> str:
    """A hash over a sample of every table the generator writes, in a stable order."""
    digest = hashlib.sha256()
    with ctx.session() as s:
        samples = [
            select(Account.id, Account.provider, Account.handle, Account.metrics_synced_at).order_by(Account.id),
            select(Campaign.name, Campaign.color, Campaign.starts_on, Campaign.ends_on, Campaign.goal_target),
            select(Post.id, Post.text, Post.campaign_id, Post.external, Post.thread).where(Post.id % 7 == 0),
            select(
                Variant.id,
                Variant.post_id,
                Variant.account_id,
                Variant.state,
                Variant.scheduled_at,
                Variant.published_at,
                Variant.text,
                Variant.tagged_texts,
                Variant.remote_url,
                Variant.idempotency_key,
                Variant.metrics_synced_at,
            ).where(Variant.id % 5 == 0),
            select(
                MetricSnapshot.id,
                MetricSnapshot.variant_id,
                MetricSnapshot.account_id,
                MetricSnapshot.metric,
                MetricSnapshot.value,
                MetricSnapshot.taken_at,
            ).where(MetricSnapshot.id % 11 == 0),
            select(MetricLatest.variant_id, MetricLatest.metric, MetricLatest.value).where(
                MetricLatest.variant_id % 3 == 0
            ),
        ]
        for query in samples:
            ordered = query.order_by(*query.selected_columns)
            for row in s.execute(ordered):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(ctx: AppContext, other_ctx: AppContext) -> None:
    first = seed(ctx, seed=7, **SIZES)  # type: ignore[arg-type]
    again = seed(other_ctx, seed=7, **SIZES)  # type: ignore[arg-type]
    assert first == again
    assert (first.posts, first.snapshots, first.accounts, first.campaigns) == (300, 3000, 5, 8)
    assert first.variants > 600 and 0 < first.external < 60 and first.published > first.variants * 0.8
    assert _checksum(ctx) == _checksum(other_ctx)

    with ctx.session() as s:
        for model in (Post, Variant, MetricSnapshot, MetricLatest):
            s.execute(model.__table__.delete())
    different = seed(ctx, seed=8, force=True, **SIZES)  # type: ignore[arg-type]
    assert different.snapshots == 3000
    assert _checksum(ctx) != _checksum(other_ctx)


def test_latest_values_are_the_newest_snapshot_of_each_variant_and_metric(ctx: AppContext) -> None:
    result = seed(ctx, seed=2, **SIZES)  # type: ignore[arg-type]
    newest = (
        select(MetricSnapshot.variant_id, MetricSnapshot.metric, func.max(MetricSnapshot.taken_at).label("at"))
        .where(MetricSnapshot.variant_id.is_not(None))
        .group_by(MetricSnapshot.variant_id, MetricSnapshot.metric)
        .subquery()
    )
    from_history = (
        select(MetricSnapshot.variant_id, MetricSnapshot.metric, MetricSnapshot.value, MetricSnapshot.taken_at)
        .join(
            newest,
            and_(
                newest.c.variant_id == MetricSnapshot.variant_id,
                newest.c.metric == MetricSnapshot.metric,
                newest.c.at == MetricSnapshot.taken_at,
            ),
        )
        .order_by(MetricSnapshot.variant_id, MetricSnapshot.metric)
    )
    with ctx.session() as s:
        history = [tuple(r) for r in s.execute(from_history)]
        latest = [
            tuple(r)
            for r in s.execute(
                select(
                    MetricLatest.variant_id, MetricLatest.metric, MetricLatest.value, MetricLatest.taken_at
                ).order_by(MetricLatest.variant_id, MetricLatest.metric)
            )
        ]
        assert latest == history and len(latest) == result.latest
        # each variant's metrics_synced_at is its newest reading; unread variants have none
        stamps = dict(s.execute(select(Variant.id, Variant.metrics_synced_at)).all())
        per_variant = dict(
            s.execute(
                select(MetricLatest.variant_id, func.max(MetricLatest.taken_at)).group_by(MetricLatest.variant_id)
            ).all()
        )
        assert {v: at for v, at in stamps.items() if at is not None} == per_variant
        # only published variants have metrics, and never before they were published
        early = s.scalar(
            select(func.count())
            .select_from(MetricSnapshot)
            .join(Variant, Variant.id == MetricSnapshot.variant_id)
            .where((Variant.state != VariantState.PUBLISHED) | (MetricSnapshot.taken_at < Variant.published_at))
        )
        assert early == 0


def test_counters_grow_and_snapshots_are_stored_oldest_first(ctx: AppContext) -> None:
    seed(ctx, seed=4, posts=200, snapshots=20_000, days=60, until=UNTIL)
    with ctx.session() as s:
        rows = s.execute(
            select(MetricSnapshot.variant_id, MetricSnapshot.metric, MetricSnapshot.value, MetricSnapshot.taken_at)
            .where(MetricSnapshot.variant_id.is_not(None))
            .order_by(MetricSnapshot.variant_id, MetricSnapshot.metric, MetricSnapshot.taken_at)
        ).all()
        series: dict[tuple[int, str], list[int]] = {}
        for variant_id, metric, value, _ in rows:
            series.setdefault((variant_id, metric), []).append(value)
        assert any(len(values) > 3 for values in series.values()), "a big budget reads posts several times"
        assert all(values == sorted(values) for values in series.values())
        times = list(s.scalars(select(MetricSnapshot.taken_at).order_by(MetricSnapshot.id)))
        assert times == sorted(times) and times[-1] <= UNTIL
        followers = list(
            s.scalars(
                select(MetricSnapshot.value)
                .where(MetricSnapshot.metric == "followers", MetricSnapshot.account_id == 1)
                .order_by(MetricSnapshot.taken_at)
            )
        )
        assert len(followers) == 60 and followers[-1] > followers[0]


def test_shapes_a_dashboard_needs(ctx: AppContext) -> None:
    seed(ctx, seed=5, **SIZES)  # type: ignore[arg-type]
    with ctx.session() as s:
        networks = dict(s.execute(select(Account.provider, func.count()).group_by(Account.provider)).all())
        assert networks == {"mastodon": 3, "bluesky": 2}
        states = dict(s.execute(select(Variant.state, func.count()).group_by(Variant.state)).all())
        assert states[VariantState.PUBLISHED] > 0 and states[VariantState.SCHEDULED] > 0
        future = s.scalar(select(func.min(Variant.scheduled_at)).where(Variant.state == VariantState.SCHEDULED))
        assert future is not None and future > UNTIL + timedelta(days=1)
        assert s.scalar(select(func.count()).select_from(Post).where(Post.campaign_id.is_not(None))) > 100
        assert s.scalar(select(func.count()).select_from(Post).where(Post.external)) > 0
        recent = s.scalar(
            select(func.count()).select_from(MetricLatest).where(MetricLatest.taken_at >= UNTIL - timedelta(days=90))
        )
        assert recent > 0
        colours = set(s.scalars(select(Campaign.color)))
        assert len(colours) == 8


def test_accounts_are_inert_without_secrets(ctx: AppContext) -> None:
    seed(ctx, seed=1, posts=20, snapshots=200, until=UNTIL)
    rows = account_svc.list_accounts(ctx)
    assert len(rows) == 5
    for row in rows:
        assert row.status == AccountStatus.DISCONNECTED.value and row.paused
        assert account_svc.credential_state(ctx, row) == "missing"
        assert row.server_url.endswith(".example")  # a reserved name: nothing can ever answer


def test_refuses_a_database_with_posts_unless_forced(ctx: AppContext) -> None:
    seed(ctx, seed=1, posts=20, snapshots=200, until=UNTIL)
    with pytest.raises(SeedRefused, match="already has 20 posts"):
        seed(ctx, seed=1, posts=20, snapshots=200, until=UNTIL)
    more = seed(ctx, seed=1, posts=20, snapshots=200, until=UNTIL, force=True)
    assert more.posts == 20
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 40
        assert s.scalar(select(func.count()).select_from(Account)) == 10
        names = list(s.scalars(select(Campaign.name)))
        assert len(names) == len(set(names)) == 16
