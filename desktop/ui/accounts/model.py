"""The Accounts table: network icon, handle, name, status, waiting posts."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QIcon

from desktop.services.accounts import AccountRow
from desktop.services.vault import KeyringStatus
from desktop.ui import theme
from desktop.ui.icons import icon, network_icon
from desktop.ui.widgets.table_model import Column, RowTableModel

STATUS_TEXT = {
    "connected": "Connected",
    "needs_reconnect": "Needs reconnect",
    "disconnected": "Disconnected",
}
INSECURE_TOOLTIP = "Credentials are stored unencrypted on this computer."


def status_text(row: AccountRow) -> str:
    text = STATUS_TEXT.get(row.status, row.status)
    return f"{text} · paused" if row.paused else text


class AccountsModel(RowTableModel[AccountRow]):
    NETWORK, HANDLE, NAME, STATUS, SCHEDULED = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        self._keyring: KeyringStatus | None = None
        self._tint(theme.current())
        super().__init__(
            [
                Column("Network", lambda r: r.network_name, decoration=lambda r: network_icon(r.network)),
                Column("Handle", lambda r: r.handle, tooltip=lambda r: r.server_url),
                Column("Name", lambda r: r.display_name),
                Column(
                    "Status", lambda r: r.status, display=status_text, decoration=self._status_icon, tooltip=self._tip
                ),
                Column(
                    "Scheduled",
                    lambda r: r.scheduled,
                    align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                ),
            ],
            parent,
        )
        theme.notifier().changed.connect(self._retint)

    def _tint(self, colors: theme.Colors) -> None:
        self._insecure_icon = icon("warning", colors.warning_text)
        self._reconnect_icon = icon("warning", colors.danger)

    def _retint(self, colors: theme.Colors) -> None:
        self._tint(colors)
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, self.STATUS),
                self.index(self.rowCount() - 1, self.STATUS),
                [Qt.ItemDataRole.DecorationRole],
            )

    def set_accounts(self, rows: Sequence[AccountRow], keyring: KeyringStatus) -> None:
        """The rows, and the keyring they were listed with (an insecure one marks connected accounts)."""
        self._keyring = keyring
        self.set_rows(rows)

    @property
    def keyring(self) -> KeyringStatus | None:
        return self._keyring

    def insecure(self, row: AccountRow) -> bool:
        """Connected, with its credentials in a keyring that does not encrypt them."""
        return row.status == "connected" and self._keyring is not None and not self._keyring.secure

    def _status_icon(self, row: AccountRow) -> QIcon | None:
        if row.status == "needs_reconnect":
            return self._reconnect_icon
        return self._insecure_icon if self.insecure(row) else None

    def _tip(self, row: AccountRow) -> str:
        lines = [row.status_detail] if row.status_detail else []
        if self.insecure(row) and self._keyring is not None:
            lines += [INSECURE_TOOLTIP, self._keyring.message]
        if row.paused:
            lines.append("Paused: its posts wait until you resume it.")
        return "\n".join(lines)
