"""Campaigns: named groups of posts with dates, colour, a goal with progress, notes and UTM defaults.

Edit, archive (hidden from pickers, posts still publish and count) and delete (posts stay and
lose the campaign, said with counts before asking). All reads and writes run off the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from desktop.services import campaigns as svc
from desktop.services.campaigns import CampaignRow, DeletionImpact
from desktop.ui import theme
from desktop.ui.campaigns.campaign_dialog import CampaignDialog, campaign_failure
from desktop.ui.campaigns.model import CampaignsModel, GoalProgressDelegate
from desktop.ui.changes import CAMPAIGNS, METRICS, POSTS, changes
from desktop.ui.errors import explain, show_error
from desktop.ui.icons import icon
from desktop.ui.pages.base import Page
from desktop.ui.widgets.banner import WarningBanner
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.row_table import ROOMY_CELLS, set_up_row_table, sorting_proxy
from desktop.ui.widgets.table_model import ROW_ROLE

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import Task, TaskRunner

EMPTY_TITLE = "No campaigns yet"
EMPTY_BODY = (
    "A campaign groups posts under one name, with dates, a colour on the calendar, a goal to measure, "
    "and UTM tags added to its links."
)
ARCHIVED_NOTE = "hidden from pickers; its posts still publish and still count in analytics."


def delete_question(impact: DeletionImpact) -> str:
    """The confirmation's words: what happens to the posts, with the counts read just now."""
    return f"Delete the campaign {impact.name!r}?\n\n{impact.sentence}\n\nArchive it instead to keep it out of the way."


