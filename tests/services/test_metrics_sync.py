"""The metrics sync against a real Mastodon-API server on loopback: snapshots and the latest
values, the cadence, the rate-limit reserve with recorded headers, failures kept to their
account, and the history import of posts published outside the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from desktop.services import app_settings, calendar, posts
from desktop.services.context import AppContext
from desktop.services.metrics import import_history, last_synced, sync_metrics
from desktop.services.metrics.cadence import post_due_filter, post_is_due
from desktop.services.metrics.history import history_key
from desktop.services.publisher import Publisher
from desktop.store.models import (
    Account,
    AccountStatus,
    MetricLatest,
    MetricSnapshot,
    Post,
    RateWindow,
    Variant,
    VariantState,
)
from providers.mastodon import MastodonProvider
from tests.e2e.json_shapes import SYNC_METRICS_KEYS
from tests.servers.mastodon import MastodonMockServer
from tests.services.conftest import MastodonAccount, connect_mastodon


def _publish(ctx: AppContext, account_id: int, text: str) -> Variant:
    row = posts.schedule_post(ctx, account_ids=[account_id], text=text, now=True)
    report = Publisher(ctx).run_once()
    assert [o.state for o in report.outcomes] == ["published"], report.to_json()
    with ctx.session() as s:
        v = s.get(Variant, row.variants[0].id)
        assert v is not None
        s.expunge(v)
        return v


def _react(server: MastodonMockServer, status_id: str, *, favourite: bool = True, boost: bool = True) -> str:
    """A second user favourites and/or boosts the status; returns that user's token."""
    fan = server.create_account()
    if favourite:
        server.api("POST", f"/api/v1/statuses/{status_id}/favourite", fan).raise_for_status()
    if boost:
        server.api("POST", f"/api/v1/statuses/{status_id}/reblog", fan).raise_for_status()
    return fan


def _latest(ctx: AppContext, variant_id: int) -> dict[str, int]:
    with ctx.session() as s:
        rows = s.execute(
            select(MetricLatest.metric, MetricLatest.value).where(MetricLatest.variant_id == variant_id)
        ).all()
    return dict(rows)


def _history(ctx: AppContext, variant_id: int, metric: str) -> list[int]:
    with ctx.session() as s:
        return list(
            s.scalars(
                select(MetricSnapshot.value)
                .where(MetricSnapshot.variant_id == variant_id, MetricSnapshot.metric == metric)
                .order_by(MetricSnapshot.taken_at, MetricSnapshot.id)
            )
        )


# --- what a sync reads and writes -------------------------------------------------------------------


