"""The calendar: what goes out (or went out) in a window of time, and moving it.

:func:`calendar_items` reads only the visible window, in one query over the variants' time
index, so a month with thousands of posts loads in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import String, func, select, type_coerce

from desktop.services import app_settings, transitions
from desktop.services.posts import REQUIRE_ALT_TEXT, build_request, check_request
from desktop.services.slots import next_free_slot
from desktop.services.zones import user_zone, zone_label
from desktop.store.models import Account, Campaign, Post, Variant, VariantState, utcnow
from providers.base import Limits

if TYPE_CHECKING:
    from desktop.services.context import AppContext

#: What the calendar's state filter offers, and the variant states each one covers.
STATE_GROUPS: dict[str, tuple[VariantState, ...]] = {
    "scheduled": (VariantState.SCHEDULED, VariantState.RETRYING, VariantState.PUBLISHING),
    "published": (VariantState.PUBLISHED,),
    "failed": (
        VariantState.FAILED,
        VariantState.NEEDS_RECONNECT,
        VariantState.PARTIALLY_LIVE,
        VariantState.OUTCOME_UNKNOWN,
    ),
    "draft": (VariantState.DRAFT,),
}
_GROUP_OF = {state: group for group, states in STATE_GROUPS.items() for state in states}
_SHOWN = tuple(_GROUP_OF)  # cancelled variants are not on the calendar
_GROUP_OF_VALUE = {state.value: group for state, group in _GROUP_OF.items()}

#: Only these move; a published (or publishing) variant is on the network already.
MOVABLE = tuple(transitions.MOVABLE)
_MOVABLE_VALUES = frozenset(s.value for s in MOVABLE)

#: A published variant is shown when it went out; that is at most this long after its
#: scheduled time (retries give up well before), which keeps the query on the time index.
LATE_WINDOW = timedelta(days=7)
EXCERPT = 1000  # the hover card shows the post whole; longer ones end in …


class CalendarError(Exception):
    """A user-facing problem with a calendar operation."""


@dataclass(frozen=True)
class CalendarFilters:
    """Empty means "all". ``campaign_ids`` may hold 0 for "no campaign"."""

    account_ids: frozenset[int] = frozenset()
    networks: frozenset[str] = frozenset()
    campaign_ids: frozenset[int] = frozenset()
    states: frozenset[str] = frozenset()  # keys of STATE_GROUPS


class CalendarItem(NamedTuple):
    """One variant on the calendar. A named tuple, not a dataclass: a busy month builds
    thousands of these per switch, and a tuple is built ~8x faster (measured on the bench)."""

    variant_id: int
    post_id: int
    account_id: int
    network: str
    handle: str
    campaign_id: int | None
    campaign: str | None
    color: str | None
    state: str  # the variant's own state
    status: str  # its STATE_GROUPS key: scheduled, published, failed, draft
    when: datetime  # published_at if published, else scheduled_at (UTC)
    text: str  # the text on one line, up to EXCERPT characters
    series_id: str | None
    error: str

    @property
    def movable(self) -> bool:
        return self.state in _MOVABLE_VALUES

    @property
    def why_fixed(self) -> str:
        """Why this item cannot be dragged ('' when it can)."""
        return why_not_movable(VariantState(self.state))


def why_not_movable(state: VariantState) -> str:
    if state in MOVABLE:
        return ""
    if state == VariantState.PUBLISHED:
        return "Already published; it can't be moved. Duplicate it to post it again."
    if state == VariantState.PUBLISHING:
        return "Being published right now; it can't be moved."
    if state == VariantState.CANCELLED:
        return "Cancelled; retry it first."
    return "It failed or is waiting to retry; retry or edit it before moving it."


def _utc(value: str | datetime) -> datetime:
    """A stored UTC time as an aware datetime (SQLite returns text; other drivers datetimes)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value + "+00:00")  # ~7x faster than parsing, then .replace()


