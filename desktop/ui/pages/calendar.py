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

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QColor, QHideEvent, QUndoStack
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop.services.calendar_rows import FirstWindow, FirstWindowRead
from desktop.services.zones import zone_label
from desktop.ui.calendar.commands import RescheduleCommand
from desktop.ui.calendar.context import CalendarContext, load_context
from desktop.ui.calendar.draft_drop import DraftDrops
from desktop.ui.calendar.legend import CampaignLegend
from desktop.ui.calendar.list_view import CalendarListView
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.calendar.month_view import MonthView
from desktop.ui.calendar.periods import period_of, period_title, stepped
from desktop.ui.calendar.post_actions import PostActions
from desktop.ui.calendar.toolbar import CalendarToolbar
from desktop.ui.calendar.week_view import WeekView
from desktop.ui.changes import ACCOUNTS, CAMPAIGNS, POSTS, SETTINGS, Changes
from desktop.ui.errors import explain
from desktop.ui.pages.base import Page
from desktop.ui.widgets.empty_state import EmptyState

# The data layer (accounts, campaigns, recurrence: SQLAlchemy) is imported where it is used, so
# the page can be built, and show its first month, before the data is open.
if TYPE_CHECKING:
    from desktop.services.accounts import AccountRow
    from desktop.services.campaigns import CampaignRow
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


#: What an action that needs the data says before the data is open (the page is disabled then).
NOT_OPEN_YET = "Your posts are still opening; try again in a moment."


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

        self.toolbar = CalendarToolbar()
        self.legend = CampaignLegend()
        self.legend.chosen.connect(self.filter_campaign)
        self.legend.hovered.connect(self._hover_campaign)
        self.month_view = MonthView(self.model)
        self.week_view = WeekView(self.model)
        self.list_view = CalendarListView(self.model)
        self.proxy = self.list_view.proxy
        self.post_actions = PostActions(self)  # the chip's (and list row's) menu and what it does
        self.list_view.open_post.connect(self.open_post)
        self.list_view.delete_requested.connect(self.post_actions.confirm_delete)
        self.list_view.context_requested.connect(self.post_actions.show_menu)

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

        self.undo_action, self.redo_action = self.toolbar.bind_undo(self.undo_stack, self)

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
            canvas.delete_requested.connect(self.post_actions.confirm_delete)
            canvas.draft_dropped.connect(self.drafts.schedule)
            canvas.open_post.connect(self.open_post)
            canvas.selected_changed.connect(self.select_date)
            canvas.move_requested.connect(self.request_move)
            canvas.refused.connect(self.show_status)
            canvas.context_requested.connect(self.post_actions.show_menu)
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

    def data_open(self) -> bool:
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

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.attached:
            return  # attach() brings the data; the caller refreshes then
        self.runner.run(
            lambda: load_context(self.ctx),
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
        self.legend.show_campaigns(self.model.campaigns_shown(), self.filtered_campaign(), self.campaigns)

    def window_for(self, mode: str, anchor: date) -> tuple[date, int]:
        return period_of(mode, anchor)

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
        self.toolbar.title.setText(period_title(self.mode, self.anchor))

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
        self.anchor = stepped(self.mode, self.anchor, direction)
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
        if not self.data_open():
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

    @property
    def zone(self) -> ZoneInfo:
        return self.model.zone

    def current_view(self) -> QWidget:
        view = self.views.currentWidget()
        assert view is not None
        return view

    def action_for(self, name: str) -> QAction:
        return {"undo": self.undo_action, "redo": self.redo_action}[name]
