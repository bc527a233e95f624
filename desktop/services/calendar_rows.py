"""The calendar's rows without SQLAlchemy or Qt: what an item is, how query rows become items,
and the first month read ahead with the standard library's sqlite3 while the app still opens.

desktop.services.calendar (the SQLAlchemy service) re-exports everything here and builds its
items with the same :func:`build_items`; the read-ahead (:class:`FirstWindowRead`) runs the
same query in plain SQL (desktop.store.calendar_peek), so the calendar can show its posts as
soon as the database file can be read, before the data layer is imported, and exactly what
the normal path would show: where it cannot be sure of that it reads nothing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from desktop.services.zones import zone_name_for
from desktop.store import calendar_peek
from desktop.store.peek import is_private, peek_readonly, setting, sqlite_file, stored_revision
from desktop.store.revision import HEAD_REVISION
from desktop.store.states import VariantState

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
SHOWN = tuple(_GROUP_OF)  # cancelled variants are not on the calendar
_GROUP_OF_VALUE = {state.value: group for state, group in _GROUP_OF.items()}

#: Only these move; a published (or publishing) variant is on the network already. The same
#: set as desktop.services.transitions.MOVABLE, which imports SQLAlchemy (a unit test holds
#: the two equal).
MOVABLE: tuple[VariantState, ...] = (VariantState.DRAFT, VariantState.SCHEDULED)
_MOVABLE_VALUES = frozenset(s.value for s in MOVABLE)

#: A published variant is shown when it went out; that is at most this long after its
#: scheduled time (retries give up well before), which keeps the query on the time index.
LATE_WINDOW = timedelta(days=7)
EXCERPT = 1000  # the hover card shows the post whole; longer ones end in …


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


def excerpt(text: str, limit: int = EXCERPT) -> str:
    # Already flat (printable: no separator but the ASCII space, none doubled or at an end):
    # the common case, skipped without splitting.
    plain = text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "
    flat = text if plain else " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def shown_states(filters: CalendarFilters) -> list[VariantState]:
    """The variant states the window query asks for: those of the filtered groups, else all shown."""
    if filters.states:
        return [s for group in sorted(filters.states) for s in STATE_GROUPS.get(group, ())]
    return list(SHOWN)


def wanted_accounts(accounts: Mapping[int, tuple[str, str]], filters: CalendarFilters) -> list[int] | None:
    """The account ids the window query is limited to, or None for every account."""
    wanted = set(accounts)
    if filters.account_ids:
        wanted &= filters.account_ids
    if filters.networks:
        wanted = {a for a in wanted if accounts[a][0] in filters.networks}
    return None if wanted == set(accounts) else sorted(wanted)


def _utc(value: str | datetime) -> datetime:
    """A stored UTC time as an aware datetime (SQLite returns text; other drivers datetimes)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value + "+00:00")  # ~7x faster than parsing, then .replace()


def build_items(
    rows: Iterable[Any], accounts: Mapping[int, tuple[str, str]], campaigns: Mapping[int, tuple[str, str | None]]
) -> list[CalendarItem]:
    """The window query's rows as items, in one pass; times and texts shared by many rows are
    parsed once."""
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


def window_items(
    conn: sqlite3.Connection, start: datetime, end: datetime, filters: CalendarFilters | None = None
) -> list[CalendarItem]:
    """What :func:`desktop.services.calendar.calendar_items` returns, read through a plain sqlite3
    connection (``start``/``end`` timezone-aware)."""
    filters = filters or CalendarFilters()
    accounts = calendar_peek.accounts(conn)
    rows = calendar_peek.window_rows(
        conn,
        start,
        end,
        late_window=LATE_WINDOW,
        states=[s.value for s in shown_states(filters)],
        campaign_ids=filters.campaign_ids,
        account_ids=wanted_accounts(accounts, filters),
    )
    return build_items(rows, accounts, calendar_peek.campaigns(conn))


# --- the first month, read ahead ------------------------------------------------------------------

#: The app setting holding the user's zone (desktop.services.app_settings.TIMEZONE).
TIMEZONE_SETTING = "timezone"
#: How many days a month grid shows: six weeks from the Monday on or before the 1st.
MONTH_GRID_DAYS = 42