def _local_words(at: datetime, zone: tzinfo) -> str:
    return f"{at.astimezone(zone):%a %d %b %H:%M} ({zone_label(zone)})"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    # Already flat (printable: no separator but the ASCII space, none doubled or at an end):
    # the common case, skipped without splitting.
    plain = text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "
    flat = text if plain else " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def calendar_items(
    ctx: AppContext, start: datetime, end: datetime, filters: CalendarFilters | None = None
) -> list[CalendarItem]:
    """Variants whose time (published, else scheduled) falls in ``[start, end)``, oldest first."""
    if start.tzinfo is None or end.tzinfo is None:
        raise CalendarError("The calendar window needs timezone-aware times.")
    filters = filters or CalendarFilters()
    when = func.coalesce(Variant.published_at, Variant.scheduled_at)
    # Accounts and campaigns are a handful of rows: read once and looked up, instead of joined
    # into (and repeated on) every one of thousands of rows.
    query = (
        select(
            Variant.id,
            Variant.post_id,
            Variant.account_id,
            Post.campaign_id,
            # plain text for these two: their type processors cost ~20 µs a row, 5x the rest
            type_coerce(Variant.state, String),
            type_coerce(when, String),
            func.coalesce(Variant.text, Post.text),
            Post.series_id,
            Variant.last_error,
        )
        .join(Post, Post.id == Variant.post_id)
        .where(
            # the range on scheduled_at uses its index; `when` then trims the edges exactly
            Variant.scheduled_at >= start - LATE_WINDOW,
            Variant.scheduled_at < end,
            when >= start,
            when < end,
            Post.external.is_(False),  # published outside the app: analytics only
        )
        .order_by(when, Variant.id)
    )
    states: list[VariantState] = list(_SHOWN)
    if filters.states:
        states = [s for group in sorted(filters.states) for s in STATE_GROUPS.get(group, ())]
    query = query.where(Variant.state.in_(states))
    if filters.campaign_ids:
        ids = sorted(i for i in filters.campaign_ids if i)
        cond = Post.campaign_id.in_(ids)
        query = query.where(cond | Post.campaign_id.is_(None) if 0 in filters.campaign_ids else cond)
    with ctx.session() as s:
        conn = s.connection()  # Core rows: no ORM loading step needed
        accounts = {a: (p, h) for a, p, h in conn.execute(select(Account.id, Account.provider, Account.handle))}
        campaigns = {c: (n, col) for c, n, col in conn.execute(select(Campaign.id, Campaign.name, Campaign.color))}
        wanted = set(accounts)
        if filters.account_ids:
            wanted &= filters.account_ids
        if filters.networks:
            wanted = {a for a in wanted if accounts[a][0] in filters.networks}
        if wanted != set(accounts):
            query = query.where(Variant.account_id.in_(sorted(wanted)))
        rows = conn.execute(query).all()
    return _items(rows, accounts, campaigns)


def _items(
    rows: Iterable[Any], accounts: Mapping[int, tuple[str, str]], campaigns: Mapping[int, tuple[str, str | None]]
) -> list[CalendarItem]:
    """The rows as items, in one pass; times and texts shared by many rows are parsed once."""
    times: dict[str | datetime, datetime] = {}
    texts: dict[str, str] = {}
    no_campaign: tuple[None, None] = (None, None)
    group = _GROUP_OF_VALUE
    make = CalendarItem._make
    items = []
    for variant_id, post_id, account_id, campaign_id, state, at, text, series_id, error in rows:
        when = times.get(at)
        if when is None:
            when = times[at] = _utc(at)
        short = texts.get(text)
        if short is None:
            short = texts[text] = excerpt(text or "")
        account = accounts.get(account_id)
        if account is None:  # deleted since (its variants go with it): as the join would
            continue
        network, handle = account
        campaign, color = campaigns.get(campaign_id, no_campaign) if campaign_id is not None else no_campaign
        items.append(
            make(
                (
                    variant_id,
                    post_id,
                    account_id,
                    network,
                    handle,
                    campaign_id,
                    campaign,
                    color,
                    state,
                    group[state],
                    when,
                    short,
                    series_id,
                    error,
                )
            )
        )
    return items


