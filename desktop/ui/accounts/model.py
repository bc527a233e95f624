"""The Accounts table: network icon, handle, name, status, waiting posts."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt

from desktop.services.accounts import AccountRow
from desktop.ui.icons import network_icon
from desktop.ui.widgets.table_model import Column, RowTableModel

STATUS_TEXT = {
    "connected": "Connected",
    "needs_reconnect": "Needs reconnect",
    "disconnected": "Disconnected",
}


def status_text(row: AccountRow) -> str:
    text = STATUS_TEXT.get(row.status, row.status)
    return f"{text} · paused" if row.paused else text


class AccountsModel(RowTableModel[AccountRow]):
    NETWORK, HANDLE, NAME, STATUS, SCHEDULED = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Network", lambda r: r.network_name, decoration=lambda r: network_icon(r.network)),
                Column("Handle", lambda r: r.handle, tooltip=lambda r: r.server_url),
                Column("Name", lambda r: r.display_name),
                Column("Status", lambda r: r.status, display=status_text, tooltip=lambda r: r.status_detail),
                Column(
                    "Scheduled",
                    lambda r: r.scheduled,
                    align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                ),
            ],
            parent,
        )
