"""Posting queues: weekly slots in local time, next free slot, add to queue, recompute, shuffle."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from desktop.services import slots
from desktop.services.context import AppContext
from desktop.services.posts import get_post, schedule_post
from desktop.services.slots import QueueError
from desktop.store.models import Account

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)  # Monday 7 June 2027, 08:00 in Paris


def add_account(ctx: AppContext, provider: str = "mastodon", handle: str = "@q@masto.test") -> int:
    with ctx.session() as s:
        account = Account(provider=provider, remote_id=handle, handle=handle, server_url=f"https://{provider}.test")
        s.add(account)
        s.flush()
        return account.id


def paris(row: slots.QueuedVariant) -> str:
    return row.at.astimezone(PARIS).strftime("%a %d %H:%M")


def test_set_and_list_slots(ctx: AppContext) -> None:
    account = add_account(ctx)
    rows = slots.set_slots(ctx, account, [(2, time(17, 0)), (0, time(9, 0, 30)), (0, time(9, 0))], "Europe/Paris")
    assert [(r.label, r.timezone) for r in rows] == [("Mon 09:00", "Europe/Paris"), ("Wed 17:00", "Europe/Paris")]
    assert slots.list_slots(ctx, account) == rows
    assert slots.set_slots(ctx, account, [], "Europe/Paris") == []
    with pytest.raises(QueueError, match="Unknown time zone"):
        slots.set_slots(ctx, account, [(0, time(9))], "Mars/Olympus")
    with pytest.raises(QueueError, match="Weekday 7"):
        slots.set_slots(ctx, account, [(7, time(9))], "UTC")


def test_add_to_queue_takes_the_next_free_slot(ctx: AppContext) -> None:
    account = add_account(ctx)
    slots.set_slots(ctx, account, [(0, time(9)), (2, time(17))], "Europe/Paris")
    first = schedule_post(ctx, account_ids=[account], text="one", draft=True)
    second = schedule_post(ctx, account_ids=[account], text="two", draft=True)
    assert [paris(q) for q in slots.add_to_queue(ctx, first.id, clock=NOW)] == ["Mon 07 09:00"]
    assert [paris(q) for q in slots.add_to_queue(ctx, second.id, clock=NOW)] == ["Wed 09 17:00"]
    assert get_post(ctx, second.id).status == "scheduled"
    # re-queueing a post does not count its own slot as taken
    assert [paris(q) for q in slots.add_to_queue(ctx, first.id, clock=NOW)] == ["Mon 07 09:00"]


def test_add_to_queue_without_slots_says_what_to_do(ctx: AppContext) -> None:
    account = add_account(ctx)
    post = schedule_post(ctx, account_ids=[account], text="one", draft=True)
    with pytest.raises(QueueError, match="add slots first"):
        slots.add_to_queue(ctx, post.id, clock=NOW)
    assert get_post(ctx, post.id).status == "draft"


def test_recompute_moves_upcoming_posts_onto_new_slots_in_order(ctx: AppContext) -> None:
    account = add_account(ctx)
    slots.set_slots(ctx, account, [(0, time(9)), (2, time(17))], "Europe/Paris")
    posts = [schedule_post(ctx, account_ids=[account], text=f"p{i}", draft=True).id for i in range(3)]
    for pid in posts:
        slots.add_to_queue(ctx, pid, clock=NOW)
    slots.set_slots(ctx, account, [(1, time(12)), (4, time(8, 30))], "Europe/Paris")
    moved = slots.recompute_queue(ctx, account, clock=NOW)
    assert [(q.post_id, paris(q)) for q in moved] == [
        (posts[0], "Tue 08 12:00"),
        (posts[1], "Fri 11 08:30"),
        (posts[2], "Tue 15 12:00"),
    ]
    upcoming = slots.upcoming_queue(ctx, account, clock=NOW)
    assert [(u.text, u.on_slot) for u in upcoming] == [("p0", True), ("p1", True), ("p2", True)]


def test_shuffle_reorders_over_the_same_slots(ctx: AppContext) -> None:
    account = add_account(ctx)
    slots.set_slots(ctx, account, [(d, time(10)) for d in range(7)], "Europe/Paris")
    posts = [schedule_post(ctx, account_ids=[account], text=f"p{i}", draft=True).id for i in range(6)]
    for pid in posts:
        slots.add_to_queue(ctx, pid, clock=NOW)
    before = [paris(q) for q in slots.upcoming_queue(ctx, account, clock=NOW)]
    shuffled = slots.shuffle_queue(ctx, account, random.Random(7), clock=NOW)
    assert [paris(q) for q in shuffled] == before  # the same slots…
    assert [q.post_id for q in shuffled] != posts  # …in another order
    assert sorted(q.post_id for q in shuffled) == posts


def test_a_post_scheduled_off_slot_is_shown_as_such(ctx: AppContext) -> None:
    account = add_account(ctx)
    slots.set_slots(ctx, account, [(0, time(9))], "Europe/Paris")
    schedule_post(ctx, account_ids=[account], text="launch", at=datetime(2027, 6, 8, 15, 17, tzinfo=UTC))
    (row,) = slots.upcoming_queue(ctx, account, clock=NOW)
    assert not row.on_slot
    with pytest.raises(QueueError, match="no queue slots"):
        slots.recompute_queue(ctx, add_account(ctx, "bluesky", "other.bsky"), clock=NOW)