def reschedule_variant(
    ctx: AppContext, variant_id: int, new_time: datetime, *, clock: datetime | None = None
) -> datetime | None:
    """Move one variant to ``new_time``; returns its previous time (for undo).

    Refused with :class:`CalendarError` when the variant is published, being published or
    failed (see :func:`why_not_movable`), or when a scheduled variant would move into the past
    (it would go out at once). The change is one conditional UPDATE on the state, so a
    publisher claiming the variant at the same moment wins cleanly.
    """
    if new_time.tzinfo is None:
        raise CalendarError("The new time has no timezone.")
    now = clock or utcnow()
    with ctx.session() as s:
        found = s.execute(select(Variant.state, Variant.scheduled_at).where(Variant.id == variant_id)).first()
        if found is None:
            raise CalendarError(f"No scheduled post with id {variant_id}; it may have been deleted.")
        state, previous = found
        reason = why_not_movable(state)
        if reason:
            raise CalendarError(reason)
        if state == VariantState.SCHEDULED and new_time < now - timedelta(minutes=1):
            raise CalendarError(f"{_local_words(new_time, user_zone(ctx))} is in the past; pick a later time.")
        if not transitions.reschedule(s, variant_id, new_time, now=now):
            raise CalendarError("It started publishing just now, so it stays where it was.")
    return previous


def reschedule_post(ctx: AppContext, post_id: int, delta: timedelta, *, clock: datetime | None = None) -> int:
    """Shift every movable, timed variant of a post by ``delta``; returns how many moved."""
    now = clock or utcnow()
    with ctx.session() as s:
        rows = s.execute(
            select(Variant.id, Variant.state, Variant.scheduled_at).where(
                Variant.post_id == post_id, Variant.state.in_(MOVABLE), Variant.scheduled_at.is_not(None)
            )
        ).all()
        timed: list[tuple[int, VariantState, datetime]] = [(v, st, at) for v, st, at in rows if at is not None]
        for _id, state, at in timed:
            if state == VariantState.SCHEDULED and at + delta < now - timedelta(minutes=1):
                raise CalendarError(f"{_local_words(at + delta, user_zone(ctx))} is in the past.")
        for variant_id, _state, at in timed:
            if not transitions.reschedule(s, variant_id, at + delta, now=now):
                # all or nothing: the session rolls the moves already made back
                raise CalendarError("Part of it started publishing just now, so nothing was moved.")
    return len(timed)


# --- scheduling a draft by dropping it on the calendar ---------------------------------------------

#: Where a draft dropped on a day (not a time) goes when none of its accounts has a free queue slot.
DEFAULT_DROP_TIME = time(9, 0)


@dataclass(frozen=True)
class ScheduledDraft:
    """What :func:`schedule_draft` did, enough to undo it with :func:`return_to_draft`."""

    post_id: int
    at: datetime  # UTC
    previous: tuple[tuple[int, datetime | None], ...]  # (variant id, its time while a draft)

    @property
    def variant_ids(self) -> tuple[int, ...]:
        return tuple(v for v, _at in self.previous)


