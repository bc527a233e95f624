"""Posting queues: per-account weekly time slots (Buffer-style), in local wall-clock time.

"Add to queue" gives each variant of a post its account's next free slot. When the slots
change, "Recompute" moves the account's upcoming scheduled posts onto the new slots in their
current order, and "Shuffle" does the same in a random order.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select

from desktop.services import transitions
from desktop.store.models import Account, Post, QueueSlot, Variant, VariantState, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.services.analytics import HeatCell
    from desktop.services.context import AppContext

HORIZON_DAYS = 7 * 8  # look this far ahead for a free slot
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_TAKEN = (VariantState.SCHEDULED, VariantState.PUBLISHING, VariantState.RETRYING, VariantState.PUBLISHED)


class QueueError(Exception):
    """A user-facing problem with a queue operation."""


@dataclass(frozen=True)
class SlotRow:
    id: int
    account_id: int
    weekday: int  # Monday = 0
    at: time
    timezone: str

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday][:3]} {self.at:%H:%M}"


@dataclass(frozen=True)
class QueuedVariant:
    """A variant in an account's queue: when it goes out, and whether that is one of the slots."""

    variant_id: int
    post_id: int
    account_id: int
    at: datetime
    text: str = ""
    on_slot: bool = True


def add_slot(session: Session, account_id: int, weekday: int, at: time, timezone: str) -> QueueSlot:
    ZoneInfo(timezone)  # raises for an unknown zone
    slot = QueueSlot(
        account_id=account_id, weekday=weekday, time_of_day=at.replace(second=0, microsecond=0), timezone=timezone
    )
    session.add(slot)
    session.flush()
    return slot


def _occurrences(slots: Iterable[QueueSlot | SlotRow], start: date, days: int) -> list[datetime]:
    found = []
    slots = list(slots)
    for offset in range(days):
        day = start + timedelta(days=offset)
        for slot in slots:
            if slot.weekday == day.weekday():
                at = slot.time_of_day if isinstance(slot, QueueSlot) else slot.at
                local = datetime.combine(day, at, tzinfo=ZoneInfo(slot.timezone))
                found.append(local.astimezone(UTC))
    return sorted(found)


def next_free_slot(
    session: Session, account_id: int, after: datetime, *, ignore: Collection[int] = ()
) -> datetime | None:
    """The first slot of the account after ``after`` not already taken by one of its posts
    (variants whose ids are in ``ignore`` do not count as taking a slot)."""
    slots = list(session.scalars(select(QueueSlot).where(QueueSlot.account_id == account_id)))
    if not slots:
        return None
    start = (after - timedelta(days=1)).date()  # zones ahead of UTC: yesterday's UTC date may be today there
    candidates = [t for t in _occurrences(slots, start, HORIZON_DAYS + 2) if t > after]
    if not candidates:
        return None
    query = select(Variant.scheduled_at).where(
        Variant.account_id == account_id,
        Variant.state.in_(_TAKEN),
        Variant.scheduled_at >= candidates[0],
        Variant.scheduled_at <= candidates[-1],
    )
    if ignore:
        query = query.where(Variant.id.not_in(list(ignore)))
    taken = {t.replace(second=0, microsecond=0) for t in session.scalars(query) if t is not None}
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    return None


# --- editing slots ------------------------------------------------------------------------------


def _slot_row(slot: QueueSlot) -> SlotRow:
    return SlotRow(slot.id, slot.account_id, slot.weekday, slot.time_of_day, slot.timezone)


def list_slots(ctx: AppContext, account_id: int) -> list[SlotRow]:
    """The account's weekly slots, Monday first, then by time."""
    with ctx.session() as s:
        slots = s.scalars(
            select(QueueSlot)
            .where(QueueSlot.account_id == account_id)
            .order_by(QueueSlot.weekday, QueueSlot.time_of_day)
        )
        return [_slot_row(slot) for slot in slots]


