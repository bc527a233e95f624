"""Accounts: the connected accounts, connect / disconnect / remove, and keyring safety."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMessageBox, QPushButton, QStackedWidget, QTableView

from desktop.services import accounts as svc
from desktop.services.accounts import AccountRow
from desktop.ui.accounts.connect_dialog import ConnectDialog
from desktop.ui.accounts.model import AccountsModel
from desktop.ui.icons import icon
from desktop.ui.pages.base import Page
from desktop.ui.widgets.banner import WarningBanner
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.table_model import ROW_ROLE, SORT_ROLE

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class AccountsPage(Page):
    key = "accounts"
    title = "Accounts"
    icon_name = "accounts"
    subtitle = "The social accounts Campaign Desk publishes to."

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self.connect_button = QPushButton(icon("plus", "#ffffff"), "Connect account")
        self.connect_button.setProperty("primary", True)
        self.connect_button.clicked.connect(self.open_connect_dialog)
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setToolTip("Forget this account's credentials (its posts stay)")
        self.disconnect_button.clicked.connect(self._disconnect)
        self.remove_button = QPushButton(icon("trash", "#e03131"), "Remove")
        self.remove_button.setProperty("danger", True)
        self.remove_button.clicked.connect(self._remove)
        for b in (self.disconnect_button, self.remove_button, self.connect_button):
            self.header_actions.addWidget(b)

        self.banner = WarningBanner()
        self.body.addWidget(self.banner)

        self.model = AccountsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(38)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(AccountsModel.NAME, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.empty = EmptyState(
            "accounts",
            "No accounts yet",
            "Connect a Mastodon or Bluesky account to start scheduling posts. "
            "Your credentials stay in your system keyring.",
            "Connect an account",
            self.open_connect_dialog,
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)
        self.body.addWidget(self.stack, 1)
        self._update_buttons()

    def refresh(self) -> None:
        status = self.ctx.vault.status()
        problems = [status.message] if not status.secure else []
        problems += [f"Network plugin {b.name} could not be loaded: {b.error}" for b in self.ctx.registry.broken]
        self.banner.show_text("\n".join(problems))
        self.runner.run(lambda: svc.list_accounts(self.ctx), on_done=self._show, name="list_accounts")

    def _show(self, rows: list[AccountRow]) -> None:
        self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        self.disconnect_button.setVisible(bool(rows))
        self.remove_button.setVisible(bool(rows))
        self._update_buttons()

    def selected(self) -> AccountRow | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _update_buttons(self) -> None:
        row = self.selected()
        self.disconnect_button.setEnabled(row is not None and row.status != "disconnected")
        self.remove_button.setEnabled(row is not None)

    def open_connect_dialog(self) -> ConnectDialog:
        dialog = ConnectDialog(self.ctx, self.runner, self)
        dialog.connected.connect(lambda _row: self.refresh())
        dialog.open()
        return dialog

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
                on_done=lambda _r: self.refresh(),
                on_error=self._error,
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
                lambda: svc.remove_account(self.ctx, row.id), on_done=lambda _r: self.refresh(), on_error=self._error
            )

    def _error(self, exc: Exception) -> None:
        QMessageBox.warning(self, "Accounts", str(exc))
        self.refresh()

    def keyPressEvent(self, event):  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Delete and self.selected() is not None:
            self._remove()
            return
        super().keyPressEvent(event)