def test_sync_now_stores_a_second_users_favourite_and_boost(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    variant = _publish(ctx, masto.id, "Our spring launch")
    fan = _react(mastodon, variant.remote_id)

    report = sync_metrics(ctx, manual=True)

    assert report.ok and report.manual
    assert (report.posts, report.accounts) == (1, 1)
    latest = _latest(ctx, variant.id)
    assert latest["likes"] == 1 and latest["reposts"] == 1 and latest["replies"] == 0
    with ctx.session() as s:
        account_rows = dict(
            s.execute(
                select(MetricSnapshot.metric, MetricSnapshot.value).where(
                    MetricSnapshot.account_id == masto.id, MetricSnapshot.variant_id.is_(None)
                )
            ).all()
        )
        synced = s.get(Variant, variant.id)
        account = s.get(Account, masto.id)
        assert synced is not None and account is not None
        assert synced.metrics_synced_at is not None and account.metrics_synced_at is not None
    assert account_rows["posts"] == 1 and "followers" in account_rows
    assert report.snapshots == len(latest) + len(account_rows)
    assert last_synced(ctx) == report.finished_at

    # The fan takes the favourite back: the latest value follows, the history keeps both readings.
    mastodon.api("POST", f"/api/v1/statuses/{variant.remote_id}/unfavourite", fan).raise_for_status()
    again = sync_metrics(ctx, manual=True)
    assert again.ok and again.posts == 1
    assert _latest(ctx, variant.id)["likes"] == 0
    assert _history(ctx, variant.id, "likes") == [1, 0]
    assert _history(ctx, variant.id, "reposts") == [1, 1]  # always written: growth is charted from these


def test_report_json_is_flat_and_stable(ctx: AppContext, masto: MastodonAccount) -> None:
    _publish(ctx, masto.id, "shape")
    data = sync_metrics(ctx, manual=True).to_json()
    assert set(data) == SYNC_METRICS_KEYS
    assert data["started_at"].endswith("Z") and data["finished_at"].endswith("Z")
    assert (data["ok"], data["manual"], data["posts"], data["accounts"]) == (True, True, 1, 1)


def test_paused_and_disconnected_accounts_are_left_alone(ctx: AppContext, masto: MastodonAccount) -> None:
    variant = _publish(ctx, masto.id, "paused")
    with ctx.session() as s:
        account = s.get(Account, masto.id)
        assert account is not None
        account.paused = True
    report = sync_metrics(ctx, manual=True)
    assert (report.posts, report.accounts, report.snapshots) == (0, 0, 0)
    assert _latest(ctx, variant.id) == {}


# --- the cadence ---------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "since_sync", "due"),
    [
        (timedelta(minutes=10), None, True),  # never synced
        (timedelta(hours=5), timedelta(minutes=30), False),  # day 1: hourly
        (timedelta(hours=5), timedelta(minutes=59), True),  # within the 2-minute slack of the hour
        (timedelta(hours=23), timedelta(hours=1), True),
        (timedelta(days=3), timedelta(hours=12), False),  # to day 30: daily
        (timedelta(days=3), timedelta(hours=24), True),
        (timedelta(days=29), timedelta(hours=23), False),
        (timedelta(days=45), timedelta(days=3), False),  # to day 90: weekly
        (timedelta(days=45), timedelta(days=7), True),
        (timedelta(days=89), timedelta(days=8), True),
        (timedelta(days=91), None, False),  # past day 90: by hand only
        (timedelta(days=400), timedelta(days=300), False),
    ],
)
def test_cadence_by_age(ctx: AppContext, masto: MastodonAccount, age: timedelta, since_sync, due: bool) -> None:
    published = NOW - age
    synced = None if since_sync is None else NOW - since_sync
    assert post_is_due(published, synced, NOW) is due
    # the SQL the pass uses says the same about a stored variant
    with ctx.session() as s:
        post = Post(text="cadence")
        post.variants.append(
            Variant(
                account_id=masto.id,
                state=VariantState.PUBLISHED,
                remote_id="1",
                published_at=published,
                metrics_synced_at=synced,
            )
        )
        s.add(post)
        s.flush()
        found = s.scalar(select(Variant.id).where(Variant.id == post.variants[0].id, post_due_filter(NOW)))
    assert (found is not None) is due


def test_scheduled_passes_follow_the_cadence(ctx: AppContext, masto: MastodonAccount) -> None:
    variant = _publish(ctx, masto.id, "cadence on the wire")
    start = datetime.now(UTC)
    first = sync_metrics(ctx, manual=False, now=start)
    assert (first.posts, first.accounts) == (1, 1)  # never synced: due
    soon = sync_metrics(ctx, manual=False, now=start + timedelta(minutes=20))
    assert (soon.posts, soon.accounts, soon.snapshots) == (0, 0, 0)  # nothing due 20 minutes later
    hour = sync_metrics(ctx, manual=False, now=start + timedelta(hours=1))
    assert (hour.posts, hour.accounts) == (1, 0)  # the post hourly on day 1; the account every 6 h
    later = sync_metrics(ctx, manual=False, now=start + timedelta(hours=6, minutes=5))
    assert (later.posts, later.accounts) == (1, 1)
    # Sync now ignores the cadence: everything in range, at once
    assert sync_metrics(ctx, manual=True, now=start + timedelta(hours=6, minutes=6)).posts == 1
    assert len(_history(ctx, variant.id, "likes")) == 4
    # past day 90 only by hand, and Sync now's range is 90 days too
    old = start + timedelta(days=91)
    assert sync_metrics(ctx, manual=False, now=old).posts == 0
    assert sync_metrics(ctx, manual=True, now=old).posts == 0


# --- the rate-limit reserve --------------------------------------------------------------------------


@dataclass
class RecordedHeaders(httpx.BaseTransport):
    """Passes requests to the real server and puts recorded Mastodon rate-limit headers
    (docs.joinmastodon.org/api/rate-limits) on each reply: 300 a window, ``remaining`` going
    down by one per request from ``start``."""

    start: int
    resets_at: datetime
    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    paths: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.paths.append(request.url.path)
        remaining = max(0, self.start - len(self.paths) + 1)
        response.headers["X-RateLimit-Limit"] = "300"
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = self.resets_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return response


