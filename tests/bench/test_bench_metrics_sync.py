"""Benchmark: one "Sync now" of 500 posts across two networks (250 on Mastodon, 250 on Bluesky),
against the loopback servers, within each network's documented rate limits.

Mastodon allows 300 requests per 5 minutes per account (docs.joinmastodon.org/api/rate-limits);
the Bluesky AppView 3000 per 5 minutes per IP. The sync asks for 20 statuses a request on
Mastodon and 25 posts on Bluesky (``getPosts``), so 500 posts take 13 + 10 post requests and one
profile request per account: a small share of either window, leaving the 20% reserve untouched.
Run with ``make bench``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import func, select

from desktop.services import accounts, app_settings
from desktop.services.context import AppContext
from desktop.services.metrics import sync_metrics
from desktop.services.metrics.history import history_key
from desktop.store.models import MetricLatest, Post, Variant, VariantState
from providers.bluesky.provider import BlueskyProvider
from providers.mastodon import MastodonProvider
from tests.servers.mastodon import MastodonMockServer, connect_mastodon
from tests.servers.pds import PdsServer, PdsUser

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1800)]

PER_NETWORK = 250
MASTODON_LIMIT = 300  # requests per 5 minutes per account
APPVIEW_LIMIT = 3000  # requests per 5 minutes per IP


@dataclass
class Counting(httpx.BaseTransport):
    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    paths: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self.inner.handle_request(request)


def _register(ctx: AppContext, account_id: int, remote: list[tuple[str, str]]) -> None:
    """The posts as if the app had published them: published variants with their remote ids."""
    published = datetime.now(UTC) - timedelta(days=2)
    with ctx.session() as s:
        for remote_id, url in remote:
            post = Post(text=f"bench {remote_id}")
            post.variants.append(
                Variant(
                    account_id=account_id,
                    state=VariantState.PUBLISHED,
                    remote_id=remote_id,
                    remote_url=url,
                    remote_parts=[{"index": 0, "remote_id": remote_id, "url": url}],
                    published_at=published,
                )
            )
            s.add(post)
    app_settings.put(ctx, history_key(account_id), "2026-01-01T00:00:00Z")  # counters only


def test_sync_now_500_posts_two_networks(
    benchmark: BenchmarkFixture, ctx: AppContext, mastodon_server: MastodonMockServer, pds: PdsServer
) -> None:
    masto = connect_mastodon(ctx, mastodon_server)
    statuses = []
    for i in range(PER_NETWORK):
        r = mastodon_server.api("POST", "/api/v1/statuses", masto.token, data={"status": f"bench {i}"})
        r.raise_for_status()
        statuses.append((str(r.json()["id"]), str(r.json()["url"])))
    _register(ctx, masto.id, statuses)

    handle, did, password = pds.create_account("bench")
    row = accounts.connect_account(
        ctx,
        "bluesky",
        {"handle": handle, "app_password": pds.app_password(handle, password), "service": pds.url, "appview": pds.url},
    )
    me = PdsUser(pds, handle, did, pds.session(handle, password)["accessJwt"])
    records = [me.post(f"bench {i}")["uri"] for i in range(PER_NETWORK)]
    _register(ctx, row.id, [(uri, "") for uri in records])

    on_mastodon, on_bluesky = Counting(), Counting()
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=on_mastodon)
    ctx.registry._instances["bluesky"] = BlueskyProvider(transport=on_bluesky)

    report = benchmark.pedantic(lambda: sync_metrics(ctx, manual=True), rounds=1, iterations=1)

    assert report.ok and report.deferred == () and (report.posts, report.accounts) == (2 * PER_NETWORK, 2)
    with ctx.session() as s:
        measured = s.scalar(select(func.count(func.distinct(MetricLatest.variant_id))))
    assert measured == 2 * PER_NETWORK
    mastodon_posts = sum(1 for p in on_mastodon.paths if p == "/api/v1/statuses")
    bluesky_posts = sum(1 for p in on_bluesky.paths if p.endswith("app.bsky.feed.getPosts"))
    assert mastodon_posts == math.ceil(PER_NETWORK / MastodonProvider.metrics_batch_size)
    assert bluesky_posts == math.ceil(PER_NETWORK / BlueskyProvider.metrics_batch_size)
    # well inside each window, and inside the 80% a metrics sync may use of it
    assert len(on_mastodon.paths) <= 0.8 * MASTODON_LIMIT
    assert len(on_bluesky.paths) <= 0.8 * APPVIEW_LIMIT
    seconds = (report.finished_at - report.started_at).total_seconds()
    benchmark.extra_info.update(
        {
            "posts": report.posts,
            "snapshots": report.snapshots,
            "mastodon_requests": len(on_mastodon.paths),
            "bluesky_requests": len(on_bluesky.paths),
            "posts_per_second": round(report.posts / seconds, 1) if seconds else None,
        }
    )
    print(
        f"\nsync now: {report.posts} posts, {report.snapshots} snapshots in {seconds:.2f} s; "
        f"Mastodon {len(on_mastodon.paths)} requests (limit {MASTODON_LIMIT}/5 min), "
        f"Bluesky {len(on_bluesky.paths)} (limit {APPVIEW_LIMIT}/5 min)"
    )