def set_slots(ctx: AppContext, account_id: int, slots: Iterable[tuple[int, time]], timezone: str) -> list[SlotRow]:
    """Replace the account's weekly slots with ``slots`` ((weekday, local time) pairs, Monday = 0)
    in ``timezone``. Duplicates are merged; seconds are dropped."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise QueueError(f"Unknown time zone {timezone!r}.") from exc
    wanted = sorted({(day, at.replace(second=0, microsecond=0)) for day, at in slots})
    for day, _at in wanted:
        if not 0 <= day <= 6:
            raise QueueError(f"Weekday {day} is not 0 (Monday) to 6 (Sunday).")
    with ctx.session() as s:
        if s.get(Account, account_id) is None:
            raise QueueError(f"No account with id {account_id}.")
        s.execute(delete(QueueSlot).where(QueueSlot.account_id == account_id))
        for day, at in wanted:
            s.add(QueueSlot(account_id=account_id, weekday=day, time_of_day=at, timezone=timezone))
    return list_slots(ctx, account_id)


def add_slots_from_hours(
    ctx: AppContext, account_ids: Iterable[int], cells: Sequence[HeatCell], *, timezone: str | None = None
) -> int:
    """Add a weekly queue slot at each cell's local weekday and hour (e.g. the analytics
    heatmap's best hours) for each account, in ``timezone`` (default: the user's zone, the one
    the heatmap is drawn in). Slots the account already has at that weekday and time are
    skipped. Returns how many slots were added."""
    from desktop.services import zones

    zone = timezone or zones.user_zone_name(ctx)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise QueueError(f"Unknown time zone {zone!r}.") from exc
    wanted = sorted({(cell.weekday, time(cell.hour)) for cell in cells})
    for day, _at in wanted:
        if not 0 <= day <= 6:
            raise QueueError(f"Weekday {day} is not 0 (Monday) to 6 (Sunday).")
    added = 0
    with ctx.session() as s:
        for account_id in dict.fromkeys(account_ids):
            if s.get(Account, account_id) is None:
                raise QueueError(f"No account with id {account_id}.")
            have = {
                (day, at)
                for day, at in s.execute(
                    select(QueueSlot.weekday, QueueSlot.time_of_day).where(QueueSlot.account_id == account_id)
                )
            }
            for day, at in wanted:
                if (day, at) not in have:
                    add_slot(s, account_id, day, at, zone)
                    added += 1
    return added


# --- filling the queue --------------------------------------------------------------------------


def add_to_queue(ctx: AppContext, post_id: int, *, clock: datetime | None = None) -> list[QueuedVariant]:
    """Schedule each draft or scheduled variant of a post at its account's next free slot.

    Checked against each network first (like scheduling); nothing changes if a target would
    refuse the post or an account has no free slot in the next 8 weeks.
    """
    from desktop.services.posts import PostNotFound, PostRejected, build_request, check_variant
    from providers.base import Limits

    now = clock or utcnow()
    with ctx.session() as s:
        post = s.get(Post, post_id)
        if post is None:
            raise PostNotFound(post_id)
        targets = [v for v in post.variants if v.state in (VariantState.DRAFT, VariantState.SCHEDULED)]
        if not targets:
            raise QueueError("Nothing to queue: this post is already published, failed or cancelled.")
        checks = []
        for v in targets:
            provider = ctx.registry.get(v.account.provider)
            limits = Limits.from_json(v.account.limits) if v.account.limits else provider.info.limits
            checks.append(
                check_variant(
                    provider, limits, build_request(ctx, post, v), account_id=v.account_id, handle=v.account.handle
                )
            )
        if any(not c.ok for c in checks):
            raise PostRejected(checks)
        queued = []
        for v in targets:
            slot = next_free_slot(s, v.account_id, now, ignore={v.id})
            if slot is None:
                raise QueueError(f"{v.account.handle} has no free queue slot in the next 8 weeks; add slots first.")
            v.state, v.scheduled_at, v.next_attempt_at = VariantState.SCHEDULED, slot, None
            s.flush()  # the next variant of the same account sees this slot as taken
            queued.append(QueuedVariant(v.id, post.id, v.account_id, slot))
        return queued


def _queued(s: Session, account_id: int, now: datetime) -> list[tuple[int, int, datetime]]:
    # Every upcoming scheduled variant of the account counts as queued.
    return [
        (vid, pid, at)
        for vid, pid, at in s.execute(
            select(Variant.id, Variant.post_id, Variant.scheduled_at)
            .where(
                Variant.account_id == account_id,
                Variant.state == VariantState.SCHEDULED,
                Variant.scheduled_at > now,
            )
            .order_by(Variant.scheduled_at, Variant.id)
        ).all()
        if at is not None
    ]


def _reassign(ctx: AppContext, account_id: int, now: datetime, order: random.Random | None) -> list[QueuedVariant]:
    with ctx.session() as s:
        slots = [_slot_row(q) for q in s.scalars(select(QueueSlot).where(QueueSlot.account_id == account_id))]
        if not slots:
            raise QueueError("This account has no queue slots yet; add some first.")
        queued = _queued(s, account_id, now)
        if not queued:
            return []
        busy = set(
            s.scalars(
                select(Variant.scheduled_at).where(
                    Variant.account_id == account_id,
                    Variant.state.in_((VariantState.PUBLISHING, VariantState.RETRYING, VariantState.PUBLISHED)),
                    Variant.scheduled_at > now,
                )
            )
        )
        weeks = math.ceil((len(queued) + len(busy)) / len(slots)) + 2
        times = [t for t in _occurrences(slots, (now - timedelta(days=1)).date(), weeks * 7) if t > now]
        times = [t for t in times if t not in busy][: len(queued)]
        if order is not None:
            order.shuffle(queued)
        result = []
        for (variant_id, post_id, _old), at in zip(queued, times, strict=True):
            if not transitions.move(s, variant_id, expected=(VariantState.SCHEDULED,), values={"scheduled_at": at}):
                continue  # claimed by a publisher in the meantime: it keeps its time
            result.append(QueuedVariant(variant_id, post_id, account_id, at))
        return sorted(result, key=lambda q: q.at)


def recompute_queue(ctx: AppContext, account_id: int, *, clock: datetime | None = None) -> list[QueuedVariant]:
    """Move the account's upcoming scheduled posts onto its slots, keeping their order
    (e.g. after the slots changed). Returns each variant's new time, soonest first."""
    return _reassign(ctx, account_id, clock or utcnow(), None)


