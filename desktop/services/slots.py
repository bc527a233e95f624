"""Posting queues: per-account weekly time slots (Buffer-style), in local wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desktop.store.models import QueueSlot, Variant, VariantState

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

HORIZON_DAYS = 7 * 8  # look this far ahead for a free slot

_TAKEN = (VariantState.SCHEDULED, VariantState.PUBLISHING, VariantState.RETRYING, VariantState.PUBLISHED)


def add_slot(session: Session, account_id: int, weekday: int, at: time, timezone: str) -> QueueSlot:
    ZoneInfo(timezone)  # raises for an unknown zone
    slot = QueueSlot(
        account_id=account_id, weekday=weekday, time_of_day=at.replace(second=0, microsecond=0), timezone=timezone
    )
    session.add(slot)
    session.flush()
    return slot


def _occurrences(slots: list[QueueSlot], start: date, days: int) -> list[datetime]:
    found = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        for slot in slots:
            if slot.weekday == day.weekday():
                local = datetime.combine(day, slot.time_of_day, tzinfo=ZoneInfo(slot.timezone))
                found.append(local.astimezone(UTC))
    return sorted(found)


def next_free_slot(session: Session, account_id: int, after: datetime) -> datetime | None:
    """The first slot of the account after ``after`` not already taken by one of its posts."""
    slots = list(session.scalars(select(QueueSlot).where(QueueSlot.account_id == account_id)))
    if not slots:
        return None
    start = (after - timedelta(days=1)).date()  # zones ahead of UTC: yesterday's UTC date may be today there
    candidates = [t for t in _occurrences(slots, start, HORIZON_DAYS + 2) if t > after]
    if not candidates:
        return None
    taken = {
        t.replace(second=0, microsecond=0)
        for t in session.scalars(
            select(Variant.scheduled_at).where(
                Variant.account_id == account_id,
                Variant.state.in_(_TAKEN),
                Variant.scheduled_at >= candidates[0],
                Variant.scheduled_at <= candidates[-1],
            )
        )
        if t is not None
    }
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    return None
