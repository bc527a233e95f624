"""Metrics while the app is open: a scheduled pass every 15 minutes, and "Sync now", both off
the GUI thread.

Scheduled passes follow the cadence (:mod:`desktop.services.metrics.cadence`), so most ticks
find little or nothing due; "Sync now" refreshes every post of the last 90 days and every
account. The engine has its own one-thread runner, so a pass never runs twice at once and a
pass in flight never makes the window ask "quit anyway?": stopping cancels it between requests,
and what it had read is already saved.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.ui.changes import METRICS, POSTS, Changes, changes
from desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.services.metrics import SyncReport

INTERVAL_MS = 15 * 60_000
#: The first scheduled pass waits this long after start, so it does not compete with the window
#: being built and the publisher's first pass.
FIRST_PASS_DELAY_MS = 20_000


def sync_changes(report: SyncReport) -> Changes:
    """What a sync stored, for the pages: metrics when it wrote snapshots, posts when it imported
    posts found on the network."""
    kinds = ([METRICS] if report.snapshots or report.history_imported else []) + (
        [POSTS] if report.history_imported else []
    )
    return changes(*kinds)


class MetricsEngine(QObject):
    sync_started = Signal()
    sync_finished = Signal(object)  # SyncReport
    sync_failed = Signal(object)  # Exception: the pass could not run at all
    #: What a sync stored (a :class:`~desktop.ui.changes.Changes`), emitted only when it stored something.
    changed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = TaskRunner(self, max_threads=1)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._scheduled)
        self.running = False
        self.manual = False  # whether the pass in flight is a "Sync now"
        self.last_report: SyncReport | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        """Start the timer; the first scheduled pass runs shortly after."""
        self._stopping.clear()
        self.timer.start()
        QTimer.singleShot(min(FIRST_PASS_DELAY_MS, self.timer.interval()), self._scheduled)

    def stop(self) -> None:
        """No more passes; one in flight stops before its next request."""
        self.timer.stop()
        self._stopping.set()
        self.runner.cancel_all()  # its callbacks will not come: the engine is idle from now on
        self.running = False

    def sync_now(self) -> None:
        """A manual pass (every post of the last 90 days and every account); ignored while one runs."""
        self._run(manual=True)

    def _scheduled(self) -> None:
        if self.timer.isActive():
            self._run(manual=False)

    def _run(self, *, manual: bool) -> None:
        if self.running:
            return
        self.running = True
        self.manual = manual
        self._stopping.clear()
        self.sync_started.emit()
        self.runner.run(
            lambda: self._pass(manual),
            on_done=self._done,
            on_error=self._error,
            name="metrics_sync",
            owner=self,
        )

    def _pass(self, manual: bool) -> SyncReport:
        from desktop.services.metrics import sync_metrics  # providers load on first use, off the GUI thread

        return sync_metrics(self.ctx, manual=manual, cancel=self._stopping.is_set)

    def _done(self, report: SyncReport) -> None:
        self.running = False
        self.last_report = report
        self.sync_finished.emit(report)
        what = sync_changes(report)
        if what:
            self.changed.emit(what)

    def _error(self, exc: Exception) -> None:
        self.running = False
        self.sync_failed.emit(exc)

    def wait(self, msecs: int = 10_000) -> bool:
        return self.runner.wait(msecs)