class CampaignsPage(Page):
    key = "campaigns"
    title = "Campaigns"
    icon_name = "campaigns"
    subtitle = "Group posts to plan them together and compare their results."
    watches = frozenset({CAMPAIGNS, POSTS, METRICS})
    #: From this page width the UTM column shows (below it, the name's tooltip has the tags).
    WIDE = 900
    GOAL_WIDTH = 200
    UTM_WIDTH = 220
    #: The user asked to see a campaign's results (campaign id): the window opens Analytics on it.
    open_results = Signal(int)

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self._keep_id: int | None = None  # the row to select again after a reload
        self.dialog: CampaignDialog | None = None  # the last one opened
        self.confirm_box: QMessageBox | None = None  # the delete question, while it is open
        self.error_box: QMessageBox | None = None  # the last failure shown
        self._load_task: Task | None = None

        self.show_archived = QCheckBox("Show archived")
        self.show_archived.setToolTip("List archived campaigns too (shown greyed)")
        self.show_archived.toggled.connect(lambda _on: self.refresh())
        self.header_actions.addWidget(self.show_archived)
        self.new_button = QPushButton(icon("plus", "#ffffff"), "New campaign")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.open_new_dialog)
        self.header_actions.addWidget(self.new_button)

        self.banner = WarningBanner()
        self.body.addWidget(self.banner)

        self.model = CampaignsModel(self)
        self.proxy = sorting_proxy(self.model, self)
        self.table = QTableView()
        set_up_row_table(
            self.table, self.proxy, row_height=44, sort_by=(CampaignsModel.DATES, Qt.SortOrder.AscendingOrder)
        )
        self.table.setStyleSheet(ROOMY_CELLS)
        self.goal_delegate = GoalProgressDelegate(self.table)
        self.table.setItemDelegateForColumn(CampaignsModel.GOAL, self.goal_delegate)
        header = self.table.horizontalHeader()
        # The name takes what the others leave (a long one is elided, whole in its tooltip), so the
        # dates, counts and goal bars stay on screen at the minimum window size.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CampaignsModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(CampaignsModel.GOAL, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(CampaignsModel.GOAL, self.GOAL_WIDTH)
        header.setSectionResizeMode(CampaignsModel.UTM, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(CampaignsModel.UTM, self.UTM_WIDTH)  # elided; whole in its tooltip
        header.setMinimumSectionSize(60)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAccessibleName("Campaigns")
        self.table.setToolTip("Enter: results in Analytics · F2 or double-click: edit · Delete: delete")
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Change the name, dates, goal, notes or UTM tags (F2)")
        self.edit_button.clicked.connect(self.edit_selected)
        self.results_button = QPushButton("Results")
        self.results_button.setToolTip("Open this campaign's results and goal progress in Analytics (Enter)")
        self.results_button.clicked.connect(self._open_results)
        self.archive_button = QPushButton("Archive")
        self.archive_button.clicked.connect(self.toggle_archive)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setProperty("danger", True)
        self.delete_button.setToolTip("Delete the campaign; its posts stay, without it (Delete)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.status.linkActivated.connect(self._status_link)
        self._undo_archive: tuple[int, bool] | None = None
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.results_button)
        actions.addWidget(self.archive_button)
        actions.addWidget(self.status, 1)
        actions.addWidget(self.delete_button)

        self.action_bar = QWidget()  # below the table; hidden with the empty state
        self.action_bar.setLayout(actions)
        actions.setContentsMargins(0, 0, 0, 0)
        self.action_bar.hide()

        self.empty = EmptyState(
            "campaigns",
            EMPTY_TITLE,
            EMPTY_BODY,
            "Create a campaign",
            self._new_from_empty_state,
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)
        self.body.addWidget(self.stack, 1)
        self.body.addWidget(self.action_bar)
        self._update_buttons()
        self.setTabOrder(self.table, self.edit_button)
        self._restyle(theme.current())
        theme.notifier().changed.connect(self._restyle)

    def _restyle(self, colors: theme.Colors) -> None:
        """Icons in the theme's colours, again after a switch at runtime."""
        self.results_button.setIcon(icon("analytics", colors.text))
        self.delete_button.setIcon(icon("trash", colors.danger))

    # --- loading --------------------------------------------------------------------------------

    def refresh(self) -> None:
        archived = self.show_archived.isChecked()

        def load() -> tuple[list[CampaignRow], int]:
            rows = svc.list_campaigns(self.ctx, include_archived=archived, with_progress=True)
            hidden = 0 if rows or archived else len(svc.list_campaigns(self.ctx, only_archived=True))
            return rows, hidden

        if self._load_task is not None:
            self._load_task.cancel()  # an older list (say, before "Show archived") must not land after this one
        self._load_task = self.runner.run(
            load,
            on_done=self._show,
            on_error=lambda exc: self.banner.show_text(f"Could not load the campaigns. {explain(exc).sentence}"),
            name="list_campaigns",
            owner=self,
        )

    def _show(self, loaded: tuple[list[CampaignRow], int]) -> None:
        rows, hidden = loaded
        keep = self._keep_id if self._keep_id is not None else self._selected_id()
        self._keep_id = None
        self.banner.hide()
        self.model.set_rows(rows)
        has_any = bool(rows) or self.show_archived.isChecked()
        if hidden:
            self.empty.title.setText("No active campaigns")
            self.empty.body.setText(
                f"{hidden} archived campaign{'s are' if hidden != 1 else ' is'} hidden. Tick “Show archived” "
                "to see them, or create a new campaign."
            )
        else:
            self.empty.title.setText(EMPTY_TITLE)
            self.empty.body.setText(EMPTY_BODY)
        self.stack.setCurrentWidget(self.table if has_any else self.empty)
        self.action_bar.setVisible(has_any)
        self._select(keep)
        self._update_buttons()

    # --- selection ------------------------------------------------------------------------------

    def selected(self) -> CampaignRow | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _selected_id(self) -> int | None:
        row = self.selected()
        return row.id if row else None

    def _select(self, campaign_id: int | None) -> None:
        if campaign_id is None:
            return
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            if index.data(ROW_ROLE).id == campaign_id:
                self.table.selectionModel().select(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.setCurrentIndex(index)
                return

    def _update_buttons(self) -> None:
        row = self.selected()
        for b in (self.edit_button, self.results_button, self.archive_button, self.delete_button):
            b.setEnabled(row is not None)
        unarchive = row is not None and row.archived
        self.archive_button.setText("Unarchive" if unarchive else "Archive")
        self.archive_button.setToolTip(
            "Show it in lists and pickers again"
            if unarchive
            else "Hide it from lists and pickers; its posts still publish and count in analytics"
        )

    # --- actions --------------------------------------------------------------------------------

    def _open_results(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_results.emit(row.id)

    def open_new_dialog(self) -> CampaignDialog:
        dialog = CampaignDialog(self.ctx, self.runner, self)
        dialog.created.connect(self._saved)
        return self._open(dialog)

    def _new_from_empty_state(self) -> None:
        self.open_new_dialog()

    def edit_selected(self) -> CampaignDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = CampaignDialog(self.ctx, self.runner, self, campaign=row)
        dialog.saved.connect(self._saved)
        return self._open(dialog)

    def _open(self, dialog: CampaignDialog) -> CampaignDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, row: CampaignRow) -> None:
        # the dialog's write reports CAMPAIGNS right after this: on_changes reloads and keeps the row
        self._keep_id = row.id
        self._say(f"Saved {row.name!r}.")

    def toggle_archive(self) -> None:
        row = self.selected()
        if row is None:
            return
        self._archive(row.id, not row.archived)

    def _archive(self, campaign_id: int, archived: bool) -> None:
        self.archive_button.setEnabled(False)
        self.runner.run(
            lambda: svc.archive_campaign(self.ctx, campaign_id, archived=archived),
            on_done=self._archived,
            on_error=self._error,
            name="archive_campaign",
            owner=self,
            changes=changes(CAMPAIGNS),
        )

    def _archived(self, row: CampaignRow) -> None:
        self._undo_archive = (row.id, not row.archived)
        if row.archived:
            self._say(f"Archived {row.name!r}: {ARCHIVED_NOTE}", undo=True)
        else:
            self._say(f"{row.name!r} is back in lists and pickers.", undo=True)
        self._keep_id = row.id  # the CAMPAIGNS change that follows reloads the list (on_changes)

    def delete_selected(self) -> None:
        """Count what the delete would leave without the campaign, then ask with those numbers."""
        row = self.selected()
        if row is None:
            return
        self.delete_button.setEnabled(False)
        self.runner.run(
            lambda: svc.deletion_impact(self.ctx, row.id),
            on_done=self._confirm_delete,
            on_error=self._error,
            name="deletion_impact",
            owner=self,
        )

    def _confirm_delete(self, impact: DeletionImpact) -> None:
        self._update_buttons()
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete campaign", delete_question(impact), parent=self)
        delete = box.addButton("Delete campaign", QMessageBox.ButtonRole.DestructiveRole)
        delete.setProperty("danger", True)
        delete.style().unpolish(delete)  # the box polished its buttons already; re-read the property
        delete.style().polish(delete)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._delete_answered(impact, button is delete))
        self.confirm_box = box
        box.open()

    def _delete_answered(self, impact: DeletionImpact, confirmed: bool) -> None:
        self.confirm_box = None
        if not confirmed:
            return
        self.runner.run(
            lambda: svc.delete_campaign(self.ctx, impact.campaign_id, expected=impact),
            on_done=self._deleted,
            on_error=self._error,
            name="delete_campaign",
            owner=self,
            changes=changes(CAMPAIGNS, POSTS),
        )

    def _deleted(self, impact: DeletionImpact) -> None:
        self._say(
            f"Deleted {impact.name!r}." + (f" {impact.posts} post(s) kept, without a campaign." if impact.posts else "")
        )

    def _error(self, exc: Exception) -> None:
        self._update_buttons()
        self.error_box = show_error(self, "Campaigns", campaign_failure(exc))
        self.refresh()

    def _say(self, text: str, *, undo: bool = False) -> None:
        if not undo:
            self._undo_archive = None
        self.status.setText(
            text.replace("&", "&amp;").replace("<", "&lt;") + (' <a href="undo">Undo</a>' if undo else "")
        )

    def _status_link(self, link: str) -> None:
        if link == "undo" and self._undo_archive is not None:
            campaign_id, archived = self._undo_archive
            self._undo_archive = None
            self.status.clear()
            self._archive(campaign_id, archived)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Narrow windows keep the goal's progress readable; the UTM tags stay in the name's tooltip.
        self.table.setColumnHidden(CampaignsModel.UTM, self.width() < self.WIDE)
        super().resizeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.selected() is not None:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._open_results()
                return
            if event.key() == Qt.Key.Key_F2:
                self.edit_selected()
                return
            if event.key() == Qt.Key.Key_Delete:
                self.delete_selected()
                return
        super().keyPressEvent(event)