def month_grid(day: date) -> tuple[date, int]:
    """The first day and length of the month grid showing ``day`` (as the month view lays it out)."""
    first = day.replace(day=1)
    return first - timedelta(days=first.weekday()), MONTH_GRID_DAYS


@dataclass(frozen=True)
class FirstWindow:
    """What the calendar shows first: the month grid around ``today``, all posts, in ``zone``."""

    zone: ZoneInfo
    first_day: date
    days: int
    filters: CalendarFilters
    has_accounts: bool
    items: list[CalendarItem]

    def window(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first_day, time(), tzinfo=self.zone)
        return start, datetime.combine(self.first_day + timedelta(days=self.days), time(), tzinfo=self.zone)


def read_first_window(data_dir: str | os.PathLike[str] | None, today: date) -> FirstWindow | None:
    """The calendar's first month (the grid around ``today``, no filters), read with the
    standard library only; None whenever the normal path might show something else or do
    something first: no database file yet, another database (``CAMPAIGN_DESK_DB_URL``), a
    schema other than :data:`HEAD_REVISION` (a migration runs first), files not yet
    owner-only, a writer holding the file, any error at all. Never writes."""
    db_path = sqlite_file(data_dir)
    if db_path is None or not is_private(db_path):
        return None
    first_day, days = month_grid(today)
    filters = CalendarFilters()
    try:
        with peek_readonly(db_path) as conn:
            if stored_revision(conn) != HEAD_REVISION:
                return None
            zone = ZoneInfo(zone_name_for(setting(conn, TIMEZONE_SETTING, "")))
            start = datetime.combine(first_day, time(), tzinfo=zone)
            end = datetime.combine(first_day + timedelta(days=days), time(), tzinfo=zone)
            has_accounts = conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None
            items = window_items(conn, start, end, filters) if has_accounts else []
    except (sqlite3.Error, ValueError, KeyError):  # anything unexpected: the normal path says it in words
        return None
    return FirstWindow(zone, first_day, days, filters, has_accounts, items)


class FirstWindowRead:
    """:func:`read_first_window` on a thread of its own, started as soon as the data dir is
    known; the GUI asks for the result, or to be called with it, and never waits for it."""

    def __init__(self, data_dir: str | os.PathLike[str] | None, today: date | None = None) -> None:
        self.today = today or date.today()
        self._data_dir = data_dir
        self._result: FirstWindow | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._waiting: list[Callable[[FirstWindow | None], object]] = []
        # not a daemon: a window closed at once (the benchmark's first-paint mark) must not leave
        # the read to call into Qt while the interpreter tears down; it ends within a second or so
        self._thread = threading.Thread(target=self._run, name="calendar-first-window")

    @classmethod
    def start(cls, data_dir: str | os.PathLike[str] | None, today: date | None = None) -> FirstWindowRead:
        read = cls(data_dir, today)
        read._thread.start()
        return read

    def _run(self) -> None:
        try:
            self._result = read_first_window(self._data_dir, self.today)
        finally:
            # done only once every caller waiting has been called (one asking meanwhile included)
            while True:
                with self._lock:
                    waiting, self._waiting = self._waiting, []
                    if not waiting:
                        self._done.set()
                        break
                for call in waiting:
                    self._call(call)

    def _call(self, call: Callable[[FirstWindow | None], object]) -> None:
        try:
            call(self._result)
        except RuntimeError:  # a Qt signal whose object is gone: nobody is waiting any more
            pass

    def then(self, call: Callable[[FirstWindow | None], object]) -> None:
        """Call ``call`` with the result once read: on the reading thread, or at once (on the
        caller's) when it is read already. A Qt signal's ``emit`` is the way to hand it to the
        GUI thread."""
        with self._lock:
            if not self._done.is_set():
                self._waiting.append(call)
                return
        self._call(call)

    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> FirstWindow | None:
        """The first window, or None while it is being read or when it could not be."""
        return self._result if self._done.is_set() else None

    def wait(self, timeout: float | None = None) -> FirstWindow | None:
        """Block until read (tests and tools; the GUI uses :meth:`then` or :meth:`result`)."""
        self._done.wait(timeout)
        return self.result()
