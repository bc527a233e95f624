"""The one way to run background work: a small task runner on a QThreadPool.

``runner.run(fn, on_done=..., on_error=...)`` runs ``fn`` on a worker thread and delivers its
result or exception on the GUI thread through a queued signal. Workers never touch widgets.
A task can be cancelled: its callbacks are then never called.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class TaskCancelled(Exception):
    """A task cancelled before it started (its callbacks are not called)."""


class Task(QObject):
    """A handle on one background call, living on the GUI thread."""

    finished = Signal(object)  # result
    failed = Signal(object)  # exception

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self._cancelled = threading.Event()
        self.done = False

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class _Job(QRunnable):
    def __init__(self, task: Task, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task = task
        self._fn = fn

    def run(self) -> None:
        if self._task.cancelled:  # settle it anyway, so pending() never counts it for ever
            self._task.failed.emit(TaskCancelled(self._task.name))
            return
        try:
            result = self._fn()
        except Exception as exc:
            self._task.failed.emit(exc)
        else:
            self._task.finished.emit(result)


class TaskRunner(QObject):
    """Runs service calls off the GUI thread. One per window, passed to pages by constructor."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._active: set[Task] = set()

    def run(
        self,
        fn: Callable[[], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        name: str = "",
    ) -> Task:
        task = Task(name or getattr(fn, "__name__", "task"))
        task.finished.connect(lambda result: self._settle(task, on_done, result))
        task.failed.connect(lambda exc: self._settle(task, on_error, exc, error=True))
        self._active.add(task)
        if len(self._active) == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Job(task, fn))
        return task

    def _settle(self, task: Task, callback: Callable[[Any], None] | None, value: Any, *, error: bool = False) -> None:
        if not shiboken6.isValid(self):  # the runner's window closed while this task ran
            return
        task.done = True
        self._active.discard(task)
        if not self._active:
            self.busy_changed.emit(False)
        if task.cancelled:
            return
        if callback is not None:
            callback(value)
        elif error:
            log.error("background task %s failed: %s", task.name, value, exc_info=value)

    def pending(self) -> int:
        """Tasks started and not yet settled (e.g. a connect in progress)."""
        return len(self._active)

    def cancel_all(self) -> None:
        for task in list(self._active):
            task.cancel()

    def wait(self, msecs: int = 10_000) -> bool:
        return self._pool.waitForDone(msecs)