def schedule_draft(ctx: AppContext, post_id: int, at_utc: datetime, *, clock: datetime | None = None) -> ScheduledDraft:
    """Schedule a draft post's draft variants at ``at_utc`` (a drop on the calendar).

    Checked first as scheduling checks it (each network's rules, the user's alt-text rule);
    refused with a :class:`CalendarError` listing the problems. Only variants still in
    ``draft`` move, each by a conditional UPDATE: when one changed underneath (another window
    scheduled or deleted it), nothing moves and the error says so.
    """
    if at_utc.tzinfo is None:
        raise CalendarError("The new time has no timezone.")
    now = clock or utcnow()
    if at_utc < now - timedelta(minutes=1):
        raise CalendarError(f"{_local_words(at_utc, user_zone(ctx))} is in the past; pick a later time.")
    require_alt = bool(app_settings.get(ctx, REQUIRE_ALT_TEXT))
    with ctx.session() as s:
        post = s.get(Post, post_id)
        if post is None:
            raise CalendarError("This draft no longer exists; it may have been deleted.")
        drafts = [v for v in post.variants if v.state == VariantState.DRAFT]
        if not drafts:
            raise CalendarError("This post is already scheduled (or no longer a draft), so it stays where it is.")
        problems = []
        for v in drafts:
            provider = ctx.registry.get(v.account.provider)
            limits = Limits.from_json(v.account.limits) if v.account.limits else provider.info.limits
            check = check_request(
                provider,
                limits,
                build_request(ctx, post, v),
                account_id=v.account_id,
                handle=v.account.handle,
                require_alt=require_alt,
            )
            problems += [f"{v.account.handle}: {p.message}" for p in check.problems]
        if problems:
            raise CalendarError(
                "It can't be scheduled yet; open it in the composer and fix this first:\n• " + "\n• ".join(problems)
            )
        previous = tuple((v.id, v.scheduled_at) for v in drafts)
        for v in drafts:
            moved = transitions.move_one(
                s,
                v.id,
                expected={VariantState.DRAFT},
                to=VariantState.SCHEDULED,
                values={"scheduled_at": at_utc.astimezone(UTC), "next_attempt_at": None},
                now=now,
            )
            if not moved:  # the session rolls back the variants already moved: all or nothing
                raise CalendarError("It was changed somewhere else just now (scheduled or edited), so nothing moved.")
    return ScheduledDraft(post_id, at_utc.astimezone(UTC), previous)


def return_to_draft(ctx: AppContext, done: ScheduledDraft, *, clock: datetime | None = None) -> int:
    """Undo :func:`schedule_draft`: variants still scheduled at that time go back to drafts.

    Conditional like every transition: a variant that started publishing, or was moved or
    edited since, stays as it is (a :class:`CalendarError` says so and nothing changes)."""
    now = clock or utcnow()
    with ctx.session() as s:
        for variant_id, before in done.previous:
            moved = transitions.move_one(
                s,
                variant_id,
                expected={VariantState.SCHEDULED},
                to=VariantState.DRAFT,
                where=(Variant.scheduled_at == done.at,),
                values={"scheduled_at": before},
                now=now,
            )
            if not moved:
                raise CalendarError("It changed since it was scheduled (moved, edited or publishing), so it stays.")
    return len(done.previous)


def drop_time_for_day(
    ctx: AppContext, post_id: int, day: date, zone: tzinfo, *, clock: datetime | None = None
) -> datetime:
    """When a draft dropped on ``day`` (no time given) goes out, in UTC.

    The first free posting-queue slot on that day of any of the post's accounts; else 09:00 in
    ``zone``; on today after that, the next full hour. A day already over is refused."""
    now = clock or utcnow()
    start = datetime.combine(day, time(), tzinfo=zone)
    end = start + timedelta(days=1)
    if end <= now:
        raise CalendarError(f"{day:%a %d %b} is over; drop it on today or a later day.")
    after = max(start - timedelta(seconds=1), now)
    with ctx.session() as s:
        accounts = list(
            s.scalars(select(Variant.account_id).where(Variant.post_id == post_id, Variant.state == VariantState.DRAFT))
        )
        free = [next_free_slot(s, account_id, after) for account_id in accounts]
    on_day = sorted(t for t in free if t is not None and start <= t < end)
    if on_day:
        return on_day[0].astimezone(UTC)
    at = datetime.combine(day, DEFAULT_DROP_TIME, tzinfo=zone)
    if at < now:
        at = (now.astimezone(zone) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        if at >= end:  # after 23:00: the last minutes of the day are too close to call
            raise CalendarError(f"{day:%a %d %b} is nearly over; drop it on a later day.")
    return at.astimezone(UTC)