def shuffle_queue(
    ctx: AppContext, account_id: int, rng: random.Random | None = None, *, clock: datetime | None = None
) -> list[QueuedVariant]:
    """Like :func:`recompute_queue`, in a random order."""
    return _reassign(ctx, account_id, clock or utcnow(), rng or random.Random())


def upcoming_queue(
    ctx: AppContext, account_id: int, *, clock: datetime | None = None, limit: int = 200
) -> list[QueuedVariant]:
    """The account's upcoming scheduled posts, soonest first, each marked whether it sits on a slot."""
    from desktop.services.calendar import excerpt

    now = clock or utcnow()
    with ctx.session() as s:
        slots = [_slot_row(q) for q in s.scalars(select(QueueSlot).where(QueueSlot.account_id == account_id))]
        rows = s.execute(
            select(Variant.id, Variant.post_id, Variant.scheduled_at, Variant.text, Post.text)
            .join(Post, Post.id == Variant.post_id)
            .where(
                Variant.account_id == account_id,
                Post.external.is_(False),  # published outside the app: never queued
                Variant.state == VariantState.SCHEDULED,
                Variant.scheduled_at > now,
            )
            .order_by(Variant.scheduled_at, Variant.id)
            .limit(limit)
        ).all()
    timed: list[tuple[int, int, datetime, str | None, str]] = [
        (vid, pid, at, own, shared) for vid, pid, at, own, shared in rows if at is not None
    ]
    if not timed:
        return []
    days = (timed[-1][2] - now).days + 3
    on_slots = set(_occurrences(slots, (now - timedelta(days=1)).date(), days)) if slots else set()
    return [
        QueuedVariant(vid, pid, account_id, at, excerpt(own if own is not None else shared or ""), at in on_slots)
        for vid, pid, at, own, shared in timed
    ]