def test_metrics_stop_at_the_reserve_and_resume_after_the_reset(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    variant = _publish(ctx, masto.id, "reserve")
    _react(mastodon, variant.remote_id, boost=False)
    app_settings.put(ctx, history_key(masto.id), "2026-01-01T00:00:00Z")  # only the counters here
    now = datetime.now(UTC).replace(microsecond=0)
    resets = now + timedelta(minutes=4)
    # The first reply (the account's counters) says 59 of 300 are left: under the 20% reserve (60).
    recorded = RecordedHeaders(start=59, resets_at=resets)
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=recorded)

    report = sync_metrics(ctx, manual=True, now=now)

    assert report.ok  # deferred is not a failure
    (deferred,) = report.deferred
    assert deferred.account_id == masto.id and deferred.until == resets
    assert "to keep 20% of the rate limit for publishing" in deferred.text
    assert report.to_json()["deferred"][0]["until"] == resets.isoformat().replace("+00:00", "Z")
    assert report.accounts == 1 and _latest(ctx, variant.id) == {}  # no post read past the reserve
    assert recorded.paths == ["/api/v1/accounts/verify_credentials"]
    with ctx.session() as s:
        (window,) = s.scalars(select(RateWindow).where(RateWindow.account_id == masto.id)).all()
        assert (window.limit, window.remaining, window.resets_at) == (300, 59, resets)

    # Another process (a fresh context) reads the stored window and asks nothing before the reset.
    other = AppContext.open(ctx.data_dir)
    try:
        fresh = RecordedHeaders(start=300, resets_at=resets + timedelta(minutes=5))
        other.registry._instances["mastodon"] = MastodonProvider(transport=fresh)
        assert [d.until for d in sync_metrics(other, manual=True, now=now + timedelta(minutes=1)).deferred] == [resets]
        assert fresh.paths == []
        # After the reset, the window counts again from what the network says.
        after = sync_metrics(other, manual=True, now=resets + timedelta(seconds=1))
    finally:
        other.close()
    assert after.deferred == () and after.posts == 1
    assert _latest(ctx, variant.id)["likes"] == 1


def test_a_429_defers_the_account_until_retry_after(ctx: AppContext, masto: MastodonAccount) -> None:
    from tests.faults import FaultTransport

    _publish(ctx, masto.id, "slow down")
    faults = FaultTransport().respond(
        "GET",
        r"/api/v1/accounts/verify_credentials",
        status=429,
        body={"error": "Too many requests"},
        headers={"Retry-After": "120"},
    )
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=faults)
    now = datetime.now(UTC)
    report = sync_metrics(ctx, manual=True, now=now)
    assert report.ok and report.errors == ()
    (deferred,) = report.deferred
    assert deferred.until == now + timedelta(seconds=120)
    assert "asked to slow down" in deferred.text and "Too many requests" in deferred.text


# --- failures stay with their account -----------------------------------------------------------------


