"""Undoable calendar edits (a QUndoStack on the calendar page; Ctrl+Z / Ctrl+Shift+Z)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QUndoCommand

from desktop.ui.calendar.model import CalendarModel


class RescheduleCommand(QUndoCommand):
    """Move one variant from ``old`` to ``new``; undo moves it back. The model saves each
    step in the background and reverts its view if the store refuses."""

    def __init__(self, model: CalendarModel, variant_id: int, old: datetime, new: datetime, label: str = "") -> None:
        super().__init__(label or "Move post")
        self.model = model
        self.variant_id = variant_id
        self.old = old
        self.new = new

    def redo(self) -> None:
        self.model.move(self.variant_id, self.new)

    def undo(self) -> None:
        self.model.move(self.variant_id, self.old)
