"""Queue: each account's weekly posting slots, and the upcoming posts that fill them.

Upcoming times are shown in the user's zone (Settings), like the calendar; the slots are
wall-clock times in their own zone (named in the editor), which new slots take from the
user's zone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services import activity
from desktop.services import slots as svc
from desktop.services.accounts import AccountRow, list_accounts
from desktop.services.zones import canonical, offered_zones, user_zone_name, zone_label
from desktop.ui import theme
from desktop.ui.changes import ACCOUNTS, POSTS, SETTINGS, SLOTS, Changes, changes
from desktop.ui.errors import explain
from desktop.ui.icons import icon, network_icon
from desktop.ui.pages.base import Page
from desktop.ui.queue.model import UpcomingModel
from desktop.ui.queue.slots_editor import SlotsEditor
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.row_table import set_up_row_table
from desktop.ui.widgets.table_model import ROW_ROLE

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class QueuePage(Page):
    key = "queue"
    title = "Queue"
    icon_name = "queue"
    subtitle = "Weekly posting slots per account; “Add to queue” takes the next free one."
    watches = frozenset({POSTS, ACCOUNTS, SLOTS, SETTINGS})

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self._wanted_account: int | None = None
        self.zone_name = "UTC"  # the user's zone: upcoming times are shown in it
        self.recompute_button = QPushButton(icon("refresh", "#ffffff"), "Recompute")
        self.recompute_button.setProperty("primary", True)
        self.recompute_button.setToolTip("Move this account's upcoming posts onto its slots, keeping their order")
        self.recompute_button.clicked.connect(self.recompute)
        self.shuffle_button = QPushButton("Shuffle")
        self.shuffle_button.setToolTip("Put this account's upcoming posts on its slots in a random order")
        self.shuffle_button.clicked.connect(self.shuffle)
        self.header_actions.addWidget(self.shuffle_button)
        self.header_actions.addWidget(self.recompute_button)

        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        self.account.setMinimumWidth(180)
        self.account.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.account.setMinimumContentsLength(18)
        self.account.currentIndexChanged.connect(self._account_picked)
        self.timezone = QComboBox()
        self.timezone.setAccessibleName("Time zone of the slots")
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for name in offered_zones():  # read as people write them ("America/New York"), stored by IANA name
            self.timezone.addItem(zone_label(name), name)
        self.timezone.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.timezone.setMinimumContentsLength(14)
        self.timezone.setToolTip("Slots are wall-clock times in this zone, also across daylight-saving changes")
        self.timezone.activated.connect(self._zone_picked)
        account_label, zone_title = QLabel("Account"), QLabel("Slots in")
        account_label.setBuddy(self.account)
        zone_title.setBuddy(self.timezone)
        picker = QHBoxLayout()
        picker.setSpacing(8)
        picker.addWidget(account_label)
        picker.addWidget(self.account, 2)
        picker.addSpacing(12)
        picker.addWidget(zone_title)
        picker.addWidget(self.timezone, 1)
        picker.addStretch(0)

        self.editor = SlotsEditor()
        self.editor.changed.connect(self.save_slots)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.status.hide()

        self.upcoming_title = QLabel("Upcoming")
        self.upcoming_title.setProperty("role", "card-title")
        self.zone_note = QLabel()
        self.zone_note.setProperty("role", "muted")
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the selected post in the composer (Enter)")
        self.open_button.clicked.connect(self.open_selected)
        self.cancel_button = QPushButton("Cancel post")
        self.cancel_button.setProperty("danger", True)
        self.cancel_button.setToolTip("Take the selected post to this account out of the queue; asks first (Delete)")
        self.cancel_button.clicked.connect(self.cancel_selected)
        upcoming_row = QHBoxLayout()
        upcoming_row.addWidget(self.upcoming_title)
        upcoming_row.addWidget(self.zone_note)
        upcoming_row.addStretch(1)
        upcoming_row.addWidget(self.open_button)
        upcoming_row.addWidget(self.cancel_button)

        self.upcoming = UpcomingModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Upcoming posts")
        set_up_row_table(self.table, self.upcoming, row_height=32, sortable=False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(UpcomingModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        for key, slot in (
            (QKeySequence(Qt.Key.Key_Return), self.open_selected),
            (QKeySequence(Qt.Key.Key_Enter), self.open_selected),
            (QKeySequence(QKeySequence.StandardKey.Delete), self.cancel_selected),
        ):
            shortcut = QShortcut(key, self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        self.nothing = QLabel(
            "Nothing queued for this account yet. “Add to queue” in the composer fills the next slot."
        )
        self.nothing.setProperty("role", "muted")
        self.nothing.setWordWrap(True)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        column.addLayout(picker)
        column.addWidget(self.editor)
        column.addWidget(self.status)
        column.addLayout(upcoming_row)
        column.addWidget(self.nothing)
        column.addWidget(self.table, 1)
        self.content = content
        self.no_accounts = EmptyState(
            "accounts",
            "No accounts yet",
            "Connect a social account first; then give it weekly posting slots here.",
            "Connect an account",
            lambda: self.navigate.emit("accounts"),
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.no_accounts)
        self.stack.addWidget(content)
        self.body.addWidget(self.stack, 1)
        self._error = False
        self._note = ""  # what the last edit did, shown above the list until another account is picked
        theme.notifier().changed.connect(self._restyle)
        self._restyle(theme.current())
        self._update_buttons()

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        self.runner.run(
            lambda: (list_accounts(self.ctx), user_zone_name(self.ctx)),
            on_done=self._show,
            on_error=self._failed,
            owner=self,
            name="queue_accounts",
        )

    def on_changes(self, changed: Changes) -> None:
        if changed.source is self or not self.isVisible():
            return  # this page's own edits reload on their own; a hidden page refreshes when shown
        if changed.touches(frozenset({ACCOUNTS})) or "timezone" in changed.settings:
            self.refresh()
        elif changed.touches(frozenset({POSTS, SLOTS})):
            self._load_account()

    def _show(self, loaded: tuple[list[AccountRow], str]) -> None:
        accounts, zone = loaded
        self.zone_name = zone
        self.upcoming.set_zone(ZoneInfo(zone))
        self.zone_note.setText(f"Times in {zone_label(zone)}")
        if not accounts:
            self.stack.setCurrentWidget(self.no_accounts)
            return
        self.stack.setCurrentWidget(self.content)
        keep = self._wanted_account if self._wanted_account is not None else self.account.currentData()
        self._wanted_account = None
        self.account.blockSignals(True)
        self.account.clear()
        for a in accounts:
            self.account.addItem(network_icon(a.network), f"{a.handle}  ·  {a.network_name}", a.id)
            self.account.setItemData(self.account.count() - 1, a.handle, Qt.ItemDataRole.ToolTipRole)
        self.account.setCurrentIndex(max(self.account.findData(keep), 0))
        self.account.blockSignals(False)
        self._load_account()

    def select_account(self, account_id: int) -> None:
        """Show one account's queue (e.g. from "Edit queue slots" on the Accounts page)."""
        index = self.account.findData(account_id)
        if index >= 0:
            self.account.setCurrentIndex(index)
        else:  # the list is still loading: pick it when it arrives
            self._wanted_account = account_id

    def account_id(self) -> int | None:
        value = self.account.currentData()
        return int(value) if value is not None else None

    def _account_picked(self) -> None:
        self._note, self._error = "", False
        self._restyle(theme.current())
        self._load_account()

    def _load_account(self) -> None:
        account_id = self.account_id()
        if account_id is None:
            return
        self.runner.run(
            lambda: (svc.list_slots(self.ctx, account_id), svc.upcoming_queue(self.ctx, account_id)),
            on_done=lambda loaded: self._show_account(account_id, *loaded),
            on_error=self._failed,
            owner=self,
            name="queue_account",
        )

    def _show_account(self, account_id: int, slots: list[svc.SlotRow], upcoming: list[svc.QueuedVariant]) -> None:
        if account_id != self.account_id():
            return  # the user picked another account meanwhile
        zone = slots[0].timezone if slots else self.zone_name
        self.editor.set_zone(zone)
        self.editor.set_slots(slots)
        if self.timezone.findData(canonical(zone)) < 0:  # a zone not in the list (an "Etc/GMT-3" system zone)
            self.timezone.addItem(zone_label(zone), canonical(zone))
        self.timezone.setCurrentIndex(self.timezone.findData(canonical(zone)))
        self.upcoming.set_rows(upcoming)  # in the user's zone, like the calendar
        self.nothing.setVisible(not upcoming)
        self.table.setVisible(bool(upcoming))
        has_slots = bool(slots)
        for button in (self.recompute_button, self.shuffle_button):
            button.setEnabled(has_slots and bool(upcoming))
        if not self._error:
            hint = self._zone_hint(zone) if has_slots else ""
            self._say(" ".join(t for t in (self._note, hint) if t))
        self._update_buttons()

    def _zone_hint(self, slot_zone: str) -> str:
        if canonical(slot_zone) == canonical(self.zone_name):
            return ""
        return (
            f"This account's slots are {zone_label(slot_zone)} times; the list below shows them in your zone, "
            f"{zone_label(self.zone_name)}."
        )

    # --- the upcoming list ----------------------------------------------------------------

    def selected(self) -> svc.QueuedVariant | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _update_buttons(self) -> None:
        has = self.selected() is not None and self.table.isVisible()
        self.open_button.setEnabled(has)
        self.cancel_button.setEnabled(has)

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.edit_post.emit(row.post_id)

    def cancel_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        handle = self.account.currentData(Qt.ItemDataRole.ToolTipRole) or "this account"
        answer = QMessageBox.question(
            self, "Cancel post", f"Take this post to {handle} out of the queue? It will not be sent."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.runner.run(
            lambda: activity.cancel_variant(self.ctx, row.variant_id),
            on_done=lambda _r: self._saved("The post was taken out of the queue."),
            on_error=self._failed,
            owner=self,
            changes=changes(POSTS, source=self),
            name="cancel_queued",
        )

    # --- editing --------------------------------------------------------------------------

    def current_zone(self) -> str:
        """The IANA name of the zone picked (or typed) for the slots; the user's zone if none."""
        typed = self.timezone.currentText().strip()
        for text in (typed, typed.replace(" ", "_")):
            index = self.timezone.findText(zone_label(text), Qt.MatchFlag.MatchFixedString)
            if index >= 0:
                return str(self.timezone.itemData(index))
        return self.zone_name

    def save_slots(self, slots: list[tuple[int, time]]) -> None:
        account_id = self.account_id()
        if account_id is None:
            return
        zone = self.current_zone()
        self.runner.run(
            lambda: svc.set_slots(self.ctx, account_id, slots, zone),
            on_done=lambda _rows: self._saved("Slots saved. Recompute moves upcoming posts onto them."),
            on_error=self._failed,
            owner=self,
            changes=changes(SLOTS, source=self),
            name="set_slots",
        )

    def _zone_picked(self) -> None:
        if self.editor.slots():
            self.save_slots(self.editor.slots())
        else:
            self.editor.set_zone(self.current_zone())

    def recompute(self) -> None:
        self._reassign(lambda a: svc.recompute_queue(self.ctx, a), "in their current order")

    def shuffle(self, rng: random.Random | None = None) -> None:
        self._reassign(lambda a: svc.shuffle_queue(self.ctx, a, rng), "in a new random order")

    def _reassign(self, fn: Callable[[int], list[svc.QueuedVariant]], how: str) -> None:
        account_id = self.account_id()
        if account_id is None:
            return
        self.runner.run(
            lambda: fn(account_id),
            on_done=lambda moved: self._saved(f"{len(moved)} upcoming post(s) are on the slots {how}."),
            on_error=self._failed,
            owner=self,
            changes=changes(POSTS, source=self),
            name="reassign_queue",
        )

    def _saved(self, message: str) -> None:
        self._error = False
        self._note = message
        self._say(message)
        self.status.setToolTip("")
        self._restyle(theme.current())
        self._load_account()

    def _failed(self, exc: Exception) -> None:
        explained = explain(exc)
        self._error = True
        self._say(explained.sentence)
        self.status.setToolTip(explained.details)
        self._restyle(theme.current())

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))  # no empty gap above the list

    def _restyle(self, colors: theme.Colors) -> None:
        self.status.setStyleSheet(f"color: {error_text(colors)};" if self._error else "")


def error_text(colors: theme.Colors) -> str:
    """The danger colour for text, at WCAG AA (4.5:1) on the page in both themes."""
    return "#ff8787" if colors.dark else "#c92a2a"
