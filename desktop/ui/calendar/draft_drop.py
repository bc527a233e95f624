"""Drafts dropped on the calendar from the Drafts page: scheduled off the GUI thread, undoable.

A drop on a month day takes that day's first free posting-queue slot of the post's accounts
(else 09:00, never in the past); a drop on the week view takes the day and time under it. Undo
returns the post to the drafts, redo schedules it again; both are conditional in the service,
so a post that changed meanwhile stays as it is and the status line says why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.services.zones import zone_label
from desktop.ui.calendar.commands import DraftScheduledCommand
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.changes import POSTS, changes
from desktop.ui.errors import explain, show_error

if TYPE_CHECKING:
    from desktop.services.calendar import ScheduledDraft
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


def _calendar() -> ModuleType:
    """The calendar service, imported on the worker that first needs it (it brings the data layer)."""
    from desktop.services import calendar

    return calendar


class DraftDrops(QObject):
    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        model: CalendarModel,
        undo_stack: QUndoStack,
        status: Callable[[str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.model = model
        self.undo_stack = undo_stack
        self.status = status
        self.widget = parent
        #: The last "can't schedule it" box (a list of problems to fix), for tests.
        self.error_box: QMessageBox | None = None

    def when_words(self, at: datetime) -> str:
        """``Wed 10 Mar 09:00 (Europe/Paris)``: a time out of context names its zone."""
        return f"{at.astimezone(self.model.zone):%a %d %b %H:%M} ({zone_label(self.model.zone)})"

    def schedule(self, post_id: int, day: date, at: time | None) -> None:
        """Schedule a draft on ``day`` (at ``at``, or the day's first free queue slot, else 09:00)."""
        zone = self.model.zone

        def work() -> ScheduledDraft:
            from desktop.services.calendar import drop_time_for_day, schedule_draft  # on the worker

            if at is None:
                when = drop_time_for_day(self.ctx, post_id, day, zone)
            else:
                when = datetime.combine(day, at, tzinfo=zone)
            return schedule_draft(self.ctx, post_id, when)

        self.runner.run(
            work,
            on_done=self._scheduled,
            on_error=self._refused,
            owner=self,
            changes=changes(POSTS),
            name="schedule_draft",
        )

    def _scheduled(self, done: ScheduledDraft) -> None:
        label = f"Schedule draft for {done.at.astimezone(self.model.zone):%a %d %b %H:%M}"
        self.undo_stack.push(DraftScheduledCommand(done, self._unschedule, self._reschedule, label))
        self.status(f"Scheduled for {self.when_words(done.at)}. Undo with Ctrl+Z.")

    def _refused(self, exc: Exception) -> None:
        explained = explain(exc)
        if "\n" in explained.sentence:  # a list of problems: readable whole in a box
            self.error_box = show_error(self.widget, "Can't schedule this draft", explained)
        self.status(explained.sentence.splitlines()[0])

    def _failed(self, exc: Exception) -> None:
        self.status(explain(exc).sentence)

    def _unschedule(self, done: ScheduledDraft) -> None:
        self.runner.run(
            lambda: _calendar().return_to_draft(self.ctx, done),
            on_done=lambda _n: self.status("Back in your drafts."),
            on_error=self._failed,
            owner=self,
            changes=changes(POSTS),
            name="return_to_draft",
        )

    def _reschedule(self, done: ScheduledDraft) -> None:
        self.runner.run(
            lambda: _calendar().schedule_draft(self.ctx, done.post_id, done.at),
            on_done=lambda _d: self.status(f"Scheduled for {self.when_words(done.at)} again."),
            on_error=self._failed,
            owner=self,
            changes=changes(POSTS),
            name="schedule_draft",
        )
