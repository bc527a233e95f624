"""A day's chips: one per post per minute, those that need the user first, built as far as shown."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.services.calendar_rows import CalendarItem
from desktop.ui.calendar.chips import ATTENTION, DayChips

DAY = datetime(2027, 3, 10, 6, tzinfo=UTC)


def item(variant_id: int, post_id: int, when: datetime, state: str = "scheduled") -> CalendarItem:
    status = "failed" if state in ATTENTION else ("published" if state == "published" else "scheduled")
    return CalendarItem(
        variant_id, post_id, variant_id % 3 + 1, "mastodon", f"@a{variant_id % 3}", None, None, None, state, status,
        when, f"Post {post_id}", None, "",
    )  # fmt: skip


def expected(items: list[CalendarItem]) -> tuple[list[tuple[int, ...]], int]:
    """The chips (their variant ids) as the calendar promises them, worked out the plain way."""
    groups: dict[tuple[int, datetime], list[int]] = {}
    urgent: dict[tuple[int, datetime], None] = {}
    for i in items:
        key = (i.post_id, i.when.replace(second=0, microsecond=0))
        groups.setdefault(key, []).append(i.variant_id)
        if i.state in ATTENTION:
            urgent[key] = None
    order = list(urgent) + [k for k in groups if k not in urgent]
    return [tuple(groups[k]) for k in order], len(urgent)


def test_a_post_published_seconds_apart_on_two_accounts_is_one_chip() -> None:
    items = [
        item(1, 10, DAY, "published"),
        item(2, 11, DAY),
        item(3, 10, DAY + timedelta(seconds=20), "published"),
        item(4, 10, DAY + timedelta(hours=1)),
        item(5, 12, DAY + timedelta(hours=2), "failed"),
    ]
    day = DayChips(items)
    assert day.count == 4 and day.pinned == 1
    assert [c.variant_ids for c in day.all()] == [(5,), (1, 3), (2,), (4,)]  # the failed one first
    assert [c.variant_ids for c in day.by_time()] == [(1, 3), (2,), (4,), (5,)]
    assert [c.variant_ids for c in day.first(2)] == [(5,), (1, 3)]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("shuffled", [False, True], ids=["in_time_order", "any_order"])
def test_chips_match_the_plain_grouping(seed: int, shuffled: bool) -> None:
    """A busy day (a month view builds a few chips, a week view all of them), in time order as
    the service returns it, or in any order."""
    rng = random.Random(seed)
    items = []
    for n in range(300):
        when = DAY + timedelta(minutes=15 * rng.randrange(40), seconds=rng.choice([0, 0, 0, 12, 40]))
        items.append(item(n, rng.randrange(120), when, rng.choice(["scheduled"] * 6 + ["failed", "published"])))
    items.sort(key=lambda i: (i.when, i.variant_id))
    if shuffled:
        rng.shuffle(items)
    chips, pinned = expected(items)
    few = DayChips(items)
    assert (few.count, few.pinned) == (len(chips), pinned)
    assert [c.variant_ids for c in few.first(4)] == chips[:4]
    assert [c.variant_ids for c in few.all()] == chips
    assert [c.variant_ids for c in DayChips(items).all()] == chips


@pytest.mark.parametrize("day", [date(2027, 3, 28), date(2027, 10, 31), date(2027, 3, 10)], ids=str)
def test_chips_fall_in_their_local_hour_on_dst_days(day: date) -> None:
    """The week view's hour rows (Paris: 02:00 is skipped in March and comes twice in October)."""
    zone = ZoneInfo("Europe/Paris")
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    items, when, n = [], start, 0
    while when < end:
        items.append(item(n, n // 2, when, "failed" if n % 5 == 0 else "scheduled"))
        when += timedelta(minutes=20)
        n += 1
    hours = [datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC) for hour in range(24)]
    slots = DayChips(items).by_slot(hours)
    placed = {key: hour for hour, entries in slots.items() for key, _urgent in entries}
    assert placed == {(i.post_id, i.when): i.when.astimezone(zone).hour for i in items}
    for entries in slots.values():  # those that need the user first in each hour
        flags = [urgent for _key, urgent in entries]
        assert flags == sorted(flags, reverse=True)
