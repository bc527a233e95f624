"""Undoable calendar edits (a QUndoStack on the calendar page; Ctrl+Z / Ctrl+Shift+Z)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from desktop.ui.calendar.model import CalendarModel

if TYPE_CHECKING:
    from desktop.services.calendar import ScheduledDraft


class RescheduleCommand(QUndoCommand):
    """Move a chip (one post's variants at one time) from where each was to ``new``; undo moves
    each back. The model saves each step in the background and reverts its view if the store
    refuses."""

    def __init__(
        self, model: CalendarModel, moves: Sequence[tuple[int, datetime]], new: datetime, label: str = ""
    ) -> None:
        super().__init__(label or "Move post")
        self.model = model
        self.moves = list(moves)  # (variant id, its time before)
        self.new = new

    def redo(self) -> None:
        for variant_id, _old in self.moves:
            self.model.move(variant_id, self.new)

    def undo(self) -> None:
        for variant_id, old in self.moves:
            self.model.move(variant_id, old)


class DraftScheduledCommand(QUndoCommand):
    """A draft dropped on the calendar (already scheduled when pushed); undo returns it to the
    drafts, redo schedules it again at the same time. Both are conditional in the service."""

    def __init__(
        self,
        done: ScheduledDraft,
        unschedule: Callable[[ScheduledDraft], None],
        reschedule: Callable[[ScheduledDraft], None],
        label: str,
    ) -> None:
        super().__init__(label)
        self.done = done
        self._unschedule = unschedule
        self._reschedule = reschedule
        self._pushed = True  # QUndoStack.push calls redo() at once: the drop did that already

    def redo(self) -> None:
        if self._pushed:
            self._pushed = False
            return
        self._reschedule(self.done)

    def undo(self) -> None:
        self._unschedule(self.done)
