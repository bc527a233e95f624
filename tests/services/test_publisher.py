"""The publisher against a real Mastodon-API server on loopback: exactly once, whatever happens."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desktop.services import app_settings, posts
from desktop.services.accounts import set_paused
from desktop.services.context import AppContext
from desktop.services.publisher import Publisher
from desktop.services.vault import account_key
from desktop.store.models import Account, AccountStatus, AttemptOutcome, PublishAttempt, Variant, VariantState
from tests.servers.fake_http import closed_port
from tests.servers.mastodon import MastodonMockServer
from tests.services.conftest import MastodonAccount, connect_mastodon

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def _schedule_now(ctx: AppContext, account_id: int, text: str) -> posts.PostRow:
    return posts.schedule_post(ctx, account_ids=[account_id], text=text, now=True)


def _variant(ctx: AppContext, variant_id: int) -> Variant:
    with ctx.session() as s:
        v = s.get(Variant, variant_id)
        assert v is not None
        s.expunge(v)
        return v


def test_publish_now_puts_the_post_on_the_server(ctx: AppContext, masto: MastodonAccount) -> None:
    row = _schedule_now(ctx, masto.id, "Hello from Campaign Desk")
    report = Publisher(ctx).run_once()
    assert report.ok and [o.state for o in report.outcomes] == ["published"]
    (status,) = masto.statuses()
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.PUBLISHED and v.remote_id == status["id"] and v.remote_url == status["url"]
    assert "Hello from Campaign Desk" in status["content"]
    assert posts.get_post(ctx, row.id).status == "published"
    # nothing is due any more: a second pass sends nothing
    assert Publisher(ctx).run_once().outcomes == []
    assert len(masto.statuses()) == 1


def test_attempt_is_committed_before_the_http_call(
    ctx: AppContext, masto: MastodonAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _schedule_now(ctx, masto.id, "recorded first")
    # (state, attempt outcome, attempt key, variant key, key sent) as seen from another connection at
    # the moment of the HTTP call. The spy only records: the publisher runs it on a worker thread
    # and turns any exception there into a retry, so the assertions belong here, after the pass.
    seen: list[tuple[str, str, str, str, str]] = []
    from providers.mastodon import MastodonProvider

    original = MastodonProvider.publish

    def spy(self, conn, post, key, **kw):  # type: ignore[no-untyped-def]
        other = AppContext.open(ctx.data_dir)
        with other.session() as s:
            v = s.get(Variant, row.variants[0].id)
            attempt = s.scalars(select(PublishAttempt)).one()
            seen.append((v.state.value, attempt.outcome.value, attempt.idempotency_key, v.idempotency_key, key))
        other.close()
        return original(self, conn, post, key, **kw)

    monkeypatch.setattr(MastodonProvider, "publish", spy)
    report = Publisher(ctx).run_once()
    assert [o.state for o in report.outcomes] == ["published"]
    ((state, outcome, attempt_key, variant_key, sent_key),) = seen
    assert (state, outcome) == ("publishing", "pending")
    assert attempt_key == variant_key == sent_key


def test_two_publishers_racing_publish_each_variant_once(ctx: AppContext, masto: MastodonAccount) -> None:
    ids = [_schedule_now(ctx, masto.id, f"race {i}").variants[0].id for i in range(12)]
    contexts = [AppContext.open(ctx.data_dir) for _ in range(2)]
    reports = []
    barrier = threading.Barrier(2)

    def run(c: AppContext) -> None:
        barrier.wait()
        reports.append(Publisher(c, kind="race").run_once())

    threads = [threading.Thread(target=run, args=(c,)) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in contexts:
        c.close()
    published = [o.variant_id for r in reports for o in r.published]
    assert sorted(published) == sorted(ids)  # every variant, by exactly one of the two
    texts = sorted(s["content"] for s in masto.statuses())
    assert len(texts) == 12 and len(set(texts)) == 12


def test_server_error_retries_with_backoff_then_publishes_once(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    row = _schedule_now(ctx, masto.id, "after a 500 storm")
    mastodon.inject_fault(path="/api/v1/statuses", methods=["POST"], status=500, count=3)
    for attempt in range(1, 4):
        clock = _later(60 * attempt)  # far enough past any backoff
        report = Publisher(ctx, clock=lambda c=clock: c).run_once()
        (outcome,) = report.outcomes
        assert outcome.state == "retrying" and "HTTP 500" in outcome.error
        assert outcome.next_attempt_at is not None and outcome.next_attempt_at > clock
    # backoff grows: 30 s, 60 s, 120 s (±20 % jitter)
    with ctx.session() as s:
        v = s.get(Variant, row.variants[0].id)
        assert v.attempt_count == 3 and v.state is VariantState.RETRYING
    report = Publisher(ctx, clock=lambda: _later(400)).run_once()
    assert [o.state for o in report.outcomes] == ["published"]
    assert len(masto.statuses()) == 1


def test_backoff_doubles_with_jitter(ctx: AppContext) -> None:
    low = Publisher(ctx, rng=lambda: 0.0)
    high = Publisher(ctx, rng=lambda: 1.0)
    assert [round(low._backoff(n)) for n in (1, 2, 3)] == [24, 48, 96]
    assert [round(high._backoff(n)) for n in (1, 2, 3)] == [36, 72, 144]
    assert round(high._backoff(20)) == 30 * 60 * 1.2  # capped


def test_rate_limit_honours_retry_after(ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer) -> None:
    _schedule_now(ctx, masto.id, "slow down")
    mastodon.inject_fault(
        path="/api/v1/statuses",
        methods=["POST"],
        status=429,
        headers={"Retry-After": "120"},
        body={"error": "Too many requests"},
        count=1,
    )
    start = datetime.now(UTC)
    (outcome,) = Publisher(ctx, clock=lambda: start).run_once().outcomes
    assert outcome.state == "retrying" and "rate limit" in outcome.error
    assert outcome.next_attempt_at is not None
    assert timedelta(seconds=120) <= outcome.next_attempt_at - start <= timedelta(seconds=133)
    # not before the network said
    assert Publisher(ctx, clock=lambda: start + timedelta(seconds=100)).run_once().outcomes == []
    report = Publisher(ctx, clock=lambda: start + timedelta(seconds=140)).run_once()
    assert [o.state for o in report.outcomes] == ["published"]


def test_permanent_rejection_fails_with_the_networks_words(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    row = _schedule_now(ctx, masto.id, "refused")
    mastodon.inject_fault(
        path="/api/v1/statuses",
        methods=["POST"],
        status=422,
        body={"error": "Validation failed: Text character limit of 500 exceeded"},
        count=1,
    )
    report = Publisher(ctx).run_once()
    (outcome,) = report.failed
    assert "Validation failed: Text character limit of 500 exceeded" in outcome.error
    assert posts.get_post(ctx, row.id).status == "failed"
    assert not report.ok
    # nothing retries on its own; the user's Retry sends it again
    assert Publisher(ctx, clock=lambda: _later(600)).run_once().outcomes == []
    posts.retry_post(ctx, row.id)
    assert [o.state for o in Publisher(ctx).run_once().outcomes] == ["published"]
    assert len(masto.statuses()) == 1


def test_expired_token_needs_reconnect_and_says_so(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    row = _schedule_now(ctx, masto.id, "token gone")
    mastodon.inject_fault(
        path="/api/v1/statuses", methods=["POST"], status=401, body={"error": "The access token is invalid"}, count=1
    )
    (outcome,) = Publisher(ctx).run_once().outcomes
    assert outcome.state == "needs_reconnect"
    assert "reconnect" in outcome.error and "The access token is invalid" in outcome.error
    with ctx.session() as s:
        assert s.get(Account, masto.id).status is AccountStatus.NEEDS_RECONNECT
    # the next post of that account does not wait silently either
    second = _schedule_now(ctx, masto.id, "also held")
    (held,) = Publisher(ctx).run_once().outcomes
    assert (held.variant_id, held.state) == (second.variants[0].id, "needs_reconnect")
    # reconnecting resumes both; each goes out once
    from desktop.services.accounts import connect_account

    connect_account(ctx, "mastodon", {"instance": mastodon.url, "access_token": masto.token})
    report = Publisher(ctx).run_once()
    assert sorted(o.variant_id for o in report.published) == sorted([row.variants[0].id, second.variants[0].id])
    assert len(masto.statuses()) == 2


def test_network_down_then_up(ctx: AppContext, mastodon: MastodonMockServer) -> None:
    account = connect_mastodon(ctx, mastodon)
    row = _schedule_now(ctx, account.id, "offline first")
    with ctx.session() as s:  # point the account at a dead port, keeping its keyring entry under the new key
        a = s.get(Account, account.id)
        secrets = ctx.vault.load(account_key(a.provider, a.server_url, a.remote_id))
        a.server_url = f"http://127.0.0.1:{closed_port()}"
        ctx.vault.save(account_key(a.provider, a.server_url, a.remote_id), secrets)
        real_url = mastodon.url
    (outcome,) = Publisher(ctx).run_once().outcomes
    assert outcome.state == "retrying" and "Could not reach Mastodon" in outcome.error
    with ctx.session() as s:
        a = s.get(Account, account.id)
        a.server_url = real_url
    report = Publisher(ctx, clock=lambda: _later(5)).run_once()
    assert [o.variant_id for o in report.published] == [row.variants[0].id]
    assert len(account.statuses()) == 1


def test_gives_up_after_max_attempts_with_the_last_error(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    _schedule_now(ctx, masto.id, "never")
    mastodon.inject_fault(path="/api/v1/statuses", methods=["POST"], status=503, count=None)
    states = []
    for i in range(3):
        (o,) = Publisher(ctx, max_attempts=3, clock=lambda i=i: _later(60 * (i + 1))).run_once().outcomes
        states.append(o.state)
    assert states == ["retrying", "retrying", "failed"]
    assert "Gave up after 3 attempts. Last error: Mastodon is having trouble (HTTP 503)" in o.error


def test_late_posts_are_not_sent_without_confirmation(ctx: AppContext, masto: MastodonAccount) -> None:
    app_settings.put(ctx, app_settings.GIVE_UP_HOURS, 6)
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="stale", at=NOW, clock=NOW)
    (o,) = Publisher(ctx, clock=lambda: NOW + timedelta(hours=7)).run_once().outcomes
    assert o.state == "failed" and "more than 6 hours ago" in o.error and "Retry to send it now" in o.error
    assert masto.statuses() == []
    posts.retry_post(ctx, row.id)  # the user confirms
    assert [o.state for o in Publisher(ctx).run_once().outcomes] == ["published"]


def test_pause_all_and_pause_one_account(ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer) -> None:
    other = connect_mastodon(ctx, mastodon)
    _schedule_now(ctx, masto.id, "a")
    _schedule_now(ctx, other.id, "b")
    app_settings.put(ctx, app_settings.PUBLISHING_PAUSED, True)
    report = Publisher(ctx).run_once()
    assert report.paused and report.outcomes == []
    app_settings.put(ctx, app_settings.PUBLISHING_PAUSED, False)
    set_paused(ctx, other.id, True)
    assert [o.account_id for o in Publisher(ctx).run_once().outcomes] == [masto.id]
    assert other.statuses() == []
    set_paused(ctx, other.id, False)
    assert [o.account_id for o in Publisher(ctx).run_once().outcomes] == [other.id]


def test_partial_failure_and_retry_resends_only_the_failed_variant(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    other = connect_mastodon(ctx, mastodon)
    row = posts.schedule_post(ctx, account_ids=[masto.id, other.id], text="to both", now=True)
    mastodon.inject_fault(
        path="/api/v1/statuses", methods=["POST"], status=422, body={"error": "Validation failed: nope"}, count=1
    )
    report = Publisher(ctx, max_workers=1).run_once()
    assert sorted(o.state for o in report.outcomes) == ["failed", "published"]
    assert posts.get_post(ctx, row.id).status == "partially_published"
    _, changed = posts.retry_post(ctx, row.id)
    assert changed == 1
    report = Publisher(ctx).run_once()
    assert [o.state for o in report.outcomes] == ["published"]
    assert posts.get_post(ctx, row.id).status == "published"
    assert len(masto.statuses()) == 1 and len(other.statuses()) == 1


CRASHER = textwrap.dedent(
    """
    import os, sys
    from desktop.services.context import AppContext
    from desktop.services.publisher import Publisher
    from providers.mastodon import MastodonProvider

    original = MastodonProvider.publish

    def publish_then_die(self, conn, post, key, **kw):
        original(self, conn, post, key, **kw)  # the status now exists on the server...
        os._exit(137)                    # ...and we die before recording it

    MastodonProvider.publish = publish_then_die
    Publisher(AppContext.open(sys.argv[1])).run_once()
    """
)


def _crash_mid_publish(ctx: AppContext, account_id: int, text: str, env: dict[str, str]) -> posts.PostRow:
    """A post due now, and a publishing pass in another process that dies once its status is out."""
    row = _schedule_now(ctx, account_id, text)
    proc = subprocess.run(
        [sys.executable, "-c", CRASHER, str(ctx.data_dir)],
        env=env,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 137, proc.stderr
    return row


def test_killed_mid_publish_is_reconciled_not_resent(
    ctx: AppContext, masto: MastodonAccount, subprocess_env: dict[str, str]
) -> None:
    row = _crash_mid_publish(ctx, masto.id, "survives a crash", subprocess_env)
    assert len(masto.statuses()) == 1
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.PUBLISHING  # the dead process left it claimed
    report = Publisher(ctx).run_once()  # its pid is gone: reconciled at once, not after the lease
    (o,) = report.outcomes
    assert o.state == "published" and o.reconciled
    assert len(masto.statuses()) == 1  # the same key: the server returned the first status
    v = _variant(ctx, row.variants[0].id)
    assert v.remote_id == masto.statuses()[0]["id"]
    with ctx.session() as s:
        outcomes = [a.outcome for a in s.scalars(select(PublishAttempt).order_by(PublishAttempt.id))]
    assert outcomes[0] is AttemptOutcome.RETRY and outcomes[-1] in (
        AttemptOutcome.PUBLISHED,
        AttemptOutcome.ALREADY_PUBLISHED,
    )


def test_reconcile_after_the_idempotency_window_looks_the_post_up(
    ctx: AppContext, masto: MastodonAccount, subprocess_env: dict[str, str]
) -> None:
    row = _crash_mid_publish(ctx, masto.id, "found, not resent", subprocess_env)
    # two hours later the network no longer remembers the key: find_published must find it
    report = Publisher(ctx, clock=lambda: _later(120)).run_once()
    (o,) = report.outcomes
    assert o.state == "published" and o.reconciled
    assert len(masto.statuses()) == 1
    with ctx.session() as s:
        last = s.scalars(select(PublishAttempt).order_by(PublishAttempt.id.desc())).first()
        assert last.outcome is AttemptOutcome.ALREADY_PUBLISHED
    assert _variant(ctx, row.variants[0].id).remote_id == masto.statuses()[0]["id"]


def test_a_live_publishers_claim_is_left_alone(ctx: AppContext, masto: MastodonAccount) -> None:
    row = _schedule_now(ctx, masto.id, "in flight elsewhere")
    with ctx.session() as s:
        v = s.get(Variant, row.variants[0].id)
        v.state = VariantState.PUBLISHING
        v.claimed_by = "gui 1@another-host abcd1234"
        v.claimed_at = datetime.now(UTC)
    assert Publisher(ctx).run_once().outcomes == []
    assert masto.statuses() == []
