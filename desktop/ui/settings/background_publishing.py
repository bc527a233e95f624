"""Settings card: "Keep publishing when the app is closed" — installs or removes the OS job.

Planning, installing and checking run OS tools (``systemctl``, ``launchctl``, ``schtasks``,
``crontab``), so every call goes through the TaskRunner; the GUI thread never waits on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QCheckBox, QLabel, QPlainTextEdit, QWidget

from desktop.services.background_job import BackgroundJob, BackgroundJobError, JobPlan, JobStatus
from desktop.ui.errors import Explained, explain, show_error
from desktop.ui.widgets.banner import WarningBanner
from desktop.ui.widgets.card import Card
from desktop.ui.widgets.details_row import details_row

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

CHECKBOX_TEXT = "Keep publishing when the app is closed"


UNAVAILABLE = (
    "This computer offers Campaign Desk no way to publish while the app is closed: it needs a "
    "systemd user session or cron. Publishing still runs while the app is open."
)


def _words(exc: Exception, sentence: str) -> Explained:
    """``sentence`` says what failed; what the OS tool said (``systemctl``'s own line) goes to Details."""
    if isinstance(exc, BackgroundJobError):
        return Explained(sentence, str(exc))
    explained = explain(exc)
    return Explained(f"{sentence} {explained.sentence}", explained.details)


class BackgroundPublishingSection(Card):
    """A card: the checkbox, the exact command the OS will run, how, and whether it is installed.

    Call :meth:`refresh` when the page is shown. ``job`` is injectable for tests.
    """

    def __init__(
        self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None, *, job: BackgroundJob | None = None
    ) -> None:
        super().__init__("Publishing while the app is closed", parent)
        self.ctx = ctx
        self.runner = runner
        self.job = job or BackgroundJob()
        self.plan: JobPlan | None = None
        self.setObjectName("background-publishing")
        form = self.form
        self.form = form

        self.enabled = QCheckBox(CHECKBOX_TEXT)
        self.enabled.setEnabled(False)  # until we know what this computer offers
        self.enabled.setToolTip(
            "Asks the operating system to run one publishing pass every minute, in your session, "
            "so scheduled posts go out while Campaign Desk is closed, then to read the metrics that are "
            "due, so likes and followers keep coming. Safe alongside the open app."
        )
        self.enabled.toggled.connect(self._toggled)
        form.addRow("", self.enabled)

        self.mechanism = QLabel("Checking this computer…")
        self.mechanism.setWordWrap(True)
        form.addRow("How", self.mechanism)

        self.command = QPlainTextEdit()
        self.command.setReadOnly(True)
        self.command.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.command.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.command.setFixedHeight(self.command.fontMetrics().lineSpacing() * 3 + 16)
        self.command.setAccessibleName("Command the operating system runs")
        form.addRow("Command", self.command)

        self.files = QLabel()
        self.files.setWordWrap(True)
        self.files.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files.setProperty("role", "muted")
        form.addRow("Files", self.files)

        self.status = QLabel()
        self.status.setWordWrap(True)
        form.addRow("Status", self.status)

        self.error = WarningBanner()
        self.error_row, self.details_button = details_row(
            self.error, self.show_details, "What the operating system said, whole"
        )
        form.addRow(self.error_row)
        self.explained: Explained | None = None
        self._show_problem(None)

    # --- reading -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-plan (which mechanism works here) and ask the OS whether the job is installed."""
        job, ctx = self.job, self.ctx

        def look() -> tuple[JobPlan, JobStatus]:
            plan = job.plan(ctx)
            return plan, job.status(plan)

        self.runner.run(look, on_done=self._show_plan, on_error=self._show_error, name="background-status", owner=self)

    def _show_plan(self, result: tuple[JobPlan, JobStatus]) -> None:
        plan, status = result
        self.plan = plan
        self.mechanism.setText(plan.description if plan.mechanism else "Not available on this computer")
        text = plan.command_line
        if plan.cron_line:
            text += f"\n\nCrontab line:\n{plan.cron_line}"
        self.command.setPlainText(text)
        lines = 7 if plan.cron_line else 3
        self.command.setFixedHeight(self.command.fontMetrics().lineSpacing() * lines + 16)
        self.files.setText("\n".join(str(f.path) for f in plan.files) or "none")
        self.form.setRowVisible(self.files, bool(plan.files))
        self._show_status(status)
        self.enabled.setEnabled(True)
        if plan.mechanism is None:
            self._show_problem(Explained(UNAVAILABLE, plan.unavailable))

    def _show_status(self, status: JobStatus) -> None:
        self._set_checked(status.installed)
        unavailable = self.plan is not None and self.plan.mechanism is None
        self.status.setText("Off." if unavailable else ("On. " if status.installed else "Off. ") + status.detail)

    def _show_problem(self, explained: Explained | None) -> None:
        self.explained = explained
        self.error.show_text(explained.sentence if explained else "")
        self.details_button.setVisible(bool(explained and explained.details))
        self.error_row.setVisible(explained is not None)

    def show_details(self) -> None:
        if self.explained is not None:
            show_error(self, "Publishing while the app is closed", self.explained)

    # --- changing --------------------------------------------------------------------------------

    def _toggled(self, on: bool) -> None:
        plan = self.plan
        if plan is None:
            return
        self.enabled.setEnabled(False)
        self._show_problem(None)
        self.status.setText("Installing…" if on else "Removing…")
        job = self.job
        self.runner.run(
            (lambda: job.install(plan)) if on else (lambda: job.remove(plan)),
            on_done=self._changed,
            on_error=lambda exc: self._change_failed(exc, was_on=not on),
            name="background-install" if on else "background-remove",
            owner=self,
        )

    def _changed(self, status: JobStatus) -> None:
        self._show_status(status)
        self.enabled.setEnabled(True)

    def _change_failed(self, exc: Exception, *, was_on: bool) -> None:
        self._set_checked(was_on)
        self.status.setText("On." if was_on else "Off.")
        if self.plan is not None and self.plan.mechanism is None:
            self._show_problem(Explained(UNAVAILABLE, str(exc)))
        else:
            turn = "off" if was_on else "on"
            self._show_problem(_words(exc, f"Campaign Desk couldn't turn {turn} publishing while the app is closed."))
        self.enabled.setEnabled(True)

    def _show_error(self, exc: Exception) -> None:
        self.mechanism.setText("Could not check this computer")
        self._show_problem(
            _words(exc, "Campaign Desk couldn't check whether this computer can publish while the app is closed.")
        )

    def _set_checked(self, on: bool) -> None:
        self.enabled.blockSignals(True)
        self.enabled.setChecked(on)
        self.enabled.blockSignals(False)