def test_a_failing_account_does_not_stop_the_others(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    broken = connect_mastodon(ctx, mastodon)
    ok_variant = _publish(ctx, masto.id, "still measured")
    _publish(ctx, broken.id, "token revoked later")
    mastodon.api("POST", "/oauth/revoke", data={"token": broken.token})

    report = sync_metrics(ctx, manual=True)

    assert not report.ok
    (error,) = report.errors
    assert error.account_id == broken.id and error.network == "mastodon"
    assert "reconnect" in error.text
    assert str(error) == f"Mastodon {error.handle}: {error.text}"  # a sentence naming the account
    assert "likes" in _latest(ctx, ok_variant.id)
    with ctx.session() as s:  # the metrics sync reports; it does not change the account's state
        account = s.get(Account, broken.id)
        assert account is not None and account.status is AccountStatus.CONNECTED


def test_an_account_without_credentials_is_an_error_not_a_crash(ctx: AppContext, masto: MastodonAccount) -> None:
    from desktop.services.vault import account_key

    _publish(ctx, masto.id, "no secrets")
    with ctx.session() as s:
        account = s.get(Account, masto.id)
        assert account is not None
        ctx.vault.delete(account_key(account.provider, account.server_url, account.remote_id))
    report = sync_metrics(ctx, manual=True)
    (error,) = report.errors
    assert "No saved credentials" in error.text


def test_cancel_stops_the_pass_between_requests(ctx: AppContext, masto: MastodonAccount) -> None:
    _publish(ctx, masto.id, "cancel me")
    asked: list[int] = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 1  # the first account starts; the posts' batch does not

    report = sync_metrics(ctx, manual=True, cancel=cancel)
    assert report.cancelled and report.accounts == 1 and report.posts == 0


# --- history import ---------------------------------------------------------------------------------


def _post_elsewhere(account: MastodonAccount, text: str, reply_to: str | None = None) -> str:
    data = {"status": text, **({"in_reply_to_id": reply_to} if reply_to else {})}
    r = account.server.api("POST", "/api/v1/statuses", account.token, data=data)
    r.raise_for_status()
    return str(r.json()["id"])


def test_history_import_marks_external_posts_and_is_idempotent(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    outside = _post_elsewhere(masto, "Posted from the Mastodon web app")
    _post_elsewhere(masto, "a reply under it", reply_to=outside)
    _react(mastodon, outside)
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Made in the app", thread=["part two"], now=True)
    Publisher(ctx).run_once()

    assert import_history(ctx, masto.id) == 1

    with ctx.session() as s:
        external = s.scalars(select(Post).where(Post.external.is_(True))).all()
        assert [p.text for p in external] == ["Posted from the Mastodon web app"]
        (v,) = external[0].variants
        assert v.state is VariantState.PUBLISHED and v.remote_id == outside and v.published_at is not None
        assert v.remote_parts == [{"index": 0, "remote_id": outside, "url": v.remote_url or None}]
        external_variant = v.id
    assert _latest(ctx, external_variant)["likes"] == 1  # its first snapshot came with it
    # not in the calendar, the posts list, or anywhere a post can be scheduled from
    assert [p.id for p in posts.list_posts(ctx)] == [row.id]
    window = calendar.calendar_items(ctx, datetime.now(UTC) - timedelta(days=1), datetime.now(UTC) + timedelta(days=1))
    assert {i.post_id for i in window} == {row.id}
    # again: nothing new
    assert import_history(ctx, masto.id) == 0


def test_the_first_sync_imports_history_once(ctx: AppContext, masto: MastodonAccount) -> None:
    _post_elsewhere(masto, "before the app")
    first = sync_metrics(ctx, manual=False)
    assert first.history_imported == 1
    _post_elsewhere(masto, "also outside, later")
    assert sync_metrics(ctx, manual=True).history_imported == 0  # automatic once; import_history for more
    assert import_history(ctx, masto.id) == 1


# --- the OS job's run: publishing first, then the due metrics ------------------------------------------


def test_background_run_publishes_then_reads_due_metrics(ctx: AppContext, masto: MastodonAccount) -> None:
    from desktop.services.background_job import run_job

    row = posts.schedule_post(ctx, account_ids=[masto.id], text="from the OS job", now=True)
    result = run_job(ctx)
    assert result.ok and [o.variant_id for o in result.publish.published] == [row.variants[0].id]
    assert result.metrics is not None and not result.metrics.manual
    assert result.metrics.posts == 1  # published a moment ago, never measured: due at once
    assert set(result.to_json()) == {"ok", "publish", "metrics", "metrics_note"}
    again = run_job(ctx)
    assert again.metrics is not None and again.metrics.posts == 0  # the cadence: not due for an hour


def test_background_run_leaves_metrics_to_the_next_run_when_publishing_took_the_time(
    ctx: AppContext, masto: MastodonAccount
) -> None:
    from desktop.services.background_job import METRICS_BUDGET, run_job

    posts.schedule_post(ctx, account_ids=[masto.id], text="slow minute", now=True)
    ticks = iter([0.0, METRICS_BUDGET + 1])
    result = run_job(ctx, clock=lambda: next(ticks))
    assert len(result.publish.published) == 1
    assert result.metrics is None and "next run" in result.metrics_note and result.ok


def test_latest_keeps_the_newest_reading_whatever_order_writers_finish_in(
    ctx: AppContext, masto: MastodonAccount
) -> None:
    from desktop.services.metrics.store import Reading, write_readings

    variant = _publish(ctx, masto.id, "two writers")
    with ctx.session() as s:
        write_readings(s, [Reading(masto.id, variant.id, {"likes": 5})], NOW)
    with ctx.session() as s:  # a slower pass, which read earlier, finishes later
        write_readings(s, [Reading(masto.id, variant.id, {"likes": 3, "reposts": 1})], NOW - timedelta(minutes=1))
    assert _latest(ctx, variant.id) == {"likes": 5, "reposts": 1}
    assert sorted(_history(ctx, variant.id, "likes")) == [3, 5]  # both readings stay in the history


def test_scheduled_passes_leave_a_failing_account_alone_for_a_while(
    ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer
) -> None:
    _publish(ctx, masto.id, "revoked soon")
    mastodon.api("POST", "/oauth/revoke", data={"token": masto.token})
    start = datetime.now(UTC)
    assert len(sync_metrics(ctx, manual=False, now=start).errors) == 1
    # the OS job a minute later does not ask the network again (nor report the same error again)
    quiet = sync_metrics(ctx, manual=False, now=start + timedelta(minutes=1))
    assert quiet.errors == () and quiet.ok
    # by hand it always tries; on the schedule, again after 30 minutes
    assert len(sync_metrics(ctx, manual=True, now=start + timedelta(minutes=2)).errors) == 1
    assert len(sync_metrics(ctx, manual=False, now=start + timedelta(minutes=33)).errors) == 1
