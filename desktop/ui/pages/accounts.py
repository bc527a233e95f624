"""Accounts: the connected accounts, connect / reconnect / pause / disconnect / remove, the
selected account's limits and metrics, and keyring safety."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services import account_details as details_svc
from desktop.services import accounts as svc
from desktop.services.account_details import AccountDetails, ReconnectForm
from desktop.services.accounts import AccountRow
from desktop.services.vault import KeyringStatus
from desktop.ui import theme
from desktop.ui.accounts.connect_dialog import ConnectDialog
from desktop.ui.accounts.details import AccountDetailsPanel
from desktop.ui.accounts.model import AccountsModel
from desktop.ui.changes import ACCOUNTS, POSTS, changes
from desktop.ui.errors import explain, show_error
from desktop.ui.icons import icon
from desktop.ui.pages.base import Page
from desktop.ui.widgets.banner import WarningBanner
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.row_table import ROOMY_CELLS, set_up_row_table, sorting_proxy
from desktop.ui.widgets.table_model import ROW_ROLE

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent

    from desktop.services.context import AppContext
    from desktop.ui.changes import Changes
    from desktop.ui.tasks import Task, TaskRunner

RECONNECTABLE = ("needs_reconnect", "disconnected")


class AccountsPage(Page):
    key = "accounts"
    title = "Accounts"
    icon_name = "accounts"
    subtitle = "The social accounts Campaign Desk publishes to."
    watches = frozenset({ACCOUNTS, POSTS})  # POSTS: each account's count of waiting posts

    #: Show this account's posting times on the Queue page (sent right after ``navigate("queue")``).
    open_queue_for = Signal(int)

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self.connect_dialog: ConnectDialog | None = None  # the last one opened
        self._details_task: Task | None = None
        self._keep_id: int | None = None  # the row to select again after a reload

        self.connect_button = QPushButton(icon("plus", "#ffffff"), "Connect account")
        self.connect_button.setToolTip("Connect a Mastodon, Bluesky or other account")
        self.connect_button.setProperty("primary", True)
        self.connect_button.clicked.connect(self.open_connect_dialog)
        self.header_actions.addWidget(self.connect_button)

        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.reconnect_button = QPushButton("Reconnect…")
        self.reconnect_button.setToolTip("Sign in again; held posts resume")
        self.reconnect_button.clicked.connect(self.reconnect_selected)
        self.queue_button = QPushButton("Posting times…")
        self.queue_button.setToolTip("Edit this account's weekly posting slots on the Queue page")
        self.queue_button.clicked.connect(self._open_queue)
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setToolTip("Forget this account's credentials (its posts stay)")
        self.disconnect_button.clicked.connect(self._disconnect)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setProperty("danger", True)
        self.remove_button.setToolTip("Remove this account and its posts from Campaign Desk (Delete)")
        self.remove_button.clicked.connect(self._remove)

        self.banner = WarningBanner()
        self.body.addWidget(self.banner)

        self.model = AccountsModel(self)
        self.proxy = sorting_proxy(self.model, self)
        self.table = QTableView()
        set_up_row_table(self.table, self.proxy, row_height=38)
        # Breathing room between fitted columns (handles run straight into names without it).
        self.table.setStyleSheet(ROOMY_CELLS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # handle and name share what is left (elided, whole in the card below), so the status
        # column stays in view at the narrowest window instead of behind a sideways scroll
        header.setSectionResizeMode(AccountsModel.HANDLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(AccountsModel.NAME, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the card below has everything whole
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.details = AccountDetailsPanel()
        for b in (self.pause_button, self.reconnect_button, self.queue_button, self.disconnect_button):
            self.details.action_row.addWidget(b)
        self.details.action_row.addStretch(1)
        self.details.action_row.addWidget(self.remove_button)

        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        column.addWidget(self.table, 1)
        column.addWidget(self.details)

        self.empty = EmptyState(
            "accounts",
            "No accounts yet",
            "Connect a Mastodon or Bluesky account to start scheduling posts. "
            "Your credentials stay in your system keyring.",
            "Connect an account",
            self._connect_from_empty_state,
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.content)
        self.body.addWidget(self.stack, 1)
        self._update_buttons()
        self._retint(theme.current())
        theme.notifier().changed.connect(self._retint)

    def _retint(self, colors: theme.Colors) -> None:
        """Icons drawn in the theme's colours (a dark-grey icon vanishes on a dark button)."""
        self.reconnect_button.setIcon(icon("key", colors.text))
        self.queue_button.setIcon(icon("queue", colors.text))
        self.remove_button.setIcon(icon("trash", colors.danger))
        row = self.selected()
        self.pause_button.setIcon(icon("send" if row is not None and row.paused else "pause", colors.text))

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        # The keyring status can touch D-Bus, so it is read off the GUI thread with the list.
        self.runner.run(
            lambda: (svc.list_accounts(self.ctx), self.ctx.vault.status()),
            on_done=self._show,
            on_error=lambda exc: self.banner.show_text(f"Could not load the accounts. {explain(exc).sentence}"),
            name="list_accounts",
            owner=self,
        )

    def _show(self, loaded: tuple[list[AccountRow], KeyringStatus]) -> None:
        rows, keyring = loaded
        problems = [keyring.sentence] if not keyring.secure else []
        problems += [f"Network plugin {b.name} could not be loaded: {b.error}" for b in self.ctx.registry.broken]
        self.banner.show_text("\n".join(problems))
        keep = self._keep_id if self._keep_id is not None else self._selected_id()
        self.model.set_accounts(rows, keyring)
        self.stack.setCurrentWidget(self.content if rows else self.empty)
        self._select(keep if keep is not None else (self._row_at(0).id if rows else None))

    def _row_at(self, proxy_row: int) -> AccountRow:
        row: AccountRow = self.proxy.index(proxy_row, 0).data(ROW_ROLE)
        return row

    def _select(self, account_id: int | None) -> None:
        self._keep_id = None
        for r in range(self.proxy.rowCount()):
            if self._row_at(r).id == account_id:
                self.table.selectionModel().select(
                    self.proxy.index(r, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.setCurrentIndex(self.proxy.index(r, 0))
                return
        self.table.clearSelection()
        self._selection_changed()

    def selected(self) -> AccountRow | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _selected_id(self) -> int | None:
        row = self.selected()
        return row.id if row else None

    def _selection_changed(self) -> None:
        self._update_buttons()
        if self._details_task is not None:
            self._details_task.cancel()
            self._details_task = None
        row = self.selected()
        if row is None:
            self.details.clear()
            return
        self.details.show_row(row)
        account_id = row.id
        self._details_task = self.runner.run(
            lambda: details_svc.account_details(self.ctx, account_id),
            on_done=self._show_details,
            on_error=self._details_failed,
            name="account_details",
            owner=self,
        )

    def _show_details(self, details: AccountDetails) -> None:
        if details.account.id == self._selected_id():
            self.details.show_details(details)

    def _details_failed(self, exc: Exception) -> None:
        self.details.note.setText(f"Could not read this account's details. {explain(exc).sentence}")
        self.details.note.show()

    def _update_buttons(self) -> None:
        row = self.selected()
        for b in (self.pause_button, self.queue_button, self.disconnect_button, self.remove_button):
            b.setVisible(row is not None)
        self.reconnect_button.setVisible(row is not None and row.status in RECONNECTABLE)
        if row is None:
            return
        self.pause_button.setText("Resume" if row.paused else "Pause")
        self.pause_button.setIcon(icon("send" if row.paused else "pause", theme.current().text))
        self.pause_button.setToolTip(
            "Publish this account's posts again"
            if row.paused
            else "Hold this account's posts: nothing is published to it until you resume"
        )
        self.disconnect_button.setEnabled(row.status != "disconnected")

    # --- actions --------------------------------------------------------------------------

    def open_connect_dialog(self) -> ConnectDialog:
        dialog = ConnectDialog(self.ctx, self.runner, self)
        return self._open_dialog(dialog)

    def _connect_from_empty_state(self) -> None:
        self.open_connect_dialog()

    def _open_dialog(self, dialog: ConnectDialog) -> ConnectDialog:
        dialog.connected.connect(self._connected)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: self._forget_dialog(dialog))
        self.connect_dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: ConnectDialog) -> None:
        if self.connect_dialog is dialog:
            self.connect_dialog = None

    def _connected(self, row: AccountRow) -> None:
        # The connect reported changes(ACCOUNTS): on_changes reloads the list, keeping this row.
        self._keep_id = row.id

    def reconnect_selected(self) -> None:
        """Open the connect dialog on the selected account's network, its non-secret fields filled."""
        row = self.selected()
        if row is None:
            return
        account_id = row.id
        self.runner.run(
            lambda: details_svc.reconnect_form(self.ctx, account_id),
            on_done=self._open_reconnect,
            on_error=self._error,
            name="reconnect_form",
            owner=self,
        )

    def _open_reconnect(self, form: ReconnectForm) -> None:
        self._open_dialog(ConnectDialog(self.ctx, self.runner, self, network=form.network, prefill=form.values))

    def toggle_pause(self) -> None:
        row = self.selected()
        if row is None:
            return
        self.pause_button.setEnabled(False)
        self.runner.run(
            lambda: svc.set_paused(self.ctx, row.id, not row.paused),
            on_done=self._account_changed,
            on_error=self._error,
            name="set_paused",
            owner=self,
            changes=changes(ACCOUNTS, source=self),
        )

    def _account_changed(self, changed: AccountRow) -> None:
        """One account changed: update its row (keeping the waiting-post count) and its selection."""
        self.pause_button.setEnabled(True)
        rows = [replace(changed, scheduled=r.scheduled) if r.id == changed.id else r for r in self.model.rows()]
        keyring = self.model.keyring
        if keyring is None:
            self.refresh()
            return
        keep = self._selected_id()
        self.model.set_accounts(rows, keyring)
        self._select(keep)

    def _open_queue(self) -> None:
        row = self.selected()
        if row is None:
            return
        self.navigate.emit("queue")
        self.open_queue_for.emit(row.id)

    def _disconnect(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(
            self,
            "Disconnect account",
            f"Disconnect {row.handle}?\n\nIts credentials are removed from the keyring. Its posts and "
            "metrics stay, and scheduled posts wait until you reconnect.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.runner.run(
                lambda: svc.disconnect_account(self.ctx, row.id),
                on_done=lambda _r: None,  # changes(ACCOUNTS) reloads the list
                on_error=self._error,
                name="disconnect_account",
                owner=self,
                changes=changes(ACCOUNTS, POSTS),
            )

    def _remove(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.warning(
            self,
            "Remove account",
            f"Remove {row.handle} from Campaign Desk?\n\nIts scheduled posts and history here are deleted "
            "(nothing is deleted on the network).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.runner.run(
                lambda: svc.remove_account(self.ctx, row.id),
                on_done=lambda _r: None,  # changes(ACCOUNTS, POSTS) reloads the list
                on_error=self._error,
                name="remove_account",
                owner=self,
                changes=changes(ACCOUNTS, POSTS),
            )

    def _error(self, exc: Exception) -> None:
        self.pause_button.setEnabled(True)
        show_error(self, "Accounts", exc)
        self.refresh()

    def on_changes(self, change: Changes) -> None:
        # A pause made here already updated its row in place; anything else reloads the list.
        if change.source is self and change.kinds == {ACCOUNTS}:
            return
        if "allow_insecure_keyring" in change.settings and self.isVisible():
            self.refresh()  # the keyring banner and markers follow Settings at once
            return
        super().on_changes(change)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.selected() is not None:
            self._remove()
            return
        super().keyPressEvent(event)
