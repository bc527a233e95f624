"""Calendar: scheduled, published and failed posts by month, week or as a list.

Only the visible window is loaded (see CalendarModel). One chip per post per time, with an
avatar per account. Dragging a chip reschedules it through a QUndoStack (Ctrl+Z /
Ctrl+Shift+Z); a draft dragged from the Drafts page is scheduled where it is dropped (undo
returns it to the drafts); double-click or Enter asks the composer to open it, Delete asks
before deleting. Every time is in the user's zone (Settings), named under the toolbar.

The page can be built before the data is open (``ctx`` None): it then shows the first month read
ahead with sqlite3 (:class:`~desktop.services.calendar_rows.FirstWindowRead`), with everything
that needs the data (moving, opening, deleting, filtering, other months) disabled until
:meth:`CalendarPage.attach`, which switches to the normal reads.
"""

from __future__ import annotations

import calendar as pycal
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPoint, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QColor, QHideEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services.calendar_rows import CalendarItem, FirstWindow, FirstWindowRead, excerpt
from desktop.services.zones import zone_label
from desktop.ui.calendar.commands import RescheduleCommand
from desktop.ui.calendar.dialogs import RecurringDialog, RescheduleDialog
from desktop.ui.calendar.draft_drop import DraftDrops
from desktop.ui.calendar.legend import CampaignLegend, LegendEntry
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.calendar.month_view import MonthView, grid_start
from desktop.ui.calendar.toolbar import CalendarToolbar
from desktop.ui.calendar.week_view import WeekView, week_start
from desktop.ui.changes import ACCOUNTS, CAMPAIGNS, POSTS, SETTINGS, Changes, changes
from desktop.ui.errors import explain
from desktop.ui.pages.base import Page
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.table_model import ROW_ROLE

# The data layer (accounts, campaigns, recurrence: SQLAlchemy) is imported where it is used, so
# the page can be built, and show its first month, before the data is open.
if TYPE_CHECKING:
    from desktop.services import recurrence
    from desktop.services.accounts import AccountRow
    from desktop.services.campaigns import CampaignRow
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


#: What an action that needs the data says before the data is open (the page is disabled then).
NOT_OPEN_YET = "Your posts are still opening; try again in a moment."


@dataclass(frozen=True)
class CalendarContext:
    """What the page shows around the posts: accounts, campaigns (archived too), the zone."""

    accounts: list[AccountRow]
    campaigns: list[CampaignRow]
    zone: str
    network_colors: dict[str, str] = field(default_factory=dict)


def _load_context(ctx: AppContext) -> CalendarContext:
    from desktop.services.accounts import list_accounts
    from desktop.services.campaigns import list_campaigns
    from desktop.services.zones import user_zone_name

    accounts = list_accounts(ctx)
    # only the networks posts can be on: asking the registry for every network would import every
    # provider module on the way to the first month the user sees
    networks = {a.network for a in accounts if a.network in ctx.registry}
    colors = {n: color for n in networks if (color := ctx.registry.cls(n).info.color)}
    return CalendarContext(accounts, list_campaigns(ctx, include_archived=True), user_zone_name(ctx), colors)


