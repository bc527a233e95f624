"""Recurring posts keep their local wall-clock time across DST; duplicates; deletion."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from desktop.services import recurrence
from desktop.services.calendar import calendar_items
from desktop.services.context import AppContext
from desktop.services.posts import PostError, get_post, schedule_post
from desktop.store.models import Account, Post, Variant, VariantState


def add_account(ctx: AppContext, provider: str, handle: str) -> int:
    with ctx.session() as s:
        account = Account(provider=provider, remote_id=handle, handle=handle, server_url=f"https://{provider}.test")
        s.add(account)
        s.flush()
        return account.id


@pytest.fixture
def accounts(ctx: AppContext) -> list[int]:
    return [add_account(ctx, "mastodon", "@team@masto.test"), add_account(ctx, "bluesky", "team.bsky")]


def local_times(ctx: AppContext, post_ids: list[int], zone: str) -> list[tuple[str, str]]:
    """(local weekday+time, UTC hour) of each post's first variant."""
    out = []
    for pid in post_ids:
        when = get_post(ctx, pid).variants[0].scheduled_at
        assert when is not None
        out.append((when.astimezone(ZoneInfo(zone)).strftime("%a %H:%M"), when.astimezone(UTC).strftime("%H:%M")))
    return out


@pytest.mark.parametrize(
    ("zone", "first", "until", "utc_hours"),
    [
        # Paris: CET (+1) → CEST (+2) on 28 March 2027, back on 31 October 2027
        ("Europe/Paris", datetime(2027, 3, 15, 9), date(2027, 4, 5), ["08:00", "08:00", "07:00", "07:00"]),
        ("Europe/Paris", datetime(2027, 10, 18, 9), date(2027, 11, 8), ["07:00", "07:00", "08:00", "08:00"]),
        # New York: EST (-5) → EDT (-4) on 14 March 2027, back on 7 November 2027
        ("America/New_York", datetime(2027, 3, 1, 9), date(2027, 3, 22), ["14:00", "14:00", "13:00", "13:00"]),
        ("America/New_York", datetime(2027, 10, 25, 9), date(2027, 11, 15), ["13:00", "13:00", "14:00", "14:00"]),
    ],
)
def test_every_monday_0900_stays_0900_local_across_dst(
    ctx: AppContext, accounts: list[int], zone: str, first: datetime, until: date, utc_hours: list[str]
) -> None:
    start = first.replace(tzinfo=ZoneInfo(zone))
    assert start.weekday() == 0
    post = schedule_post(ctx, account_ids=accounts, text="Weekly tips", at=start, timezone=zone)
    copies = recurrence.make_recurring(ctx, post.id, 1, "weeks", until)
    assert len(copies) == 3
    assert local_times(ctx, [post.id, *copies], zone) == [
        ("Mon 09:00", utc_hours[0]),
        ("Mon 09:00", utc_hours[1]),
        ("Mon 09:00", utc_hours[2]),
        ("Mon 09:00", utc_hours[3]),
    ]
    # every copy is a real post: scheduled, same text, its own idempotency keys, one series
    series = {get_post(ctx, pid).id for pid in copies}
    with ctx.session() as s:
        rows = s.execute(select(Post.id, Post.series_id).where(Post.id.in_([post.id, *copies]))).all()
        keys = s.scalars(select(Variant.idempotency_key)).all()
    assert len({sid for _pid, sid in rows}) == 1 and rows[0][1] is not None
    assert len(keys) == len(set(keys)) == 8
    for pid in series:
        copy = get_post(ctx, pid)
        assert copy.text == "Weekly tips" and {v.state for v in copy.variants} == {"scheduled"}
        assert {v.account_id for v in copy.variants} == set(accounts)


def test_every_n_days_and_the_end_date_is_inclusive(ctx: AppContext, accounts: list[int]) -> None:
    start = datetime(2027, 5, 1, 18, 30, tzinfo=ZoneInfo("Europe/Paris"))
    post = schedule_post(ctx, account_ids=accounts[:1], text="Every 3 days", at=start, timezone="Europe/Paris")
    copies = recurrence.make_recurring(ctx, post.id, 3, "days", date(2027, 5, 10))
    days = [get_post(ctx, p).variants[0].scheduled_at.astimezone(ZoneInfo("Europe/Paris")).day for p in copies]
    assert days == [4, 7, 10]


