"""The one way to run background work: a small task runner on a QThreadPool.

``runner.run(fn, on_done=..., on_error=..., owner=widget, changes=..., token=...)`` runs ``fn``
on a worker thread and delivers its result or exception on the GUI thread through a queued
signal. Workers never touch widgets.

- **Owner**: a task belongs to the widget that started it. When the owner is destroyed the task
  is cancelled and its callbacks are never called (no ``Internal C++ object already deleted``).
- **Cancel**: ``task.cancel()`` drops the callbacks; with ``token=True`` the work is called as
  ``fn(token)`` and can stop early (``token.cancelled``, ``token.check()`` raises
  :class:`TaskCancelled`), e.g. before saving what the user has just cancelled.
- **Errors**: without ``on_error`` a failure is shown by default: the runner emits
  ``unhandled_error(name, exc)`` and the main window shows it as a sentence with Details.
- **Changes**: an operation that writes passes ``changes=changes(POSTS, ...)``; on success the
  runner emits ``changed(Changes)`` (even when the owner is gone: the change happened), and
  pages refresh from that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QMetaObject, QObject, QRunnable, QThreadPool, Signal

from desktop.ui.changes import Changes

log = logging.getLogger(__name__)


class TaskCancelled(Exception):
    """A task was cancelled (its callbacks are not called)."""


class CancelToken:
    """What the work checks to stop early; thread-safe."""

    def __init__(self, name: str) -> None:
        self._event = threading.Event()
        self._name = name

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`TaskCancelled` if the task was cancelled (call before each step that commits)."""
        if self._event.is_set():
            raise TaskCancelled(self._name)


class Task(QObject):
    """A handle on one background call, living on the GUI thread."""

    finished = Signal(object)  # result
    failed = Signal(object)  # exception

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.token = CancelToken(name)
        self.done = False
        self.owner_link: QMetaObject.Connection | None = None

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled


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
    #: An operation succeeded and changed what pages show (a :class:`~desktop.ui.changes.Changes`).
    changed = Signal(object)
    #: A task without ``on_error`` failed: (task name, exception). The main window shows it.
    unhandled_error = Signal(str, object)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._active: set[Task] = set()

    def run(
        self,
        fn: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        name: str = "",
        owner: QObject | None = None,
        changes: Changes | None = None,
        token: bool = False,
    ) -> Task:
        """Run ``fn()`` (``fn(token)`` with ``token=True``) off the GUI thread; see the module doc."""
        task = Task(name or getattr(fn, "__name__", "task"))
        task.finished.connect(lambda result: self._settle(task, owner, on_done, result, changes=changes))
        task.failed.connect(lambda exc: self._settle(task, owner, on_error, exc, error=True))
        if owner is not None:
            task.owner_link = owner.destroyed.connect(task.cancel)
        self._active.add(task)
        if len(self._active) == 1:
            self.busy_changed.emit(True)
        work: Callable[[], Any] = (lambda: fn(task.token)) if token else fn
        self._pool.start(_Job(task, work))
        return task

    def _settle(
        self,
        task: Task,
        owner: QObject | None,
        callback: Callable[[Any], None] | None,
        value: Any,
        *,
        error: bool = False,
        changes: Changes | None = None,
    ) -> None:
        if not shiboken6.isValid(self):  # the runner's window closed while this task ran
            return
        task.done = True
        self._active.discard(task)
        if not self._active:
            self.busy_changed.emit(False)
        owner_gone = owner is not None and not shiboken6.isValid(owner)
        if owner is not None and not owner_gone and task.owner_link is not None:
            QObject.disconnect(task.owner_link)
        if not task.cancelled and not owner_gone:
            if callback is not None:
                callback(value)
            elif error and not isinstance(value, TaskCancelled):
                log.error("background task %s failed: %s", task.name, value, exc_info=value)
                self.unhandled_error.emit(task.name, value)
        if changes and not error:  # it happened, whoever asked for it
            self.changed.emit(changes)

    def notify(self, changes: Changes) -> None:
        """Report a change made on the GUI thread (or by an engine) to every page."""
        if changes:
            self.changed.emit(changes)

    def pending(self) -> int:
        """Tasks started and not yet settled (e.g. a connect in progress)."""
        return len(self._active)

    def cancel_all(self) -> None:
        for task in list(self._active):
            task.cancel()

    def wait(self, msecs: int = 10_000) -> bool:
        return self._pool.waitForDone(msecs)
