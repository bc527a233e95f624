"""Exactly once, part by part: the audit's findings, each reproduced against the loopback Mastodon
server with a fault-injecting transport and a fake clock (tests/faults.py)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.services import compose, posts, recurrence, transitions
from desktop.services.accounts import open_account, set_paused
from desktop.services.context import AppContext
from desktop.services.publisher import MAX_RETRY_AFTER, PassReport, Publisher
from desktop.store.models import Account, Post, PublishAttempt, Variant, VariantState
from providers.mastodon import MastodonProvider
from tests.e2e.test_cli_publishing import PNG_1x1
from tests.faults import FakeClock, FaultTransport
from tests.services.conftest import MastodonAccount
from tests.services.test_publisher import _variant

STATUSES = r"/api/v1/statuses"
THREAD = ["First part of the thread.", "Second part, replying.", "Third and last part."]


@pytest.fixture
def faults(ctx: AppContext) -> FaultTransport:
    """Every Mastodon call of this test's app goes through a FaultTransport."""
    transport = FaultTransport()
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=transport)
    return transport


@pytest.fixture
def clock() -> FakeClock:
    # a little ahead of the real clock, so posts scheduled "now" by the test are due
    return FakeClock(datetime.now(UTC) + timedelta(seconds=5))


def _thread(ctx: AppContext, account_id: int, parts: list[str] = THREAD) -> posts.PostRow:
    return posts.schedule_post(ctx, account_ids=[account_id], text=parts[0], thread=parts[1:], now=True)


def _chain(masto: MastodonAccount, texts: list[str]) -> list[dict]:
    """The account's statuses matching ``texts``, oldest first; asserts each text is there once."""
    statuses = list(reversed(masto.statuses()))
    found = []
    for text in texts:
        matching = [st for st in statuses if text in st["content"]]
        assert len(matching) == 1, f"{text!r} is on the server {len(matching)} times"
        found.append(matching[0])
    return found


def _assert_chained(chain: list[dict]) -> None:
    assert chain[0]["in_reply_to_id"] is None
    for parent, child in itertools.pairwise(chain):
        assert child["in_reply_to_id"] == parent["id"]


# --- 1. parts lost behind a "published" label ------------------------------------------------------


