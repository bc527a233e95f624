"""A retry after the network has forgotten the idempotency key must look the post up first.

Mastodon keeps an Idempotency-Key for about an hour. These scenarios (found by the soak test in
tests/bench/test_soak_publisher.py) posted twice before the publisher measured the window from the
variant's first attempt and checked it on every retry, not only after a crash.
"""

from __future__ import annotations

from datetime import timedelta

from desktop.services.context import AppContext
from tests.bench.test_soak_publisher import _late_retry
from tests.servers.mastodon import MastodonMockServer


def test_unknown_outcome_retried_two_hours_later_is_found_not_reposted(
    ctx: AppContext, mastodon: MastodonMockServer
) -> None:
    assert _late_retry(ctx, mastodon, crash_at=None, retry_at=timedelta(hours=2)) == 1


def test_reconciliation_counts_the_window_from_the_first_attempt(ctx: AppContext, mastodon: MastodonMockServer) -> None:
    assert _late_retry(ctx, mastodon, crash_at=timedelta(minutes=50), retry_at=timedelta(minutes=70)) == 1


def test_a_retry_inside_the_window_trusts_the_key(ctx: AppContext, mastodon: MastodonMockServer) -> None:
    assert _late_retry(ctx, mastodon, crash_at=None, retry_at=timedelta(minutes=5)) == 1