def test_a_recurrence_needs_a_time_and_a_sane_range(ctx: AppContext, accounts: list[int]) -> None:
    draft = schedule_post(ctx, account_ids=accounts, text="No time yet", draft=True)
    with pytest.raises(PostError, match="time first"):
        recurrence.make_recurring(ctx, draft.id, 1, "weeks", date(2027, 6, 1))
    post = schedule_post(ctx, account_ids=accounts, text="x", at=datetime(2027, 5, 3, 9, tzinfo=UTC))
    with pytest.raises(PostError, match="later end date"):
        recurrence.make_recurring(ctx, post.id, 1, "weeks", date(2027, 5, 4))
    with pytest.raises(PostError, match="more than 366"):
        recurrence.make_recurring(ctx, post.id, 1, "days", date(2029, 1, 1))


def test_duplicate_as_a_draft_or_at_a_time(ctx: AppContext, accounts: list[int]) -> None:
    when = datetime(2027, 6, 7, 9, tzinfo=UTC)
    post = schedule_post(ctx, account_ids=accounts, text="Original", text_for={accounts[1]: "Short"}, at=when)
    draft = get_post(ctx, recurrence.duplicate_post(ctx, post.id))
    assert draft.id != post.id and draft.text == "Original" and draft.status == "draft"
    assert [(v.state, v.scheduled_at, v.text) for v in draft.variants] == [
        ("draft", when, "Original"),
        ("draft", when, "Short"),
    ]
    later = datetime(2027, 6, 8, 12, tzinfo=UTC)
    scheduled = get_post(ctx, recurrence.duplicate_post(ctx, post.id, at=later))
    assert {(v.state, v.scheduled_at) for v in scheduled.variants} == {("scheduled", later)}


def test_delete_refuses_while_publishing_and_keeps_published_on_the_network(
    ctx: AppContext, accounts: list[int]
) -> None:
    post = schedule_post(ctx, account_ids=accounts, text="Going out", at=datetime(2027, 6, 7, 9, tzinfo=UTC))
    masto, sky = (v.id for v in post.variants)
    with ctx.session() as s:
        s.execute(update(Variant).where(Variant.id == masto).values(state=VariantState.PUBLISHING))
    with pytest.raises(PostError, match="being published right now"):
        recurrence.delete_post(ctx, post.id)
    assert get_post(ctx, post.id).id == post.id
    with ctx.session() as s:
        s.execute(update(Variant).where(Variant.id == masto).values(state=VariantState.PUBLISHED))
    deleted = recurrence.delete_post(ctx, post.id)
    assert deleted.post_ids == (post.id,) and deleted.published_kept == 1
    assert "stay on the network" in deleted.note
    with ctx.session() as s:
        assert s.scalars(select(Variant.id).where(Variant.id.in_([masto, sky]))).all() == []


def test_delete_series_removes_this_and_following(ctx: AppContext, accounts: list[int]) -> None:
    start = datetime(2027, 6, 7, 9, tzinfo=ZoneInfo("Europe/Paris"))
    post = schedule_post(ctx, account_ids=accounts, text="Weekly", at=start, timezone="Europe/Paris")
    copies = recurrence.make_recurring(ctx, post.id, 1, "weeks", date(2027, 7, 5))
    assert len(copies) == 4
    (series,) = {i.series_id for i in calendar_items(ctx, start, datetime(2027, 8, 1, tzinfo=UTC))}
    assert series is not None
    deleted = recurrence.delete_series(ctx, series, copies[1])
    assert deleted.post_ids == tuple(copies[1:])
    assert recurrence.series_post_ids(ctx, series) == [post.id, copies[0]]
    with pytest.raises(PostError, match="not part of this series"):
        recurrence.delete_series(ctx, series, copies[2])
