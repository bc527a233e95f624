"""Benchmark: "Sync now" of 500 Mastodon posts when the rate-limit window is already mostly spent.

Mastodon allows 300 requests per 5 minutes per account (docs.joinmastodon.org/api/rate-limits)
and says how many are left in ``X-RateLimit-Remaining`` on every reply. The sync keeps 20% of
the window (60 requests) for publishing: once a reply says fewer are left, it asks nothing more
for that account until ``X-RateLimit-Reset``. Here the loopback server's replies carry a window
that other work has mostly used; the sync must stop at the reserve, and finish after the reset.
(tests/bench/test_bench_metrics_sync.py measures the same 500 posts across Mastodon and Bluesky
with a fresh window.) Run with ``make bench``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import func, select

from desktop.services import app_settings
from desktop.services.context import AppContext
from desktop.services.metric_names import RATE_RESERVE
from desktop.services.metrics import sync_metrics
from desktop.services.metrics.history import history_key
from desktop.store.models import MetricLatest, Post, Variant, VariantState
from providers.mastodon import MastodonProvider
from tests.servers.mastodon import MastodonMockServer, connect_mastodon

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1800)]

POSTS = 500
LIMIT = 300  # requests per 5 minutes per account
RESERVE = math.ceil(RATE_RESERVE * LIMIT)  # 60 requests kept for publishing


@dataclass
class SpentWindow(httpx.BaseTransport):
    """Relays to the loopback server and adds Mastodon's rate-limit headers, counting down from
    ``left`` requests (this one included) in a window that resets at ``resets_at``."""

    left: int
    resets_at: datetime
    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    remaining: list[int] = field(default_factory=list)  # what each reply said, in order
    paths: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.paths.append(request.url.path)
        left = max(0, self.left - len(self.paths))
        self.remaining.append(left)
        response.headers["X-RateLimit-Limit"] = str(LIMIT)
        response.headers["X-RateLimit-Remaining"] = str(left)
        response.headers["X-RateLimit-Reset"] = self.resets_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return response


def _measured(ctx: AppContext) -> int:
    with ctx.session() as s:
        return int(s.scalar(select(func.count(func.distinct(MetricLatest.variant_id)))) or 0)


def test_sync_of_500_posts_keeps_the_reserve_and_finishes_after_the_reset(
    benchmark: BenchmarkFixture, ctx: AppContext, mastodon_server: MastodonMockServer
) -> None:
    masto = connect_mastodon(ctx, mastodon_server)
    published = datetime.now(UTC) - timedelta(days=2)
    with ctx.session() as s:
        for i in range(POSTS):
            status = mastodon_server.post_status(masto.token, f"reserve bench {i}")
            post = Post(text=f"reserve bench {i}")
            post.variants.append(
                Variant(
                    account_id=masto.id,
                    state=VariantState.PUBLISHED,
                    remote_id=str(status["id"]),
                    remote_url=str(status["url"]),
                    remote_parts=[{"index": 0, "remote_id": str(status["id"]), "url": str(status["url"])}],
                    published_at=published,
                )
            )
            s.add(post)
    app_settings.put(ctx, history_key(masto.id), "2026-01-01T00:00:00Z")  # counters only, no history import
    now = datetime.now(UTC).replace(microsecond=0)
    resets = now + timedelta(minutes=4)
    batch = MastodonProvider.metrics_batch_size

    # 75 requests left of 300: the account's counters and 14 batches fit above the reserve of 60.
    spent = SpentWindow(left=75, resets_at=resets)
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=spent)
    report = benchmark.pedantic(lambda: sync_metrics(ctx, manual=True, now=now), rounds=1, iterations=1)

    assert report.ok and [d.account_id for d in report.deferred] == [masto.id]
    assert report.deferred[0].until == resets
    # It asked until a reply said fewer than 60 were left, and not once more.
    assert spent.remaining[-1] == RESERVE - 1 and all(r >= RESERVE for r in spent.remaining[:-1])
    assert len(spent.paths) == 75 - (RESERVE - 1)
    read = report.posts
    assert read == min(POSTS, (len(spent.paths) - 1) * batch) and _measured(ctx) == read < POSTS

    # Another "Sync now" before the reset asks nothing at all.
    waiting = SpentWindow(left=LIMIT, resets_at=resets + timedelta(minutes=5))
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=waiting)
    early = sync_metrics(ctx, manual=True, now=now + timedelta(minutes=1))
    assert [d.until for d in early.deferred] == [resets] and waiting.paths == []

    # After the reset, a fresh window: every post is read, well above the reserve.
    fresh = SpentWindow(left=LIMIT, resets_at=resets + timedelta(minutes=5))
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=fresh)
    after = sync_metrics(ctx, manual=True, now=resets + timedelta(seconds=1))
    assert after.ok and after.deferred == () and after.posts == POSTS and _measured(ctx) == POSTS
    assert len(fresh.paths) == 1 + math.ceil(POSTS / batch) and min(fresh.remaining) >= RESERVE

    benchmark.extra_info.update(
        {
            "posts_before_reserve": read,
            "requests_before_reserve": len(spent.paths),
            "requests_after_reset": len(fresh.paths),
        }
    )
    print(
        f"\n[bench] reserve: {read} of {POSTS} posts read in {len(spent.paths)} requests before the window "
        f"reached {RESERVE - 1} of {LIMIT} left (reserve {RESERVE}); the rest after the reset in "
        f"{len(fresh.paths)} requests, lowest {min(fresh.remaining)} left"
    )