def test_retry_past_the_key_window_resumes_after_the_live_part(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = _thread(ctx, masto.id)
    faults.respond("POST", STATUSES, nth=2, status=429, headers={"Retry-After": "3600"}, body={"error": "Too many"})
    first = Publisher(ctx, clock=clock).run_once()
    assert [o.state for o in first.outcomes] == ["retrying"]
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.RETRYING and len(v.remote_parts) == 1  # part 1 saved the moment it went out
    assert "Part 1 is live" in v.last_error

    clock.advance(hours=2)  # past Mastodon's one-hour memory of the key
    second = Publisher(ctx, clock=clock).run_once()
    assert [o.state for o in second.outcomes] == ["published"]
    v = _variant(ctx, row.variants[0].id)
    chain = _chain(masto, THREAD)
    _assert_chained(chain)
    assert [p["remote_id"] for p in v.remote_parts] == [st["id"] for st in chain]
    assert [p["index"] for p in v.remote_parts] == [0, 1, 2]


def test_app_closed_overnight_mid_thread_resumes_without_doubling(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = _thread(ctx, masto.id)
    # part 2 reaches the server but its reply is lost, and the process dies before noticing
    faults.lose_reply("POST", STATUSES, nth=2)
    publisher = Publisher(ctx, clock=clock)
    (job,) = publisher._claim_due(PassReport())
    with pytest.raises(Exception):  # noqa: B017 - the lost reply surfaces as a transport error
        publisher._publish(open_account(ctx, masto.id), job)
    # ... nothing is written back: the claim stays, as after a kill
    assert _variant(ctx, row.variants[0].id).state is VariantState.PUBLISHING
    assert len(_variant(ctx, row.variants[0].id).remote_parts) == 1

    clock.advance(hours=12)  # next morning: the lease has long expired, the key is forgotten
    report = Publisher(ctx, clock=clock).run_once()
    assert [(o.state, o.reconciled) for o in report.outcomes] == [("published", True)]
    chain = _chain(masto, THREAD)  # part 2 was found on the network, not sent again
    _assert_chained(chain)
    assert [p["remote_id"] for p in _variant(ctx, row.variants[0].id).remote_parts] == [st["id"] for st in chain]


# --- 2. a thread that fails partway keeps its live parts --------------------------------------------


def test_refused_part_leaves_a_partially_live_thread_then_an_edit_resumes_it(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = _thread(ctx, masto.id)
    faults.respond("POST", STATUSES, nth=2, status=422, body={"error": "Validation failed: Text is invalid"})
    report = Publisher(ctx, clock=clock).run_once()
    assert [o.state for o in report.outcomes] == ["partially_live"]
    assert report.to_json()["failed"][0]["parts"][0]["index"] == 0
    listed = posts.get_post(ctx, row.id)
    assert listed.status == "partially_published"
    assert [p.index for p in listed.variants[0].parts] == [0]
    assert listed.variants[0].to_json()["parts"][0]["url"]
    assert "already public" in posts.live_parts_note(listed)

    # the live part cannot be edited; the parts after it can
    doc = compose.load_post(ctx, row.id)
    doc.overrides[masto.id] = compose.Override(parts=["Changed first part", *THREAD[1:]])
    with pytest.raises(posts.PostError, match="already public"):
        compose.schedule(ctx, doc, compose.When(now=True))
    edited = [THREAD[0], "Second part, rewritten.", THREAD[2]]
    doc.overrides[masto.id] = compose.Override(parts=edited)
    compose.schedule(ctx, doc, compose.When(now=True))

    report = Publisher(ctx, clock=clock).run_once()
    assert [o.state for o in report.outcomes] == ["published"]
    chain = _chain(masto, edited)
    _assert_chained(chain)
    assert not [st for st in masto.statuses() if "Second part, replying." in st["content"]]


def test_cancel_of_a_partially_live_thread_says_what_is_public(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = _thread(ctx, masto.id)
    faults.respond("POST", STATUSES, nth=2, status=422, body={"error": "Validation failed"})
    Publisher(ctx, clock=clock).run_once()
    after, changed = posts.cancel_post(ctx, row.id)
    assert changed == 1 and after.variants[0].state == "cancelled"
    assert after.variants[0].parts  # the live part is still tracked after cancelling
    assert "part 1 already public" in posts.live_parts_note(after)
    deleted = recurrence.delete_post(ctx, row.id)
    assert deleted.published_kept == 1 and "stay on the network" in deleted.note


# --- 3. writes that overwrite a claim ----------------------------------------------------------------


def test_cancel_racing_a_claim_never_overwrites_it(ctx: AppContext, masto: MastodonAccount, clock: FakeClock) -> None:
    row = _thread(ctx, masto.id, ["Single post"])
    publisher = Publisher(ctx, clock=clock)
    (job,) = publisher._claim_due(PassReport())  # the claim lands first...
    _, changed = posts.cancel_post(ctx, row.id)  # ...then the user's cancel
    assert changed == 0
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.PUBLISHING and v.claimed_by == publisher.me
    outcome = publisher._process(job)
    assert outcome.state == "published" and not outcome.conflict
    assert _variant(ctx, row.variants[0].id).state is VariantState.PUBLISHED


def test_a_composer_save_racing_a_claim_is_refused_in_words(
    ctx: AppContext, masto: MastodonAccount, clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Original", now=True)
    doc = compose.load_post(ctx, row.id)
    doc.parts = ["Edited while it went out"]
    publisher = Publisher(ctx, clock=clock)
    (job,) = publisher._claim_due(PassReport())
    with pytest.raises(transitions.Conflict, match="changed while you were editing"):
        compose.save_draft(ctx, doc)
    with pytest.raises(transitions.Conflict):
        compose.schedule(ctx, doc, compose.When(now=True))
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.PUBLISHING and v.claimed_by == publisher.me
    assert publisher._process(job).state == "published"
    assert "Original" in masto.statuses()[0]["content"]


def test_finish_after_losing_the_claim_records_the_post_and_reports_a_conflict(
    ctx: AppContext, masto: MastodonAccount, clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Taken over", now=True)
    slow = Publisher(ctx, clock=clock)
    (job,) = slow._claim_due(PassReport())
    clock.advance(minutes=30)  # the lease ran out (no renewal: the process was frozen)
    other = Publisher(ctx, clock=clock)
    (stolen,) = other._claim_stale()
    outcome = slow._process(job)
    assert outcome.conflict and "changed elsewhere" in outcome.error
    v = _variant(ctx, row.variants[0].id)
    assert v.remote_id and v.remote_parts  # the fact is recorded whatever the state
    assert other._process(stolen).state == "published"  # the rightful owner finds it, sends nothing
    assert len(masto.statuses()) == 1


# --- 4. a pass cannot crash -------------------------------------------------------------------------


def _orphan_variant(ctx: AppContext, network: str, state: VariantState = VariantState.SCHEDULED, **kw: object) -> int:
    with ctx.session() as s:
        account = Account(provider=network, remote_id="x1", handle="@ghost", server_url="https://threads.example")
        post = Post(text="From a plugin that is gone")
        s.add_all([account, post])
        s.flush()
        v = Variant(post=post, account=account, state=state, scheduled_at=ctx_now(), **kw)
        s.add(v)
        s.flush()
        return v.id


def ctx_now():
    from desktop.store.models import utcnow

    return utcnow() - timedelta(minutes=1)


def test_a_missing_plugin_fails_the_variant_in_words_and_the_pass_goes_on(
    ctx: AppContext, masto: MastodonAccount
) -> None:
    orphan = _orphan_variant(ctx, "ghostnet")  # no such plugin (threads is a real one now)
    fine = posts.schedule_post(ctx, account_ids=[masto.id], text="Still goes out", now=True)
    for _ in range(3):
        Publisher(ctx).run_once()
    v = _variant(ctx, orphan)
    assert v.state is VariantState.FAILED and "The Ghostnet plugin is not installed" in v.last_error
    assert v.attempt_count == 0  # never claimed, so never re-claimed
    assert _variant(ctx, fine.variants[0].id).state is VariantState.PUBLISHED


@pytest.mark.parametrize("retry_after", ["inf", "1e12", "nan", "-5"])
def test_absurd_retry_after_is_capped(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock, retry_after: str
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Rate limited", now=True)
    faults.respond("POST", STATUSES, status=429, headers={"Retry-After": retry_after}, body={"error": "Slow down"})
    (outcome,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert outcome.state == "retrying"
    v = _variant(ctx, row.variants[0].id)
    assert v.next_attempt_at is not None
    assert clock.now < v.next_attempt_at <= clock.now + timedelta(seconds=MAX_RETRY_AFTER * 1.1)


def test_attempt_budget_is_enforced_at_claim_and_a_manual_retry_gets_a_fresh_one(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Keeps failing", now=True)
    faults.respond("POST", STATUSES, status=503, body={"error": "down"}, times=100)
    publisher = Publisher(ctx, clock=clock, max_attempts=3)
    states = []
    for _ in range(6):
        states += [o.state for o in publisher.run_once().outcomes]
        clock.advance(hours=1)
    assert states == ["retrying", "retrying", "failed"]
    v = _variant(ctx, row.variants[0].id)
    assert v.attempt_count == 3 and "Gave up after 3 attempts" in v.last_error
    with ctx.session() as s:
        assert len(s.scalars(select(PublishAttempt)).all()) == 3

    _, changed = posts.retry_post(ctx, row.id, clock=clock.now)
    assert changed == 1 and _variant(ctx, row.variants[0].id).attempt_count == 0
    states = []
    for _ in range(6):
        states += [o.state for o in publisher.run_once().outcomes]
        clock.advance(hours=1)
    assert states == ["retrying", "retrying", "failed"]  # a whole new budget, not a single try


def test_an_exhausted_variant_left_due_is_failed_not_claimed(ctx: AppContext, masto: MastodonAccount) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Out of budget", now=True)
    with ctx.session() as s:
        transitions.move(s, row.variants[0].id, expected={VariantState.SCHEDULED}, values={"attempt_count": 8})
    (outcome,) = Publisher(ctx).run_once().outcomes
    assert outcome.state == "failed" and "Gave up after 8 attempts" in outcome.error
    assert masto.statuses() == []


# --- 5. orphans on paused or disconnected accounts --------------------------------------------------


def test_a_stale_claim_on_a_paused_account_becomes_outcome_unknown(
    ctx: AppContext, masto: MastodonAccount, clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Interrupted", now=True)
    (_job,) = Publisher(ctx, clock=clock)._claim_due(PassReport())  # claimed, then the process "dies"
    set_paused(ctx, masto.id, True)
    clock.advance(hours=1)
    report = Publisher(ctx, clock=clock).run_once()
    assert [o.state for o in report.outcomes] == ["outcome_unknown"]
    assert not report.ok and report.to_json()["failed"][0]["state"] == "outcome_unknown"
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.OUTCOME_UNKNOWN and "Check the post on the network" in v.last_error
    assert v.claimed_by == ""
    # cancel and delete work from there
    _, changed = posts.cancel_post(ctx, row.id)
    assert changed == 1
    recurrence.delete_post(ctx, row.id)


def test_outcome_unknown_retried_after_resume_finds_the_post_instead_of_resending(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Did it go out?", now=True)
    faults.lose_reply("POST", STATUSES)
    publisher = Publisher(ctx, clock=clock)
    (job,) = publisher._claim_due(PassReport())
    with pytest.raises(Exception):  # noqa: B017
        publisher._publish(open_account(ctx, masto.id), job)
    set_paused(ctx, masto.id, True)
    clock.advance(hours=2)
    Publisher(ctx, clock=clock).run_once()
    assert _variant(ctx, row.variants[0].id).state is VariantState.OUTCOME_UNKNOWN
    set_paused(ctx, masto.id, False)
    posts.retry_post(ctx, row.id, clock=clock.now)
    (outcome,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert outcome.state == "published"
    assert len(masto.statuses()) == 1


def test_the_lease_is_renewed_during_a_long_publish(ctx: AppContext, masto: MastodonAccount) -> None:
    import threading
    import time

    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Slow upload", now=True)
    publisher = Publisher(ctx, lease=timedelta(seconds=0.6))
    original = MastodonProvider.publish
    renewed: list[object] = []
    seen = threading.Event()

    def slow(self, conn, post, key, **kw):  # type: ignore[no-untyped-def]
        first = _variant(ctx, row.variants[0].id).claimed_at
        time.sleep(1.0)  # several renewal ticks
        renewed.append((first, _variant(ctx, row.variants[0].id).claimed_at))
        seen.set()
        return original(self, conn, post, key, **kw)

    MastodonProvider.publish = slow  # type: ignore[method-assign]
    try:
        report = publisher.run_once()
    finally:
        MastodonProvider.publish = original  # type: ignore[method-assign]
    assert seen.is_set() and [o.state for o in report.outcomes] == ["published"]
    ((before, after),) = renewed
    assert before is not None and after is not None and after > before


# --- the publish-due --json shape -------------------------------------------------------------------


def test_pass_report_json_lists_parts_and_conflicts(ctx: AppContext, masto: MastodonAccount) -> None:
    _thread(ctx, masto.id, ["One", "Two"])
    data = Publisher(ctx).run_once().to_json()
    json.dumps(data)
    (published,) = data["published"]
    assert [p["index"] for p in published["parts"]] == [0, 1]
    assert all(p["remote_id"] and p["url"] for p in published["parts"])
    assert data["conflicts"] == []


def test_a_media_file_gone_from_the_data_dir_fails_the_variant_in_words(
    ctx: AppContext, masto: MastodonAccount, tmp_path: Path
) -> None:
    image = tmp_path / "square.png"
    image.write_bytes(PNG_1x1)
    posts.schedule_post(
        ctx, account_ids=[masto.id], text="With a picture", media=[posts.MediaSpec(image, "A square")], now=True
    )
    for stored in (ctx.data_dir / "media").rglob("*.png"):
        stored.unlink()  # someone cleaned the data dir by hand
    (outcome,) = Publisher(ctx).run_once().outcomes
    assert outcome.state == "failed" and "cannot be read" in outcome.error
    assert Publisher(ctx).run_once().outcomes == []  # not claimed again and again
    assert masto.statuses() == []


def test_an_edit_after_an_unknown_outcome_is_never_silently_dropped(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Fist draft with a typo", now=True)
    faults.lose_reply("POST", STATUSES)  # it went out, but we never heard
    (first,) = Publisher(ctx).run_once().outcomes
    assert first.state == "retrying"
    doc = compose.load_post(ctx, row.id)
    doc.parts = ["First draft, typo fixed"]
    compose.schedule(ctx, doc, compose.When(now=True))
    (second,) = Publisher(ctx).run_once().outcomes
    assert second.state == "published"
    assert "went out before your last edit" in second.error  # said, not silent
    (status,) = masto.statuses()  # and still only one post
    assert "Fist draft" in status["content"]
    assert "went out before your last edit" in posts.get_post(ctx, row.id).variants[0].error


# --- missed while asleep ----------------------------------------------------------------------------


def test_a_post_that_went_out_late_says_so(
    ctx: AppContext, masto: MastodonAccount, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.services import background_job
    from desktop.ui.publishing.tray import late_message

    due = clock.now
    posts.schedule_post(ctx, account_ids=[masto.id], text="Due before the laptop slept", at=due)
    clock.advance(minutes=47)  # the computer slept through it
    monkeypatch.setattr(background_job, "last_wake_time", lambda **_kw: due + timedelta(minutes=46))
    (outcome,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert outcome.state == "published"
    assert outcome.late.startswith("due ") and outcome.late.endswith("after the computer woke")
    assert outcome.to_json()["late"] == outcome.late
    title, body = late_message([outcome])
    assert title.startswith("Posted late to") and "after the computer woke" in body

    monkeypatch.setattr(background_job, "last_wake_time", lambda **_kw: None)  # cause unknown
    posts.schedule_post(ctx, account_ids=[masto.id], text="Also late", at=clock.now)
    clock.advance(minutes=20)
    (outcome,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert outcome.late == "published 20 min late"


def test_a_post_on_time_has_no_lateness(ctx: AppContext, masto: MastodonAccount, clock: FakeClock) -> None:
    posts.schedule_post(ctx, account_ids=[masto.id], text="On time", at=clock.now)
    clock.advance(minutes=1)
    (outcome,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert outcome.late == "" and outcome.to_json()["late"] is None


def test_an_edit_after_an_unknown_outcome_past_the_key_window_is_not_posted_beside_it(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Version one", now=True)
    faults.lose_reply("POST", STATUSES)
    (first,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert first.state == "retrying"
    doc = compose.load_post(ctx, row.id)
    doc.parts = ["Version two"]
    compose.schedule(ctx, doc, compose.When(now=True))
    clock.advance(hours=3)  # Mastodon has forgotten the key: only a lookup can tell
    (second,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert second.state == "published" and "went out before your last edit" in second.error
    (status,) = masto.statuses()  # one post, the earlier one, tracked
    assert "Version one" in status["content"]
    assert _variant(ctx, row.variants[0].id).remote_id == status["id"]


def test_cancelling_after_an_unknown_outcome_still_finds_the_live_post(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Timed out, then cancelled", now=True)
    faults.lose_reply("POST", STATUSES)
    assert [o.state for o in Publisher(ctx, clock=clock).run_once().outcomes] == ["retrying"]
    _, changed = posts.cancel_post(ctx, row.id)
    assert changed == 1
    clock.advance(minutes=1)
    (found,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert found.state == "published" and found.reconciled
    assert "already published it" in found.error and "delete it there" in found.error
    (status,) = masto.statuses()
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.PUBLISHED and v.remote_id == status["id"]
    assert Publisher(ctx, clock=clock).run_once().outcomes == []  # asked once, not every pass


def test_cancelling_a_post_that_never_reached_the_network_asks_nothing(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Never sent", at=clock.now + timedelta(hours=1))
    posts.cancel_post(ctx, row.id)
    clock.advance(hours=2)
    assert Publisher(ctx, clock=clock).run_once().outcomes == []
    assert faults.calls == []  # no attempt was ever made: nothing to ask the network
    assert _variant(ctx, row.variants[0].id).state is VariantState.CANCELLED


def test_a_shared_text_edit_racing_a_claim_inside_the_save_is_refused(
    ctx: AppContext, masto: MastodonAccount, clock: FakeClock
) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    row = posts.schedule_post(ctx, account_ids=[masto.id], text="original", now=True)
    doc = compose.load_post(ctx, row.id)
    doc.parts = ["edited"]
    publisher = Publisher(ctx, clock=clock)
    claimed: list[object] = []

    def claim_first(session: Session, *_args: object) -> None:
        if not claimed:  # the publisher's claim lands between the composer's read and its write
            claimed.extend(publisher._claim_due(PassReport()))

    event.listen(Session, "before_flush", claim_first)
    try:
        with pytest.raises(transitions.Conflict):
            compose.schedule(ctx, doc, compose.When(at=doc.at), clock=clock.now)
    finally:
        event.remove(Session, "before_flush", claim_first)
    (job,) = claimed
    assert publisher._process(job).state == "published"  # type: ignore[arg-type]
    with ctx.session() as s:
        assert s.get(Post, row.id).text == "original"  # type: ignore[union-attr]
    assert "original" in masto.statuses()[0]["content"]


def test_a_part_found_with_its_earlier_text_is_remembered_across_attempts(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    """Found by the soak: part 1 went out unheard, the user edited the thread, part 2 then timed
    out too; the attempt after that must still know part 1 carries the earlier text."""
    row = _thread(ctx, masto.id)
    faults.lose_reply("POST", STATUSES)  # part 1, old text, unheard
    assert [o.state for o in Publisher(ctx, clock=clock).run_once().outcomes] == ["retrying"]
    edited = [f"{t} (edited)" for t in THREAD]
    doc = compose.load_post(ctx, row.id)
    doc.parts = edited
    compose.schedule(ctx, doc, compose.When(now=True))
    faults.lose_reply("POST", STATUSES)  # the next POST is part 2 (part 1 is found, not sent): unheard too
    clock.advance(minutes=1)
    (second,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert second.state == "retrying" and [p.index for p in second.parts] == [0]
    clock.advance(hours=1)
    (third,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert third.state == "published"
    assert "part 1 went out before your last edit" in third.error
    chain = _chain(masto, [THREAD[0], *edited[1:]])  # each once: the earlier part 1, the edited rest
    _assert_chained(chain)
    assert len(masto.statuses()) == 3


def test_a_busy_database_at_claim_time_skips_the_variant_for_this_pass(
    ctx: AppContext, masto: MastodonAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Waits for a busy database", now=True)
    publisher = Publisher(ctx)
    real_claim = publisher._claim

    def busy(*_a: object, **_kw: object) -> None:
        raise OperationalError("UPDATE variants SET …", {"secret": 1}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(publisher, "_claim", busy)
    assert publisher.run_once().outcomes == []  # nothing failed, nothing crashed
    assert _variant(ctx, row.variants[0].id).state is VariantState.SCHEDULED
    monkeypatch.setattr(publisher, "_claim", real_claim)
    assert [o.state for o in publisher.run_once().outcomes] == ["published"]


def test_removing_an_account_while_its_post_goes_out_is_refused(
    ctx: AppContext, masto: MastodonAccount, clock: FakeClock
) -> None:
    from desktop.services import accounts

    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Going out", now=True)
    publisher = Publisher(ctx, clock=clock)
    (job,) = publisher._claim_due(PassReport())
    with pytest.raises(accounts.AccountError, match="being published right now"):
        accounts.remove_account(ctx, masto.id)
    assert ctx.vault.load(accounts.open_account(ctx, masto.id).vault_key) is not None  # secrets kept
    assert publisher._process(job).state == "published"
    assert _variant(ctx, row.variants[0].id).remote_id
    removed = accounts.remove_account(ctx, masto.id)  # once it is out, removal goes ahead
    assert removed.variants_removed == 1 and removed.keyring_entry_deleted


def test_a_reconnect_during_an_attempt_is_not_undone_by_its_auth_failure(
    ctx: AppContext, masto: MastodonAccount, clock: FakeClock
) -> None:
    from desktop.services import accounts
    from desktop.store.models import AccountStatus, utcnow

    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Signed in again meanwhile", now=True)
    publisher = Publisher(ctx, clock=clock)
    (job,) = publisher._claim_due(PassReport())
    with ctx.session() as s:
        reconnected_at = s.get(Account, masto.id).updated_at  # type: ignore[union-attr]
    opened = reconnected_at - timedelta(seconds=1)  # the attempt read the credentials, then the user reconnected
    outcome = publisher._needs_reconnect(job, "The access token was revoked", opened)
    assert outcome.state == "retrying" and "signed in again" in outcome.error
    assert accounts.list_accounts(ctx)[0].status == AccountStatus.CONNECTED.value
    assert _variant(ctx, row.variants[0].id).state is VariantState.RETRYING

    clock.advance(minutes=5)
    (job,) = publisher._claim_due(PassReport())
    outcome = publisher._needs_reconnect(job, "The access token was revoked", utcnow())  # nothing changed since
    assert outcome.state == "needs_reconnect"
    assert accounts.list_accounts(ctx)[0].status == AccountStatus.NEEDS_RECONNECT.value


def test_a_check_cut_short_is_asked_again_later(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    """Found by the soak: a publisher killed while asking the network about a cancelled post must
    not take the question with it."""
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Cancelled, then the checker died", now=True)
    faults.lose_reply("POST", STATUSES)
    Publisher(ctx, clock=clock).run_once()
    posts.cancel_post(ctx, row.id)
    faults.respond("GET", r"/api/v1/accounts/\d+/statuses", status=503, body={"error": "down"})  # the check fails
    clock.advance(seconds=1)
    assert Publisher(ctx, clock=clock).run_once().outcomes == []
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.CANCELLED and v.next_attempt_at is not None  # still to be asked
    assert Publisher(ctx, clock=clock).run_once().outcomes == []  # not again at once
    clock.advance(minutes=16)
    (found,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert found.state == "published" and found.reconciled
    assert _variant(ctx, row.variants[0].id).next_attempt_at is None
