"""The upcoming queue of one account: when each post goes out, and whether that is a slot."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import QObject

from desktop.services.slots import QueuedVariant
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
                    display=lambda r: f"{r.at.astimezone(self.zone):%a %d %b  %H:%M}",
                ),
                Column("Post", lambda r: r.text),
                Column(
                    "Slot",
                    lambda r: r.on_slot,
                    display=lambda r: "Queue slot" if r.on_slot else "Own time",
                    tooltip=lambda r: "" if r.on_slot else "Scheduled at its own time; Recompute moves it onto a slot",
                ),
            ],
            parent,
        )
