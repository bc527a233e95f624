"""The "Get started" checklist (connect an account → write a post → schedule it) the main window
shows above every page until those steps are done or the user closes it.

It imports nothing of the data layer, so the window can paint it before the data is open, in
the place and with the steps it will have once attached (see :class:`FirstRunChecklist`): the
page below does not move when the data arrives."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

from desktop.ui import theme
from desktop.ui.changes import ACCOUNTS, POSTS, changes
from desktop.ui.icons import icon

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent
    from PySide6.QtWidgets import QWidget

    from desktop.services.app_settings import FirstRunProgress
    from desktop.services.context import AppContext
    from desktop.ui.changes import Changes
    from desktop.ui.tasks import TaskRunner

#: (progress field, words, page it opens)
STEPS = (
    ("connected", "Connect an account", "accounts"),
    ("written", "Write your first post", "compose"),
    ("scheduled", "Schedule it", "compose"),
)


class FirstRunChecklist(QFrame):
    """Three steps, each a button that goes there, ticked from what is in the DB (never from
    clicks). Hidden for good once every step is done or the user closes it."""

    #: Show a page by key.
    navigate = Signal(str)
    #: Every step is done (emitted once, when that is first seen).
    completed = Signal()

    #: Where the steps stand (a FirstRunProgress): each time they are read, and when hidden.
    progress_read = Signal(object)

    def __init__(
        self,
        ctx: AppContext | None,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        expected: Collection[str] | None = None,
    ) -> None:
        """Without ``ctx`` (the data not open yet) it shows only when ``expected`` says which
        steps are done (none: a new data folder), until :meth:`attach` reads the real ones."""
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.progress: FirstRunProgress | None = None
        self._done: frozenset[str] = frozenset()  # the steps ticked now
        self.setObjectName("FirstRunChecklist")
        self.setProperty("role", "card")
        self.setAccessibleName("Get started")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 5, 8, 5)
        row.setSpacing(8)
        self.heading = QLabel("Get started")
        self.heading.setProperty("role", "card-title")
        row.addWidget(self.heading)
        row.addSpacing(6)
        self.steps: dict[str, QPushButton] = {}
        for number, (field, words, target) in enumerate(STEPS, start=1):
            button = QPushButton(f"{number}. {words}")
            button.setObjectName(f"first-run-{field}")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setIconSize(QSize(16, 16))
            button.clicked.connect(lambda _checked=False, key=target: self.navigate.emit(key))
            self.steps[field] = button
            row.addWidget(button)
        row.addStretch(1)
        self.close_button = QToolButton()
        self.close_button.setObjectName("first-run-close")
        self.close_button.setAutoRaise(True)
        self.close_button.setText("Hide")
        self.close_button.setToolTip("Hide these steps for good")
        self.close_button.setAccessibleName("Hide the getting-started steps")
        self.close_button.clicked.connect(self.dismiss)
        row.addWidget(self.close_button)
        self.close_button.setEnabled(ctx is not None)  # hiding for good is remembered in the DB
        if expected is None:
            self.hide()  # until the DB says there is something left to do
        else:
            self._show_steps(frozenset(expected))
        runner.changed.connect(self._on_changes)
        theme.notifier().changed.connect(self._retheme)  # a bound slot: disconnected when this is gone

    def _retheme(self, _colors: theme.Colors) -> None:
        self._show_steps(self._done)

    def attach(self, ctx: AppContext) -> None:
        """The data is open: read the steps (the strip stays as it is until they are read)."""
        self.ctx = ctx
        self.close_button.setEnabled(True)
        self.refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """At the narrowest window the heading gives way, so each step keeps its whole words."""
        layout = self.layout()
        assert layout is not None
        margins = layout.contentsMargins()
        parts = [*self.steps.values(), self.close_button]
        needed = (
            sum(w.sizeHint().width() for w in parts)
            + self.heading.sizeHint().width()
            + 6
            + layout.spacing() * (len(parts) + 1)
            + margins.left()
            + margins.right()
        )
        self.heading.setVisible(self.width() >= needed)

    def refresh(self) -> None:
        from desktop.services import app_settings

        ctx = self.ctx
        assert ctx is not None, "attach() first"
        self.runner.run(lambda: app_settings.first_run_progress(ctx), on_done=self._show, name="first_run", owner=self)

    def _on_changes(self, change: Changes) -> None:
        if self.ctx is None or (self.progress is not None and not self.progress.show):
            return  # done or closed: never again
        if change.touches(frozenset({ACCOUNTS, POSTS})):
            self.refresh()

    def _show(self, progress: FirstRunProgress) -> None:
        self.progress = progress
        if progress.done and not progress.dismissed:
            self._remember_dismissed()  # all three done: it never comes back, even if posts are deleted
            self.completed.emit()
        self._show_steps(frozenset(field for field, _w, _t in STEPS if getattr(progress, field)))
        self.setVisible(progress.show)
        self._fit()
        self.progress_read.emit(progress)

    def _show_steps(self, done_steps: frozenset[str]) -> None:
        """Tick the steps done; the next one to do stands out (the accent button)."""
        self._done = done_steps
        colors = theme.current()
        next_step = next((field for field, _w, _t in STEPS if field not in done_steps), None)
        for number, (field, words, _target) in enumerate(STEPS, start=1):
            button = self.steps[field]
            done = field in done_steps
            button.setText(words if done else f"{number}. {words}")
            dot = "#ffffff" if field == next_step else colors.muted  # white on the accent button
            button.setIcon(icon("check", colors.success) if done else icon("dot", dot))
            button.setAccessibleName(f"Step {number}, {words}: {'done' if done else 'to do'}")
            button.setToolTip("Done" if done else f"Go to {_target.capitalize()}")
            button.setProperty("primary", field == next_step)
            button.style().unpolish(button)
            button.style().polish(button)

    def dismiss(self) -> None:
        self.hide()
        if self.progress is not None:
            self.progress = replace(self.progress, dismissed=True)
            self.progress_read.emit(self.progress)
        self._remember_dismissed()

    def _remember_dismissed(self) -> None:
        from desktop.services import app_settings

        ctx = self.ctx
        assert ctx is not None, "Hide is enabled once the data is open"
        self.runner.run(
            lambda: app_settings.put(ctx, app_settings.FIRST_RUN_DISMISSED, True),
            name="first_run_dismissed",
            owner=self,
            changes=changes(settings=(app_settings.FIRST_RUN_DISMISSED,), source=self),
        )
