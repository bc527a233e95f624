"""The calendar's item model: only the visible window's variants, loaded off the GUI thread.

Switching month (or week) issues a new windowed query, indexed by day off the GUI thread too.
The windows one page back and on are read ahead once a window is shown, and the last few are
kept for a minute, so paging shows posts already read; any change made in the app (a move, a
refresh after an edit, a filter, the zone) drops them. Moving an item updates the model at once
and reverts it if the store refuses.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from desktop.services.calendar_rows import CalendarFilters, CalendarItem
from desktop.services.zones import zone_label
from desktop.ui import theme
from desktop.ui.calendar.chips import DayChips, PostChip, in_time_order
from desktop.ui.calendar.periods import adjacent_windows
from desktop.ui.changes import POSTS, changes
from desktop.ui.errors import explain
from desktop.ui.icons import network_icon
from desktop.ui.widgets.table_model import ROW_ROLE, SORT_ROLE

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex

STATUS_TEXT = {"scheduled": "Scheduled", "published": "Published", "failed": "Failed", "draft": "Draft"}

#: Windows kept once shown or read ahead (a month of 5,000 variants is a few MB)...
CACHED_WINDOWS = 6
#: ...for this long: older ones are read again, so another process's changes (a headless
#: publish run) show within a minute of paging, as they did when every page was read afresh.
CACHE_SECONDS = 60.0
#: The windows either side are read this long after one is shown.
READ_AHEAD_AFTER_MS = 150


@lru_cache(maxsize=64)
def swatch(color: str) -> QIcon:
    """A small dot in a campaign's colour."""
    px = QPixmap(24, 24)
    px.fill(Qt.GlobalColor.transparent)
    p = QPainter(px)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawEllipse(4, 4, 16, 16)
    p.end()
    return QIcon(px)


def by_local_day(items: list[CalendarItem], zone: ZoneInfo) -> dict[date, list[CalendarItem]]:
    """``items`` (in time order) by their day in ``zone``: cut at each local midnight by
    bisection, instead of converting every item's time to the zone."""
    if not items:
        return {}
    whens = [i.when for i in items]
    if not in_time_order(whens):  # the slow, sure way
        grouped: dict[date, list[CalendarItem]] = defaultdict(list)
        for item in items:
            grouped[item.when.astimezone(zone).date()].append(item)
        return dict(grouped)
    day = whens[0].astimezone(zone).date()
    last = whens[-1].astimezone(zone).date()
    by_day: dict[date, list[CalendarItem]] = {}
    lo = 0
    while day <= last:
        following = day + timedelta(days=1)
        # the next local midnight in UTC, like the items' times (same tzinfo: a plain compare)
        hi = bisect_left(whens, datetime.combine(following, time(), tzinfo=zone).astimezone(UTC), lo)
        if hi > lo:
            by_day[day] = items[lo:hi]
        lo, day = hi, following
    return by_day


class Rows(NamedTuple):
    """One window's items (in time order) with their indexes: built on the worker thread, so the
    GUI thread only swaps them in."""

    items: list[CalendarItem]
    by_day: dict[date, list[CalendarItem]]
    by_variant: dict[int, CalendarItem]
    chips: dict[date, DayChips]


def index_rows(items: list[CalendarItem], zone: ZoneInfo) -> Rows:
    """``items`` (in time order) by local day, by variant, and as each day's chips."""
    by_day = by_local_day(items, zone)
    chips = {day: DayChips(on_day) for day, on_day in by_day.items()}
    return Rows(items, by_day, {i.variant_id: i for i in items}, chips)


def read_rows(ctx: AppContext, start: datetime, end: datetime, filters: CalendarFilters, zone: ZoneInfo) -> Rows:
    """The window's items, indexed (on a worker thread)."""
    # The data layer is imported on the first read, not with the page: the page paints first.
    from desktop.services.calendar import calendar_items

    return index_rows(calendar_items(ctx, start, end, filters), zone)


def _reschedule(ctx: AppContext, variant_id: int, new_time: datetime) -> datetime | None:
    from desktop.services.calendar import reschedule_variant

    return reschedule_variant(ctx, variant_id, new_time)


WindowKey = tuple[date, int, CalendarFilters, ZoneInfo]


