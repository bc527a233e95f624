"""A post that went out late says so in the attempt log: "due 09:00, published 09:47 after the
computer woke" when the OS says it slept through the due time, else "published 47 min late"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.services import activity, app_settings
from desktop.services.activity import attempt_log, late_note
from desktop.services.context import AppContext
from desktop.store.models import Account, AttemptOutcome, Post, PublishAttempt, Variant, VariantState

DUE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Paris
PARIS = ZoneInfo("Europe/Paris")


def _published(ctx: AppContext, *, due: datetime, out: datetime, outcome: AttemptOutcome) -> None:
    with ctx.session() as s:
        account = Account(provider="mastodon", remote_id="1", handle="@ann@example.social", server_url="http://x")
        post = Post(text="Launch day")
        s.add_all([account, post])
        s.flush()
        variant = Variant(
            post_id=post.id, account_id=account.id, state=VariantState.PUBLISHED, scheduled_at=due, published_at=out
        )
        s.add(variant)
        s.flush()
        s.add(
            PublishAttempt(
                variant_id=variant.id,
                idempotency_key=variant.idempotency_key,
                started_at=out - timedelta(seconds=2),
                finished_at=out,
                outcome=outcome,
                runner="cli 99@host",
            )
        )


@pytest.fixture
def paris(ctx: AppContext) -> AppContext:
    app_settings.put(ctx, app_settings.TIMEZONE, "Europe/Paris")
    return ctx


def test_late_after_waking_names_both_times_in_the_users_zone(
    paris: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activity, "last_wake_time", lambda: DUE + timedelta(minutes=46))
    _published(paris, due=DUE, out=DUE + timedelta(minutes=47), outcome=AttemptOutcome.PUBLISHED)
    (row,) = attempt_log(paris)
    assert row.late == "due 09:00, published 09:47 after the computer woke"
    assert row.details == row.late and row.to_json()["late"] == row.late and row.to_json()["error"] is None


def test_late_for_an_unknown_reason_says_how_late(paris: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activity, "last_wake_time", lambda: None)
    _published(paris, due=DUE, out=DUE + timedelta(minutes=47), outcome=AttemptOutcome.ALREADY_PUBLISHED)
    (row,) = attempt_log(paris)
    assert row.late == "published 47 min late"


def test_a_wake_outside_the_delay_is_not_the_cause(paris: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activity, "last_wake_time", lambda: DUE - timedelta(hours=3))
    _published(paris, due=DUE, out=DUE + timedelta(minutes=47), outcome=AttemptOutcome.PUBLISHED)
    assert attempt_log(paris)[0].late == "published 47 min late"


def test_on_time_says_nothing(paris: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activity, "last_wake_time", lambda: DUE)
    _published(paris, due=DUE, out=DUE + timedelta(minutes=5), outcome=AttemptOutcome.PUBLISHED)
    (row,) = attempt_log(paris)
    assert row.late == "" and row.details == "" and row.to_json()["late"] is None


def test_late_note_wording() -> None:
    due = DUE
    assert late_note(due, due + timedelta(minutes=5, seconds=1)) == "published 5 min late"
    assert late_note(due, due + timedelta(minutes=5)) == ""
    assert late_note(due, due + timedelta(hours=3, minutes=12)) == "published 3 h 12 min late"
    assert late_note(due, due + timedelta(hours=2)) == "published 2 h late"
    assert late_note(due, due + timedelta(days=3, hours=1)) == "published 3 days late"
    assert late_note(None, due) == "" and late_note(due, None) == ""
    # across midnight the day is named
    night = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    woke = night + timedelta(hours=9)
    assert (
        late_note(night, woke + timedelta(minutes=1), woke_at=woke, zone=PARIS)
        == "due Mon 02 Mar 23:30, published Tue 03 Mar 08:31 after the computer woke"
    )