class CalendarPage(Page):
    key = "calendar"
    title = "Calendar"
    icon_name = "calendar"
    subtitle = "Everything scheduled, published or failed, by day."
    watches = frozenset({POSTS, CAMPAIGNS, ACCOUNTS, SETTINGS})

    #: A post to open in the composer (double-click, Enter, "Open in composer"); forwarded to
    #: Page.edit_post, which the main window connects to the composer.
    open_post = Signal(int)
    #: The user asked to import posts from a CSV file (the main window owns the dialog).
    import_requested = Signal()
    #: The first month read ahead (a FirstWindow, or None), handed over from the reading thread.
    _first_window_read = Signal(object)

    def __init__(
        self,
        ctx: AppContext | None,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        first_window: FirstWindowRead | None = None,
    ) -> None:
        super().__init__(ctx, runner, parent)  # type: ignore[arg-type]  # None until attach()
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Schedule many posts at once from a spreadsheet (Ctrl+Shift+I)")
        self.import_button.clicked.connect(self.import_requested.emit)
        self.header_actions.addWidget(self.import_button)
        self.model = CalendarModel(self.ctx, runner, "UTC", self)
        self.undo_stack = QUndoStack(self)
        self.drafts = DraftDrops(self.ctx, runner, self.model, self.undo_stack, self.show_status, self)
        self.mode = "month"
        self.anchor = date.today()
        self.accounts: list[AccountRow] = []
        self.campaigns: dict[int, CampaignRow] = {}
        self._legend_hover: int | None = None
        self._legend_campaigns: dict[int, tuple[str, str]] = {}  # shown before a campaign filter

        self.toolbar = CalendarToolbar()
        self.legend = CampaignLegend()
        self.legend.chosen.connect(self.filter_campaign)
        self.legend.hovered.connect(self._hover_campaign)
        self.month_view = MonthView(self.model)
        self.week_view = WeekView(self.model)
        self.proxy = QIdentityProxyModel(self)  # sorting is the model's own (see CalendarModel.sort)
        self.proxy.setSourceModel(self.model)
        self.list_view = QTableView()
        self.list_view.setModel(self.proxy)
        self.list_view.setSortingEnabled(True)
        self.list_view.sortByColumn(CalendarModel.WHEN, Qt.SortOrder.AscendingOrder)
        self.list_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.setShowGrid(False)
        self.list_view.setAlternatingRowColors(True)
        self.list_view.verticalHeader().hide()
        self.list_view.verticalHeader().setDefaultSectionSize(34)
        header = self.list_view.horizontalHeader()
        # fixed widths: ResizeToContents would measure a thousand rows on every reload
        for column, width in ((CalendarModel.WHEN, 150), (CalendarModel.ACCOUNT, 240), (CalendarModel.CAMPAIGN, 150)):
            header.resizeSection(column, width)
        header.resizeSection(CalendarModel.STATE, 100)
        header.setSectionResizeMode(CalendarModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self.list_view.activated.connect(self._open_row)  # Enter, or a double-click
        delete_row = QAction("Delete…", self.list_view)
        delete_row.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete), QKeySequence("Backspace")])
        delete_row.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_row.triggered.connect(self._delete_row)
        self.list_view.addAction(delete_row)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._list_menu)

        self.views = QStackedWidget()
        for view in (self.month_view, self.week_view, self.list_view):
            self.views.addWidget(view)
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.linkActivated.connect(lambda _link: self.navigate.emit("compose"))
        self.hint.hide()

        content = QWidget()
        rows = QVBoxLayout(content)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(8)
        rows.addWidget(self.toolbar)
        legend_row = QHBoxLayout()
        legend_row.setSpacing(12)
        legend_row.addWidget(self.legend, 1)
        legend_row.addWidget(self.toolbar.zone_label)
        rows.addLayout(legend_row)
        rows.addWidget(self.views, 1)
        rows.addWidget(self.hint)
        rows.addWidget(self.toolbar.status)
        self.content = content
        self.no_accounts = EmptyState(
            "accounts",
            "No accounts yet",
            "Connect a social account first; then the calendar shows your posts here, coloured by campaign.",
            "Connect an account",
            lambda: self.navigate.emit("accounts"),
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.no_accounts)
        self.stack.addWidget(content)
        if ctx is None:  # until the data says otherwise, the calendar (an empty one), not "No accounts"
            self.stack.setCurrentWidget(content)
        self.body.addWidget(self.stack, 1)

        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)])
        for action, button, glyph, name in (
            (self.undo_action, self.toolbar.undo_button, "↶", "Undo"),
            (self.redo_action, self.toolbar.redo_button, "↷", "Redo"),
        ):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            # not setDefaultAction: the action's text grows ("Undo Move to Wed 10 Mar 09:00")
            button.setText(glyph)
            button.setAccessibleName(name)
            button.clicked.connect(action.trigger)
        stack = self.undo_stack
        for signal in (stack.canUndoChanged, stack.canRedoChanged, stack.undoTextChanged, stack.redoTextChanged):
            signal.connect(self._sync_undo_buttons)
        self._sync_undo_buttons()

        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.timeout.connect(lambda: self.show_status(""))
        self.toolbar.status.hide()  # shown with a message: an empty row would take the calendar's room

        tb = self.toolbar
        tb.today_clicked.connect(self.go_today)
        tb.step.connect(self.step)
        tb.mode_changed.connect(self.set_mode)
        tb.filters_changed.connect(self._filters_changed)
        for canvas in (self.month_view, self.week_view.canvas):
            canvas.delete_requested.connect(self.confirm_delete)
            canvas.draft_dropped.connect(self.drafts.schedule)
            canvas.open_post.connect(self.open_post)
            canvas.selected_changed.connect(self.select_date)
            canvas.move_requested.connect(self.request_move)
            canvas.refused.connect(self.show_status)
            canvas.context_requested.connect(self.show_chip_menu)
            canvas.period_step.connect(self.step)
            canvas.today_requested.connect(self.go_today)
        self.month_view.day_activated.connect(self._show_week_of)
        self.week_view.canvas.day_activated.connect(self._show_list_of)
        self.open_post.connect(self._open_post)  # the main window opens it in the composer
        self._pending_open: int | None = None
        self.model.loaded.connect(self._update_hint)
        self.model.loaded.connect(self._update_legend)
        self.model.move_failed.connect(lambda _vid, reason: self.show_status(reason))
        self._update_title()
        self._needs_data = (self.content, self.import_button)
        for widget in self._needs_data:
            widget.setEnabled(self.attached)
        if first_window is not None:
            # queued: shown in a later turn of the event loop, never inside this constructor
            self._first_window_read.connect(self._show_first_window, Qt.ConnectionType.QueuedConnection)
            emit: SignalInstance = self._first_window_read
            first_window.then(emit.emit)

    @property
    def attached(self) -> bool:
        """Whether the data is open (built with a context, or :meth:`attach` ran)."""
        return self.ctx is not None

    def attach(self, ctx: AppContext) -> None:
        """The data is open: what needs it is enabled, and the page switches to the normal reads
        (the caller refreshes it, as for any page shown). Items read ahead stay on show until
        the normal read replaces them."""
        self.ctx = ctx
        self.model.ctx = ctx
        self.drafts.ctx = ctx
        for widget in self._needs_data:
            widget.setEnabled(True)
        if self._pending_open is not None:
            post_id, self._pending_open = self._pending_open, None
            self.edit_post.emit(post_id)

    def _open_post(self, post_id: int) -> None:
        """Ask the main window to open the post; before the data is open, once it is."""
        if self.attached:
            self.edit_post.emit(post_id)
        else:
            self._pending_open = post_id

    def _data_open(self) -> bool:
        """Whether the data is open; if not, says so (what needs the data waits for it)."""
        if not self.attached:
            self.show_status(NOT_OPEN_YET)
        return self.attached

    def _show_first_window(self, first: FirstWindow | None) -> None:
        """Show the month read ahead, if it is still what the page would show first: nothing
        read yet, the month view of the same month, no filter chosen."""
        if first is None or self.model.first_day is not None or self.mode != "month":
            return
        if (first.first_day, first.days) != self.window_for("month", self.anchor):
            return
        if first.filters != self.toolbar.filters():
            return
        if not first.has_accounts:  # the way to connect one, at once (read at the head schema: sure)
            self.stack.setCurrentWidget(self.no_accounts)
            return
        self.stack.setCurrentWidget(self.content)
        self.toolbar.set_zone(zone_label(first.zone))
        self.model.set_zone(first.zone.key)
        self.model.first_day, self.model.days = first.first_day, first.days
        self.model.set_items(first.items)
        self._show_period()
        self.model.loaded.emit()

    def _sync_undo_buttons(self, *_args: object) -> None:
        """The undo/redo buttons: enabled when there is something to undo, which in the tooltip."""
        stack = self.undo_stack
        for button, can, what, keys, verb in (
            (self.toolbar.undo_button, stack.canUndo(), stack.undoText(), "Ctrl+Z", "Undo"),
            (self.toolbar.redo_button, stack.canRedo(), stack.redoText(), "Ctrl+Shift+Z", "Redo"),
        ):
            button.setEnabled(can)
            button.setToolTip(f"{verb}: {what} ({keys})" if can and what else f"{verb} ({keys})")

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.attached:
            return  # attach() brings the data; the caller refreshes then
        self.runner.run(
            lambda: _load_context(self.ctx),
            on_done=self._show_context,
            on_error=lambda exc: self.show_status(explain(exc).sentence),
            owner=self,
            name="calendar_context",
        )

    def on_changes(self, changed: Changes) -> None:
        if not self.attached or not self.isVisible() or not changed.touches(self.watches):
            return  # a hidden page is refreshed when it is next shown
        if changed.kinds == {SETTINGS} and "timezone" not in changed.settings:
            return  # other settings do not change what the calendar shows
        if changed.kinds == {POSTS} and changed.source in (self, self.model):
            return  # made here: the model shows it already (or is reloading it)
        self.refresh()

    def _show_context(self, loaded: CalendarContext) -> None:
        self.accounts = loaded.accounts
        self.campaigns = {c.id: c for c in loaded.campaigns}
        if not loaded.accounts:
            self.stack.setCurrentWidget(self.no_accounts)
            return
        self.stack.setCurrentWidget(self.content)
        current = self.toolbar.campaign_filter.currentData()
        # the filter offers the active campaigns, and the one shown now even if archived since
        offered = [c for c in loaded.campaigns if not c.archived or c.id == current]
        self.toolbar.set_options(loaded.accounts, offered)
        self.toolbar.set_zone(zone_label(loaded.zone))
        self.model.network_colors = loaded.network_colors
        self.model.set_zone(loaded.zone)
        self.model.filters = self.toolbar.filters()
        self._update_highlight()
        self._apply_window(force=True)

    def hideEvent(self, event: QHideEvent) -> None:
        self._status_timer.stop()  # nothing ticks while the page is hidden
        self.show_status("")
        super().hideEvent(event)

    # --- campaigns: filter, legend, date range ------------------------------------------------

    def _filters_changed(self, filters: object) -> None:
        self.model.set_filters(self.toolbar.filters())
        self._update_highlight()

    def filter_campaign(self, campaign_id: int | None) -> None:
        """Show only one campaign (None: all); what a legend entry does when clicked."""
        found = self.campaigns.get(campaign_id) if campaign_id is not None else None
        self.toolbar.select_campaign(campaign_id, found.name if found else "")

    def _hover_campaign(self, campaign_id: int | None) -> None:
        self._legend_hover = campaign_id
        self._update_highlight()

    def filtered_campaign(self) -> int | None:
        value = self.toolbar.campaign_filter.currentData()
        return value if value else None  # 0 is "no campaign"

    def _update_highlight(self) -> None:
        """Tint the hovered (else the filtered) campaign's days, when it has dates."""
        wanted = self._legend_hover if self._legend_hover is not None else self.filtered_campaign()
        found = self.campaigns.get(wanted) if wanted is not None else None
        highlight = None
        if found is not None and (found.starts_on or found.ends_on):
            first = found.starts_on or found.ends_on
            last = found.ends_on or found.starts_on
            assert first is not None and last is not None
            highlight = (first, last, QColor(found.color or "#868e96"))
        for canvas in (self.month_view, self.week_view.canvas):
            canvas.set_highlight(highlight)

    def _update_legend(self) -> None:
        shown = {cid: (name, color) for cid, name, color in self.model.campaigns_shown()}
        selected = self.filtered_campaign()
        if selected is None:
            self._legend_campaigns = shown
        else:  # showing one campaign: the legend keeps the others, to switch to one of them
            shown = {**self._legend_campaigns, **shown}
        if selected is not None and selected not in shown and selected in self.campaigns:
            shown[selected] = (self.campaigns[selected].name, self.campaigns[selected].color)
        entries = []
        for cid, (name, color) in sorted(shown.items(), key=lambda kv: kv[1][0].casefold()):
            row = self.campaigns.get(cid)
            entries.append(LegendEntry(cid, name, color, row.starts_on if row else None, row.ends_on if row else None))
        self.legend.set_entries(entries, selected)

    def window_for(self, mode: str, anchor: date) -> tuple[date, int]:
        if mode == "month":
            return grid_start(anchor), 42
        if mode == "week":
            return week_start(anchor), 7
        first = anchor.replace(day=1)
        return first, pycal.monthrange(first.year, first.month)[1]

    def _apply_window(self, *, force: bool = False) -> None:
        self._show_period()
        if self.stack.currentWidget() is self.content:
            first, days = self.window_for(self.mode, self.anchor)
            self.model.set_window(first, days, force=force)

    def _show_period(self) -> None:
        """The views and the title on the period around the anchor (the rows come from the model)."""
        self.month_view.set_month(self.anchor)
        self.week_view.set_week(self.anchor)
        for canvas in (self.month_view, self.week_view.canvas):
            canvas.set_selected_date(self.anchor)
        self._update_title()

    def _update_title(self) -> None:
        if self.mode == "week":
            first = week_start(self.anchor)
            last = first + timedelta(days=6)
            same = first.month == last.month
            text = (
                f"{first.day}–{last.day} {last:%B %Y}" if same else f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
            )
        else:
            text = f"{self.anchor:%B %Y}"
        self.toolbar.title.setText(text)

    def _update_hint(self) -> None:
        period = "this week" if self.mode == "week" else "this month"
        empty = self.model.rowCount() == 0
        self.hint.setText(f"Nothing scheduled {period} — <a href='compose'>Compose a post</a>")
        self.hint.setVisible(empty)

    # --- navigation -----------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.toolbar.set_mode(mode)
        view = {"month": self.month_view, "week": self.week_view, "list": self.list_view}[mode]
        self.views.setCurrentWidget(view)
        self._apply_window()
        if mode == "week":
            self.week_view.scroll_to_hour(7)
            self.week_view.canvas.setFocus()
        elif mode == "month":
            self.month_view.setFocus()
        self._update_hint()

    def step(self, direction: int) -> None:
        if self.mode == "week":
            self.anchor += timedelta(weeks=direction)
        else:
            month = self.anchor.month - 1 + direction
            year = self.anchor.year + month // 12
            month = month % 12 + 1
            self.anchor = self.anchor.replace(
                year=year, month=month, day=min(self.anchor.day, pycal.monthrange(year, month)[1])
            )
        self._apply_window()

    def go_today(self) -> None:
        self.anchor = datetime.now(self.model.zone).date()
        self._apply_window()

    def select_date(self, day: date) -> None:
        self.anchor = day
        self._apply_window()

    def _show_week_of(self, day: date) -> None:
        self.anchor = day
        self.set_mode("week")

    def _show_list_of(self, day: date) -> None:
        self.select_date(day)
        self.set_mode("list")

    # --- moving ---------------------------------------------------------------------------

    def request_move(self, variant_id: int, new_time: datetime) -> bool:
        """Push an undoable move of the variant's chip (the post's variants at that time; what a
        drop does). False when it cannot move."""
        if not self._data_open():
            return False
        item = self.model.item(variant_id)
        if item is None:
            return False
        chip = self.model.chip_of(variant_id)
        items = list(chip.items) if chip is not None else [item]
        reason = next((i.why_fixed for i in items if i.why_fixed), "")
        if reason:
            self.show_status(reason)
            return False
        label = f"Move to {new_time.astimezone(self.model.zone):%a %d %b %H:%M}"
        moves = [(i.variant_id, i.when) for i in items]
        self.undo_stack.push(RescheduleCommand(self.model, moves, new_time, label))
        self.show_status(f"{label} ({zone_label(self.model.zone)}). Undo with Ctrl+Z.")
        return True

    def show_status(self, text: str) -> None:
        self.toolbar.status.setText(text)
        self.toolbar.status.setVisible(bool(text))
        if text:
            self._status_timer.start(8000)

    # --- the chip's menu --------------------------------------------------------------------

    def chip_menu(self, item: CalendarItem) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Open in composer", lambda: self.open_post.emit(item.post_id))
        reschedule = menu.addAction("Reschedule…", lambda: self.reschedule_dialog(item))
        reschedule.setEnabled(item.movable)
        if not item.movable:
            reschedule.setToolTip(item.why_fixed)
        menu.addSeparator()
        menu.addAction("Duplicate", lambda: self.duplicate(item))
        menu.addAction("Make recurring…", lambda: self.recurring_dialog(item))
        menu.addSeparator()
        menu.addAction("Delete…", lambda: self.confirm_delete(item))
        if item.series_id:
            menu.addAction("Delete this and following…", lambda: self.confirm_delete(item, series=True))
        menu.setToolTipsVisible(True)
        return menu

    def show_chip_menu(self, item: CalendarItem, pos: QPoint) -> None:
        self.chip_menu(item).popup(pos)

    def _list_menu(self, pos: QPoint) -> None:
        index = self.list_view.indexAt(pos)
        if index.isValid():
            self.show_chip_menu(index.data(ROW_ROLE), self.list_view.viewport().mapToGlobal(pos))

    def _delete_row(self) -> None:
        index = self.list_view.currentIndex()
        if index.isValid():
            self.confirm_delete(index.data(ROW_ROLE))

    def _open_row(self, index: QModelIndex) -> None:
        self.open_post.emit(index.data(ROW_ROLE).post_id)

    def reschedule_dialog(self, item: CalendarItem) -> RescheduleDialog:
        dialog = RescheduleDialog(item, self.model.zone, self)
        dialog.accepted.connect(lambda: self.request_move(item.variant_id, dialog.value()))
        dialog.open()
        return dialog

    def recurring_dialog(self, item: CalendarItem) -> RecurringDialog:
        dialog = RecurringDialog(item, self.model.zone, self)
        dialog.accepted.connect(lambda: self.make_recurring(item, *dialog.values()))
        dialog.open()
        return dialog

    def _after_change(self, message: str, *, deleted: bool = False) -> None:
        if deleted:
            self.undo_stack.clear()  # earlier moves may refer to posts that are gone
        self.show_status(message)
        self.model.reload()

    def _failed(self, exc: Exception) -> None:
        self.show_status(explain(exc).sentence)

    def duplicate(self, item: CalendarItem) -> None:
        if not self._data_open():
            return
        from desktop.services import recurrence

        self.runner.run(
            lambda: recurrence.duplicate_post(self.ctx, item.post_id),
            on_done=lambda _id: self._after_change("Duplicated as a draft next to the original."),
            on_error=self._failed,
            owner=self,
            changes=changes(POSTS, source=self),
            name="duplicate_post",
        )

    def make_recurring(self, item: CalendarItem, every: int, unit: str, until: date) -> None:
        if not self._data_open():
            return
        from desktop.services import recurrence

        self.runner.run(
            lambda: recurrence.make_recurring(self.ctx, item.post_id, every, unit, until),  # type: ignore[arg-type]
            on_done=lambda ids: self._after_change(f"Added {len(ids)} repeat(s) until {until:%d %b %Y}."),
            on_error=self._failed,
            owner=self,
            changes=changes(POSTS, source=self),
            name="make_recurring",
        )

    def confirm_delete(self, item: CalendarItem, *, series: bool = False) -> QMessageBox:
        """Ask first (window-modal, not blocking); deleting happens on Delete."""
        what = "this post and every later repeat of it" if series else "this post (on every account it targets)"
        if item.status == "published":
            note = "\n\nIt stays on the network: it is only removed here."
        elif item.state == "partially_live":
            note = "\n\nPart of this thread is already public; it stays on the network: it is only removed here."
        elif item.state == "outcome_unknown":
            note = "\n\nIt may already be on the network (sending was interrupted); check there."
        else:
            note = ""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete post",
            f"Delete {what}?\n\n“{excerpt(item.text, 160)}”\n{self.drafts.when_words(item.when)}{note}",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: self.delete(item, series=series) if button is delete else None)
        box.open()
        self.confirm_box = box
        return box

    def delete(self, item: CalendarItem, *, series: bool = False) -> None:
        if not self._data_open():
            return
        from desktop.services import recurrence

        def work() -> recurrence.Deleted:
            if series and item.series_id:
                return recurrence.delete_series(self.ctx, item.series_id, item.post_id)
            return recurrence.delete_post(self.ctx, item.post_id)

        def deleted(d: recurrence.Deleted) -> None:
            self._after_change(f"Deleted {len(d.post_ids)} post(s). {d.note}".strip(), deleted=True)

        self.runner.run(
            work,
            on_done=deleted,
            on_error=self._failed,
            owner=self,
            changes=changes(POSTS, source=self),
            name="delete_post",
        )

    @property
    def zone(self) -> ZoneInfo:
        return self.model.zone

    def current_view(self) -> QWidget:
        view = self.views.currentWidget()
        assert view is not None
        return view

    def action_for(self, name: str) -> QAction:
        return {"undo": self.undo_action, "redo": self.redo_action}[name]