class CalendarModel(QAbstractTableModel):
    """Rows are :class:`CalendarItem` s of the window ``[first_day, first_day + days)`` in ``zone``."""

    WHEN, ACCOUNT, CAMPAIGN, STATE, TEXT = range(5)
    HEADERS = ("When", "Account", "Campaign", "State", "Post")

    #: A window finished loading (also after a filter change).
    loaded = Signal()
    #: A move was refused or failed: (variant id, the reason in words).
    move_failed = Signal(int, str)
    #: A move reached the store: (variant id, new UTC time).
    move_saved = Signal(int, object)

    def __init__(self, ctx: AppContext, runner: TaskRunner, zone: str = "UTC", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.zone = ZoneInfo(zone)
        self.filters = CalendarFilters()
        self.first_day: date | None = None
        self.days = 0
        self._items: list[CalendarItem] = []
        self._by_day: dict[date, list[CalendarItem]] = {}
        self._by_variant: dict[int, CalendarItem] = {}
        self._chips: dict[date, DayChips] = {}
        #: Counts every change of the rows; views cache their layout against it.
        self.version = 0
        #: Each network's brand colour (``ProviderInfo.color``), for the chips' avatars.
        self.network_colors: dict[str, str] = {}
        self._generation = 0
        #: Windows shown or read ahead, oldest first: key → (when read, rows).
        self._cache: OrderedDict[WindowKey, tuple[float, Rows]] = OrderedDict()
        self._reading: set[WindowKey] = set()  # read-ahead in flight
        #: Counts changes to what windows hold: a read begun before one is not kept.
        self._epoch = 0
        #: Read the windows either side of the one shown (off for tests that count queries).
        self.read_ahead = True
        # a moment after a window is shown: after its paint, not for each window flown past with
        # Page Down held, and not inside a close that lets pending events through
        self._ahead = QTimer(self)
        self._ahead.setSingleShot(True)
        self._ahead.setInterval(READ_AHEAD_AFTER_MS)
        self._ahead.timeout.connect(self._read_ahead)
        self._sort: tuple[int, Qt.SortOrder] = (self.WHEN, Qt.SortOrder.AscendingOrder)
        self.load_count = 0

    # --- the window ------------------------------------------------------------------------

    def set_zone(self, zone: str) -> None:
        if ZoneInfo(zone) != self.zone:
            self.zone = ZoneInfo(zone)
            self.forget()
            # the same instants fall on other local days: regroup them
            self.set_items(sorted(self._by_variant.values(), key=lambda i: (i.when, i.variant_id)))

    def window(self) -> tuple[datetime, datetime]:
        assert self.first_day is not None
        return self._bounds(self.first_day, self.days)

    def _bounds(self, first_day: date, days: int) -> tuple[datetime, datetime]:
        start = datetime.combine(first_day, time(), tzinfo=self.zone)
        end = datetime.combine(first_day + timedelta(days=days), time(), tzinfo=self.zone)
        return start, end

    def set_window(self, first_day: date, days: int, *, force: bool = False) -> bool:
        """Show ``days`` local days from ``first_day``; loads only when the window changed.
        ``force``: read it again, whatever was read before (the data changed)."""
        if not force and (first_day, days) == (self.first_day, self.days):
            return False
        self.first_day, self.days = first_day, days
        if force:
            self.reload()
        else:
            self._show_window()
        return True

    def set_filters(self, filters: CalendarFilters) -> None:
        if filters != self.filters:
            self.filters = filters
            if self.first_day is not None:
                self._show_window()

    def reload(self) -> None:
        """Read the window again (what it shows changed); windows read before are dropped."""
        self.forget()
        self._read()

    def forget(self) -> None:
        """Drop the windows kept and the reads ahead in flight: the data changed."""
        self._epoch += 1
        self._cache.clear()
        self._reading.clear()
        self._ahead.stop()

    def _key(self, first_day: date, days: int) -> WindowKey:
        return (first_day, days, self.filters, self.zone)

    def _show_window(self) -> None:
        assert self.first_day is not None
        rows = self._kept(self._key(self.first_day, self.days))
        if rows is None:
            self._read()
        else:
            self._generation += 1  # a read of the window shown before is dropped when it lands
            self._loaded(rows)

    def _read(self) -> None:
        # A newer window wins: older results are dropped when they arrive. (Not Task.cancel():
        # a task cancelled before it starts never settles, and the runner would stay "busy".)
        assert self.first_day is not None
        self._generation += 1
        generation, epoch = self._generation, self._epoch
        key = self._key(self.first_day, self.days)
        start, end = self.window()
        filters, zone = self.filters, self.zone

        def done(rows: Rows) -> None:
            if epoch == self._epoch:
                self._keep(key, rows)
            if generation == self._generation:
                self._loaded(rows)

        self.runner.run(
            lambda: read_rows(self.ctx, start, end, filters, zone),
            on_done=done,
            on_error=lambda exc: self.move_failed.emit(0, explain(exc).sentence),
            owner=self,
            name="calendar_items",
        )

    def _read_ahead(self) -> None:
        """Read the windows either side of the one shown, unless kept or being read."""
        if not self.read_ahead or self.first_day is None:
            return
        for first_day, days in adjacent_windows(self.first_day, self.days):
            key = self._key(first_day, days)
            if key not in self._reading and self._kept(key) is None:
                self._read_ahead_of(key)

    def _read_ahead_of(self, key: WindowKey) -> None:
        first_day, days, filters, zone = key
        start, end = self._bounds(first_day, days)
        epoch = self._epoch
        self._reading.add(key)

        def done(rows: Rows) -> None:
            if epoch == self._epoch:
                self._reading.discard(key)
                self._keep(key, rows)

        self.runner.run(
            lambda: read_rows(self.ctx, start, end, filters, zone),
            on_done=done,
            # quietly: the window is read again (and a failure shown) when it is shown
            on_error=lambda _exc: self._reading.discard(key) if epoch == self._epoch else None,
            owner=self,
            name="calendar_read_ahead",
        )

    def _kept(self, key: WindowKey) -> Rows | None:
        found = self._cache.get(key)
        if found is None:
            return None
        read_at, rows = found
        if monotonic() - read_at > CACHE_SECONDS:
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return rows

    def _keep(self, key: WindowKey, rows: Rows) -> None:
        self._cache[key] = (monotonic(), rows)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHED_WINDOWS:
            self._cache.popitem(last=False)

    def _loaded(self, rows: Rows) -> None:
        self._install(rows)
        self.load_count += 1
        self.loaded.emit()
        if self.read_ahead:
            self._ahead.start()

    def reading_ahead(self) -> bool:
        """Whether windows either side of the shown one are still to be read or being read."""
        return self._ahead.isActive() or bool(self._reading)

    def set_items(self, items: list[CalendarItem]) -> None:
        """Replace the rows (``items`` in time order, as the service returns them)."""
        self._install(index_rows(items, self.zone))

    def _install(self, rows: Rows) -> None:
        self.beginResetModel()
        self._by_day = rows.by_day
        self._by_variant = rows.by_variant
        self._chips = dict(rows.chips)  # days without posts are added as views ask
        self._items = self._sorted(list(rows.items))
        self.version += 1
        self.endResetModel()

    # Sorting lives here, not in a QSortFilterProxyModel: sorting 5,000 rows through data()
    # calls takes a second on every reload; a Python key sort takes milliseconds.
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._items = self._sorted(self._items)
        self.layoutChanged.emit()

    def _sorted(self, items: list[CalendarItem]) -> list[CalendarItem]:
        column, order = self._sort
        keys = {
            self.WHEN: lambda i: (i.when, i.variant_id),
            self.ACCOUNT: lambda i: (i.handle, i.when),
            self.CAMPAIGN: lambda i: (i.campaign or "", i.when),
            self.STATE: lambda i: (i.status, i.when),
            self.TEXT: lambda i: (i.text.casefold(), i.when),
        }
        if (column, order) != (self.WHEN, Qt.SortOrder.AscendingOrder):
            items.sort(key=keys[column], reverse=order == Qt.SortOrder.DescendingOrder)
        elif not in_time_order([i.when for i in items]):
            items.sort(key=keys[self.WHEN])
        return items

    # --- reading --------------------------------------------------------------------------

    def items(self) -> list[CalendarItem]:
        return list(self._items)

    def items_on(self, day: date) -> list[CalendarItem]:
        return self._by_day.get(day, [])

    def item(self, variant_id: int) -> CalendarItem | None:
        return self._by_variant.get(variant_id)

    def chips_on(self, day: date) -> list[PostChip]:
        """One chip per post per time on ``day``; those that need the user first."""
        return self.day_chips(day).all()

    def pinned_on(self, day: date) -> int:
        """How many of :meth:`chips_on` ``day`` need the user (they come first)."""
        return self.day_chips(day).pinned

    def day_chips(self, day: date) -> DayChips:
        """``day``'s chips, counted, and built as far as a view asks (:meth:`DayChips.first`)."""
        found = self._chips.get(day)
        if found is None:
            found = self._chips[day] = DayChips(self.items_on(day))
        return found

    def chip_of(self, variant_id: int) -> PostChip | None:
        """The chip showing ``variant_id`` (with the post's other variants at that time)."""
        item = self._by_variant.get(variant_id)
        if item is None:
            return None
        return next((c for c in self.chips_on(self.local(item).date()) if variant_id in c.variant_ids), None)

    def campaigns_shown(self) -> list[tuple[int, str, str]]:
        """(id, name, colour) of the campaigns with posts in the window, by name."""
        found = {i.campaign_id: (i.campaign or "", i.color or "") for i in self._items if i.campaign_id is not None}
        return sorted(((cid, name, color) for cid, (name, color) in found.items()), key=lambda c: c[1].casefold())

    def local(self, item: CalendarItem) -> datetime:
        return item.when.astimezone(self.zone)

    # --- moving ---------------------------------------------------------------------------

    def move(self, variant_id: int, new_time: datetime, on_done: Callable[[], None] | None = None) -> bool:
        """Move an item now and save it in the background; reverted (and ``move_failed``) if the
        store refuses. Returns False, without changing anything, for an item that cannot move."""
        item = self._by_variant.get(variant_id)
        if item is None:  # out of view (e.g. undoing a move to another month): save, then reload

            def saved_elsewhere(_previous: Any) -> None:
                self.move_saved.emit(variant_id, new_time)
                self.reload()

            self.runner.run(
                lambda: _reschedule(self.ctx, variant_id, new_time),
                on_done=saved_elsewhere,
                on_error=lambda exc: self.move_failed.emit(variant_id, explain(exc).sentence),
                owner=self,
                changes=changes(POSTS, source=self),
                name="reschedule_variant",
            )
            return True
        if not item.movable:
            self.move_failed.emit(variant_id, item.why_fixed)
            return False
        self._replace(item, item._replace(when=new_time))

        def failed(exc: Exception) -> None:
            current = self._by_variant.get(variant_id)
            if current is not None:
                self._replace(current, item)
            self.move_failed.emit(variant_id, explain(exc).sentence)

        def saved(_previous: Any) -> None:
            self.forget()  # a window read ahead while this was saving may hold the old time
            self.move_saved.emit(variant_id, new_time)
            if on_done is not None:
                on_done()

        self.runner.run(
            lambda: _reschedule(self.ctx, variant_id, new_time),
            on_done=saved,
            on_error=failed,
            owner=self,
            changes=changes(POSTS, source=self),
            name="reschedule_variant",
        )
        return True

    def _replace(self, old: CalendarItem, new: CalendarItem) -> None:
        self.forget()  # the windows kept (which overlap this one) hold the old time
        start, end = self.window()
        items = [i for i in self._items if i.variant_id != old.variant_id]
        if start <= new.when < end:  # moved out of the window: it leaves the view
            items.append(new)
        items.sort(key=lambda i: (i.when, i.variant_id))
        self.set_items(items)

    # --- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if section == self.WHEN:
                return f"When ({zone_label(self.zone)})"
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        col = index.column()
        if role == ROW_ROLE:
            return item
        if role == SORT_ROLE:
            return (item.when.timestamp(), item.handle, item.campaign or "", item.status, item.text)[col]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.WHEN:
                return f"{self.local(item):%a %d %b  %H:%M}"
            return (None, item.handle, item.campaign or "—", STATUS_TEXT.get(item.status, item.status), item.text)[col]
        if role == Qt.ItemDataRole.DecorationRole and col == self.ACCOUNT:
            return network_icon(item.network)
        if role == Qt.ItemDataRole.DecorationRole and col == self.CAMPAIGN and item.color:
            return swatch(item.color)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATE and item.status == "failed":
            return QColor(theme.current().danger)
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.error or item.why_fixed or None
        return None
