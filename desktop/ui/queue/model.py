"""The upcoming queue of one account: when each post goes out, and whether that is a slot.

Times are shown in the user's zone (the same zone the calendar uses), and the "When" header
names it, so the same post reads the same time on every page.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QObject, Qt

from desktop.services.slots import QueuedVariant
from desktop.services.zones import format_local, zone_label
from desktop.ui.widgets.table_model import Column, RowTableModel


class UpcomingModel(RowTableModel[QueuedVariant]):
    WHEN, TEXT, KIND = range(3)

    def __init__(self, parent: QObject | None = None) -> None:
        self.zone: tzinfo | None = None
        super().__init__(
            [
                Column(
                    "When",
                    lambda r: r.at.timestamp(),
                    display=lambda r: format_local(r.at, "%a %d %b  %H:%M", self.zone),
                    tooltip=lambda r: format_local(r.at, "%A %d %B %Y, %H:%M", self.zone) + self._zone_suffix(),
                ),
                Column("Post", lambda r: r.text, tooltip=lambda r: r.text),
                Column(
                    "Slot",
                    lambda r: r.on_slot,
                    display=lambda r: "Queue slot" if r.on_slot else "Own time",
                    tooltip=lambda r: "" if r.on_slot else "Scheduled at its own time; Recompute moves it onto a slot",
                ),
            ],
            parent,
        )

    def _zone_suffix(self) -> str:
        return f" ({zone_label(self.zone)})" if self.zone is not None else ""

    def set_zone(self, zone: tzinfo) -> None:
        """Show times in ``zone`` (the user's); the header says which."""
        if zone == self.zone:
            return
        self.zone = zone
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.WHEN, self.WHEN)
        if self.rowCount():
            self.dataChanged.emit(self.index(0, self.WHEN), self.index(self.rowCount() - 1, self.WHEN))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        value = super().headerData(section, orientation, role)
        if section == self.WHEN and isinstance(value, str):
            return value + self._zone_suffix()
        return value
