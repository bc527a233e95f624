"""Publishing while the app is open: a pass every half minute, off the GUI thread.

The engine has its own one-thread runner, so a pass in flight never makes the window ask
"quit anyway?" — interrupting a pass is safe, the next run reconciles what was in flight.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.services import activity, app_settings, zones
from desktop.services.publisher import PassReport, Publisher
from desktop.ui.changes import ACCOUNTS, POSTS, Changes, changes
from desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from desktop.services.context import AppContext

INTERVAL_MS = 30_000
DIGEST_HOUR = 9  # in the user's zone


def pass_changes(report: PassReport, *, new_failures: bool = False) -> Changes:
    """What a pass changed, for the pages: posts when a variant moved (published, retrying,
    failed, or lost a race to another writer), accounts when one now needs reconnecting."""
    kinds = set()
    if report.outcomes or new_failures:
        kinds.add(POSTS)
    if any(o.state == "needs_reconnect" for o in report.outcomes):
        kinds.add(ACCOUNTS)
    return changes(*sorted(kinds))


class PublishingEngine(QObject):
    pass_started = Signal()
    pass_finished = Signal(object)  # PassReport
    failed = Signal(object)  # Exception: the pass itself could not run
    new_failures = Signal(list)  # [AttentionRow]: tell the user, once each
    digest_ready = Signal(str)
    late_published = Signal(list)  # [Outcome]: posts that went out late this pass (the computer slept)
    paused_changed = Signal(bool)
    #: What a pass changed (a :class:`~desktop.ui.changes.Changes`), emitted only when it changed something.
    changed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.publisher = Publisher(ctx, kind="gui")
        self.runner = TaskRunner(self, max_threads=1)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.run_now)
        self.running = False
        self.last_pass: datetime | None = None
        self.last_report: PassReport | None = None

    def start(self) -> None:
        """Start the timer; the first pass (which reconciles anything left in flight) runs at once."""
        self.timer.start()
        QTimer.singleShot(0, self.run_now)

    def stop(self) -> None:
        self.timer.stop()
        self.runner.cancel_all()

    def run_now(self) -> None:
        if self.running:
            return
        self.running = True
        self.pass_started.emit()
        self.runner.run(self._pass, on_done=self._done, on_error=self._error, name="publish_pass", owner=self)

    def _pass(self) -> tuple[PassReport, list[activity.AttentionRow], str]:
        report = self.publisher.run_once()
        return report, activity.take_new_failures(self.ctx), self._digest_due()

    def _digest_due(self) -> str:
        if not app_settings.get(self.ctx, app_settings.DAILY_DIGEST):
            return ""
        local = datetime.now(zones.user_zone(self.ctx))
        today = local.date().isoformat()
        if local.hour < DIGEST_HOUR or app_settings.get(self.ctx, app_settings.LAST_DIGEST_ON) == today:
            return ""
        app_settings.put(self.ctx, app_settings.LAST_DIGEST_ON, today)
        return activity.digest(self.ctx).text()

    def _done(self, result: tuple[PassReport, list[activity.AttentionRow], str]) -> None:
        report, failures, digest = result
        self.running = False
        self.last_pass = datetime.now().astimezone()
        self.last_report = report
        self.pass_finished.emit(report)
        what = pass_changes(report, new_failures=bool(failures))
        if what:
            self.changed.emit(what)
        if failures:
            self.new_failures.emit(failures)
        late = [o for o in report.published if o.late]
        if late:
            self.late_published.emit(late)
        if digest:
            self.digest_ready.emit(digest)

    def _error(self, exc: Exception) -> None:
        self.running = False
        self.failed.emit(exc)

    def set_paused(self, paused: bool) -> None:
        """Save the choice; ``paused_changed`` tells the tray and the pages. Resuming publishes
        what came due while paused at once (when the engine runs)."""

        def apply() -> bool:
            app_settings.put(self.ctx, app_settings.PUBLISHING_PAUSED, paused)
            return paused

        self.runner.run(apply, on_done=self._paused_saved, on_error=self.failed.emit, name="set_paused", owner=self)

    def reload_paused(self) -> None:
        """The setting was written elsewhere (Settings): read it and tell the tray and the pages."""
        ctx = self.ctx
        self.runner.run(
            lambda: bool(app_settings.get(ctx, app_settings.PUBLISHING_PAUSED)),
            on_done=self._paused_saved,
            on_error=self.failed.emit,
            name="read_paused",
            owner=self,
        )

    def _paused_saved(self, paused: bool) -> None:
        self.paused_changed.emit(paused)
        if not paused and self.timer.isActive():
            self.run_now()

    def wait(self, msecs: int = 10_000) -> bool:
        return self.runner.wait(msecs)
