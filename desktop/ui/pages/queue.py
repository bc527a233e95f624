"""Queue: each account's weekly posting slots, and the upcoming posts that fill them."""

from __future__ import annotations

import random
from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services import slots as svc
from desktop.services.accounts import AccountRow, list_accounts
from desktop.services.zones import user_zone_name
from desktop.ui.icons import icon, network_icon
from desktop.ui.pages.base import Page
from desktop.ui.queue.model import UpcomingModel
from desktop.ui.queue.slots_editor import SlotsEditor
from desktop.ui.widgets.empty_state import EmptyState

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

ZONES = sorted(available_timezones())


class QueuePage(Page):
    key = "queue"
    title = "Queue"
    icon_name = "queue"
    subtitle = "Weekly posting slots per account; “Add to queue” takes the next free one."

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self._wanted_account: int | None = None
        self.zone_name = "UTC"
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
        self.account.setMinimumWidth(260)
        self.account.currentIndexChanged.connect(self._load_account)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone.addItems(ZONES)
        self.timezone.setMinimumWidth(220)
        self.timezone.setToolTip("Slots are wall-clock times in this zone, also across daylight-saving changes")
        self.timezone.activated.connect(self._zone_picked)
        picker = QHBoxLayout()
        picker.setSpacing(8)
        picker.addWidget(QLabel("Account"))
        picker.addWidget(self.account)
        picker.addSpacing(12)
        picker.addWidget(QLabel("Time zone"))
        picker.addWidget(self.timezone)
        picker.addStretch(1)

        self.editor = SlotsEditor()
        self.editor.changed.connect(self.save_slots)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)

        upcoming_title = QLabel("Upcoming")
        upcoming_title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.upcoming = UpcomingModel(self)
        self.table = QTableView()
        self.table.setModel(self.upcoming)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(32)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(UpcomingModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self.nothing = QLabel(
            "Nothing queued for this account yet. “Add to queue” in the composer fills the next slot."
        )
        self.nothing.setProperty("role", "muted")

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        column.addLayout(picker)
        column.addWidget(self.editor)
        column.addWidget(self.status)
        column.addWidget(upcoming_title)
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

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        self.runner.run(
            lambda: (list_accounts(self.ctx), user_zone_name(self.ctx)), on_done=self._show, name="queue_accounts"
        )

    def _show(self, loaded: tuple[list[AccountRow], str]) -> None:
        accounts, zone = loaded
        self.zone_name = zone
        self.upcoming.zone = ZoneInfo(zone)
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

    def _load_account(self) -> None:
        account_id = self.account_id()
        if account_id is None:
            return
        self.runner.run(
            lambda: (svc.list_slots(self.ctx, account_id), svc.upcoming_queue(self.ctx, account_id)),
            on_done=lambda loaded: self._show_account(account_id, *loaded),
            on_error=self._failed,
            name="queue_account",
        )

    def _show_account(self, account_id: int, slots: list[svc.SlotRow], upcoming: list[svc.QueuedVariant]) -> None:
        if account_id != self.account_id():
            return  # the user picked another account meanwhile
        self.editor.set_slots(slots)
        zone = slots[0].timezone if slots else self.zone_name
        self.timezone.setCurrentText(zone)
        self.upcoming.zone = ZoneInfo(zone)  # times read in the slots' own zone
        self.upcoming.set_rows(upcoming)
        self.nothing.setVisible(not upcoming)
        self.table.setVisible(bool(upcoming))
        has_slots = bool(slots)
        for button in (self.recompute_button, self.shuffle_button):
            button.setEnabled(has_slots and bool(upcoming))

    # --- editing --------------------------------------------------------------------------

    def current_zone(self) -> str:
        name = self.timezone.currentText().strip()
        return name if name in ZONES else self.zone_name

    def save_slots(self, slots: list[tuple[int, time]]) -> None:
        account_id = self.account_id()
        if account_id is None:
            return
        zone = self.current_zone()
        self.runner.run(
            lambda: svc.set_slots(self.ctx, account_id, slots, zone),
            on_done=lambda _rows: self._saved("Slots saved. Recompute moves upcoming posts onto them."),
            on_error=self._failed,
            name="set_slots",
        )

    def _zone_picked(self) -> None:
        if self.editor.slots():
            self.save_slots(self.editor.slots())

    def recompute(self) -> None:
        self._reassign(lambda a: svc.recompute_queue(self.ctx, a), "in their current order")

    def shuffle(self, rng: random.Random | None = None) -> None:
        self._reassign(lambda a: svc.shuffle_queue(self.ctx, a, rng), "in a new random order")

    def _reassign(self, fn, how: str) -> None:  # type: ignore[no-untyped-def]
        account_id = self.account_id()
        if account_id is None:
            return
        self.runner.run(
            lambda: fn(account_id),
            on_done=lambda moved: self._saved(f"{len(moved)} upcoming post(s) are on the slots {how}."),
            on_error=self._failed,
            name="reassign_queue",
        )

    def _saved(self, message: str) -> None:
        self.status.setText(message)
        self.status.setStyleSheet("")
        self._load_account()

    def _failed(self, exc: Exception) -> None:
        self.status.setText(str(exc))
        self.status.setStyleSheet("color: #e03131;")
