"""Drafts: every idea and unfinished post, searchable, opened in Compose, dragged onto the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from desktop.services import drafts as svc
from desktop.services.accounts import AccountRow, list_accounts
from desktop.services.campaigns import CampaignRow, list_campaigns
from desktop.services.zones import user_zone_name
from desktop.ui import theme
from desktop.ui.changes import ACCOUNTS, CAMPAIGNS, POSTS, Changes, changes
from desktop.ui.drafts.model import DraftsModel
from desktop.ui.drafts.view import DraftsView
from desktop.ui.errors import explain
from desktop.ui.icons import icon, network_icon
from desktop.ui.pages.base import Page
from desktop.ui.widgets.empty_state import EmptyState

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import Task, TaskRunner

SEARCH_DELAY_MS = 250
#: How many drafts a delete question names before "and N more".
NAMED = 5


def _keys(key: QKeySequence.StandardKey) -> str:
    """The platform's keys for ``key`` as its users write them (Ctrl+Z, ⌘Z)."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


@dataclass(frozen=True)
class Loaded:
    drafts: list[svc.DraftRow]
    zone: str
    accounts: list[AccountRow] | None = None  # None: the filters were not reloaded
    campaigns: list[CampaignRow] | None = None


class DraftsPage(Page):
    key = "drafts"
    title = "Drafts"
    #: resources/icons/drafts.svg (a light bulb) once it is there; Compose's pen until then.
    icon_name = "drafts"
    subtitle = "Ideas and unfinished posts. Drag one onto the calendar to schedule it."
    watches = frozenset({POSTS, CAMPAIGNS, ACCOUNTS})

    #: "New idea": the main window shows Compose with a new, empty post (after ``navigate("compose")``).
    new_idea = Signal()

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self._load_task: Task | None = None
        self.new_button = QPushButton(icon("plus", "#ffffff"), "New idea")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip(f"Start a new post in Compose ({_keys(QKeySequence.StandardKey.New)})")
        self.new_button.clicked.connect(self.start_new)
        self.header_actions.addWidget(self.new_button)

        self.search = QLineEdit()
        self.search.setObjectName("DraftsSearch")
        self.search.setPlaceholderText("Search drafts")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search drafts")
        self.search.setToolTip(
            "Finds drafts by any words in their text, campaign name or account handle "
            f"({_keys(QKeySequence.StandardKey.Find)})"
        )
        self.search.setMinimumWidth(180)
        self.search.textChanged.connect(self._search_later)
        self.search.returnPressed.connect(self._focus_list)
        self.campaign = self._filter("All campaigns", "Filter by campaign", "Show only the drafts of one campaign", 14)
        self.account = self._filter(
            "All accounts", "Filter by account", "Show only the drafts going to one account", 16
        )
        self.filter_bar = QWidget()
        filters = QHBoxLayout(self.filter_bar)
        filters.setContentsMargins(0, 0, 0, 0)
        filters.setSpacing(8)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.campaign)
        filters.addWidget(self.account)
        self.body.addWidget(self.filter_bar)

        self.model = DraftsModel(self)
        self.view = DraftsView(self.model)
        self.view.open_requested.connect(self.edit_post.emit)
        self.view.delete_requested.connect(self.confirm_delete)
        self.view.duplicate_requested.connect(self.duplicate)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)

        self.empty = EmptyState(
            self.icon_name,
            "Nothing in progress",
            "Ideas you start in Compose and don't schedule land here.",
            "Write an idea",
            self.start_new,
        )
        self.no_match = EmptyState(
            self.icon_name, "No drafts match", "Try other words, or show all campaigns and accounts.", "Show all drafts"
        )
        assert self.no_match.action is not None
        self.no_match.action.clicked.connect(self.clear_filters)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.no_match)
        self.body.addWidget(self.stack, 1)

        self.count = QLabel()
        self.count.setProperty("role", "muted")
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip(f"Bring back the drafts just deleted ({_keys(QKeySequence.StandardKey.Undo)})")
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_button.hide()
        self._undo: svc.Snapshot | None = None
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the selected draft in Compose (Enter)")
        self.open_button.clicked.connect(self._open_current)
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setToolTip("Make a copy of the selected draft")
        self.duplicate_button.clicked.connect(lambda: self._selected_one(self.duplicate))
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setProperty("danger", True)
        self.delete_button.setToolTip("Delete the selected drafts (Delete)")
        self.delete_button.clicked.connect(self.confirm_delete)
        self.footer = QWidget()
        footer = QHBoxLayout(self.footer)
        footer.setContentsMargins(0, 0, 0, 0)
        footer.setSpacing(8)
        footer.addWidget(self.count)
        footer.addWidget(self.status, 1)
        footer.addWidget(self.undo_button)
        footer.addWidget(self.open_button)
        footer.addWidget(self.duplicate_button)
        footer.addWidget(self.delete_button)
        self.body.addWidget(self.footer)
        self._selection_changed()

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._reload_drafts)
        page_wide = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, what, slot, where, context in (
            (QKeySequence.StandardKey.Find, "Drafts: search", self._focus_search, self, page_wide),
            (QKeySequence.StandardKey.New, "Drafts: new idea", self.start_new, self, page_wide),
            (QKeySequence.StandardKey.Undo, "Drafts: undo delete", self.undo_delete, self, page_wide),
            (QKeySequence(Qt.Key.Key_Return), "Drafts: open in Compose", self.view.open_current, self.view, None),
            (QKeySequence.StandardKey.Delete, "Drafts: delete selected", self.confirm_delete, self.view, None),
        ):
            # listed by Help ▸ Keyboard shortcuts; the list's own keys also work without it (keyPressEvent)
            shortcut = QShortcut(keys, where, context=context or Qt.ShortcutContext.WidgetShortcut)
            shortcut.setWhatsThis(what)
            shortcut.activated.connect(slot)
        theme.notifier().changed.connect(self._restyle)

    def _filter(self, everything: str, name: str, tip: str, chars: int) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.setToolTip(tip)
        combo.setMinimumContentsLength(chars)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.addItem(everything, None)
        combo.activated.connect(lambda _i: self._reload_drafts())
        return combo

    # --- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        self._load(with_filters=True)

    def on_changes(self, changed: Changes) -> None:
        if not self.isVisible():
            return  # the main window refreshes the page when it is next shown
        if changed.touches(self.watches) or "timezone" in changed.settings:
            self._load(with_filters=bool(changed.kinds & {ACCOUNTS, CAMPAIGNS}))

    def _search_later(self) -> None:
        self._search_timer.start()

    def _reload_drafts(self) -> None:
        self._search_timer.stop()
        self._load(with_filters=False)

    def _load(self, *, with_filters: bool) -> None:
        if self._load_task is not None:
            self._load_task.cancel()  # a newer search replaces it: its rows would be stale
        search = self.search.text()
        campaign_id = self.campaign.currentData()
        account_id = self.account.currentData()

        def work() -> Loaded:
            rows = svc.list_drafts(self.ctx, search=search, campaign_id=campaign_id, account_id=account_id)
            zone = user_zone_name(self.ctx)
            if not with_filters:
                return Loaded(rows, zone)
            return Loaded(rows, zone, list_accounts(self.ctx), list_campaigns(self.ctx, include_archived=True))

        self._load_task = self.runner.run(
            work, on_done=self._show, on_error=self._load_failed, owner=self, name="list_drafts"
        )

    def _load_failed(self, exc: Exception) -> None:
        self.status.setText(f"The drafts could not be loaded. {explain(exc).sentence}")

    def _show(self, loaded: Loaded) -> None:
        self._load_task = None
        filters_gone = (
            loaded.campaigns is not None
            and loaded.accounts is not None
            and self._fill_filters(loaded.campaigns, loaded.accounts)
        )
        if filters_gone:
            self._load(with_filters=False)  # a filter pointed at something gone: load without it
            return
        keep = set(self.view.selected_ids())
        current = self.view.currentIndex()
        current_id = self.model.row_at(current.row()).id if current.isValid() else None
        self.model.set_rows(loaded.drafts, zone=ZoneInfo(loaded.zone))
        self._reselect(keep, current_id)
        n = len(loaded.drafts)
        self.count.setText(f"{n} draft{'s' if n != 1 else ''}" if n else "")
        if n:
            self.stack.setCurrentWidget(self.view)
        elif self._filtered():
            what = self.search.text().strip()
            self.no_match.title.setText(f"No drafts match “{what}”" if what else "No drafts match these filters")
            self.stack.setCurrentWidget(self.no_match)
        else:
            self.stack.setCurrentWidget(self.empty)
        nothing_at_all = self.stack.currentWidget() is self.empty
        self.filter_bar.setVisible(not nothing_at_all)  # nothing to search or act on yet
        self._update_footer()
        self._selection_changed()

    def _fill_filters(self, campaigns: list[CampaignRow], accounts: list[AccountRow]) -> bool:
        """Refill the filter lists, keeping the choices; True if a chosen one is gone."""
        gone = False
        for combo, items in (
            (self.campaign, [(c.id, f"{c.name} (archived)" if c.archived else c.name, None) for c in campaigns]),
            (self.account, [(a.id, a.handle, a.network) for a in accounts]),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for item_id, label, network in items:
                if network:
                    combo.addItem(network_icon(network), label, item_id)
                else:
                    combo.addItem(label, item_id)
            found = combo.findData(chosen) if chosen is not None else 0
            gone = gone or found < 0
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)
        return gone

    def _reselect(self, ids: set[int], current_id: int | None) -> None:
        selection = QItemSelection()
        for post_id in ids:
            index = self.model.find(post_id)
            if index.isValid():
                selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag
        self.view.selectionModel().select(selection, flags.ClearAndSelect)
        if current_id is not None:
            index = self.model.find(current_id)
            if index.isValid():
                self.view.selectionModel().setCurrentIndex(index, flags.NoUpdate)

    def _filtered(self) -> bool:
        return bool(self.search.text().strip()) or self.campaign.currentIndex() > 0 or self.account.currentIndex() > 0

    def clear_filters(self) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.campaign.setCurrentIndex(0)
        self.account.setCurrentIndex(0)
        self._reload_drafts()

    # --- actions -----------------------------------------------------------------------------

    def start_new(self) -> None:
        self.navigate.emit("compose")
        self.new_idea.emit()

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _focus_list(self) -> None:
        self._search_timer.stop()
        if self.model.rowCount():
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.model.index(0, 0))

    def _selection_changed(self, *_args: object) -> None:
        chosen = len(self.view.selected_ids())
        self.open_button.setEnabled(chosen == 1)
        self.duplicate_button.setEnabled(chosen == 1)
        self.delete_button.setEnabled(chosen > 0)

    def _selected_one(self, action: object) -> None:
        ids = self.view.selected_ids()
        if len(ids) == 1 and callable(action):
            action(ids[0])

    def _open_current(self) -> None:
        self._selected_one(self.edit_post.emit)

    def duplicate(self, post_id: int) -> None:
        self.runner.run(
            lambda: svc.duplicate_draft(self.ctx, post_id),
            on_done=lambda _new_id: self.status.setText("Copied. The copy is at the top of the list."),
            owner=self,
            changes=changes(POSTS, source=self),
            name="duplicate_draft",
        )

    def confirm_delete(self) -> QMessageBox | None:
        """Ask first (window-modal, not blocking); deleting happens on Delete."""
        chosen = [r for r in self.model.rows() if r.id in set(self.view.selected_ids())]
        if not chosen:
            return None
        n = len(chosen)
        names = "\n".join(f"• {svc.excerpt(r.text, 60) or '(no text yet)'}" for r in chosen[:NAMED])
        if n > NAMED:
            names += f"\n… and {n - NAMED} more"
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete drafts" if n > 1 else "Delete draft")
        box.setText(f"Delete {n} drafts?" if n > 1 else "Delete this draft?")
        undo = _keys(QKeySequence.StandardKey.Undo)
        box.setInformativeText(f"{names}\n\nUndo ({undo}) on this page brings {'them' if n > 1 else 'it'} back.")
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        delete.setProperty("danger", True)
        keep = box.addButton("Keep", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        expected = svc.draft_ids(chosen)
        box.buttonClicked.connect(lambda button: self.delete(expected) if button is delete else None)
        box.open()
        return box

    def delete(self, expected: dict[int, svc.DraftStamp]) -> None:
        """Delete these drafts if each is unchanged since it was shown (else it is kept, and said why)."""
        self._offer_undo(None)
        self.runner.run(
            lambda: svc.delete_drafts(self.ctx, list(expected), expected=expected),
            on_done=self._deleted,
            owner=self,
            changes=changes(POSTS, source=self),
            name="delete_drafts",
        )

    def _deleted(self, result: svc.DraftsDeleted) -> None:
        self.status.setText(result.message)
        self._offer_undo(result.snapshot if result.deleted else None)

    def _offer_undo(self, snapshot: svc.Snapshot | None) -> None:
        self._undo = snapshot
        self.undo_button.setVisible(snapshot is not None)
        self._update_footer()

    def _update_footer(self) -> None:
        """Shown with drafts to act on, or an Undo to offer (also after the last draft went)."""
        self.footer.setVisible(self.model.rowCount() > 0 or self._undo is not None)

    def undo_delete(self) -> None:
        """Put the drafts just deleted back as they were."""
        snapshot = self._undo
        if snapshot is None:
            return
        self._offer_undo(None)
        self.runner.run(
            lambda: svc.restore_drafts(self.ctx, snapshot),
            on_done=lambda n: self.status.setText(f"Brought back {n} draft{'s' if n != 1 else ''}."),
            on_error=lambda exc: self.status.setText(explain(exc).sentence),
            owner=self,
            changes=changes(POSTS, source=self),
            name="restore_drafts",
        )

    # --- look --------------------------------------------------------------------------------

    def _restyle(self, colors: theme.Colors) -> None:
        for state in (self.empty, self.no_match):
            picture = state.findChild(QLabel)
            if picture is not None and picture.pixmap() is not None and not picture.pixmap().isNull():
                picture.setPixmap(icon(self.icon_name, colors.muted).pixmap(QSize(56, 56)))
