"""Settings: "Keep publishing when the app is closed" shows the exact command and installs the job.

The section gets a BackgroundJob whose OS tools come from a PATH of the test's own: an empty one
(nothing can schedule here) or a stand-in ``crontab`` with a private spool.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services.background_job import BackgroundJob
from desktop.services.context import AppContext
from desktop.ui import theme
from desktop.ui.settings.background_publishing import BackgroundPublishingSection
from desktop.ui.tasks import TaskRunner
from tests.services.test_background_job import _fake_crontab, _fake_systemctl_without_bus


def _section(qtbot: QtBot, qapp: QApplication, ctx: AppContext, job: BackgroundJob) -> BackgroundPublishingSection:
    theme.apply(qapp)
    runner = TaskRunner()
    section = BackgroundPublishingSection(ctx, runner, job=job)
    section.runner.setParent(section)
    section.resize(720, section.sizeHint().height())
    qtbot.addWidget(section)
    section.show()
    qtbot.waitExposed(section)
    section.refresh()
    qtbot.waitUntil(lambda: section.enabled.isEnabled(), timeout=5000)
    return section


def _settle(qtbot: QtBot, section: BackgroundPublishingSection) -> None:
    qtbot.waitUntil(lambda: section.runner.pending() == 0 and section.enabled.isEnabled(), timeout=5000)


def test_unavailable_mechanism_shows_the_command_and_refuses_in_words(
    qtbot: QtBot, qapp: QApplication, ctx: AppContext, tmp_path: Path, screenshot_dir: Path
) -> None:
    job = BackgroundJob(platform="linux", tool_path=str(tmp_path / "empty"), executable="/usr/bin/python3")
    section = _section(qtbot, qapp, ctx, job)

    command = section.command.toPlainText()
    assert command == f"/usr/bin/python3 -m desktop --data-dir {ctx.data_dir} background run"
    assert section.command.isReadOnly()
    assert section.mechanism.text() == "Not available on this computer"
    assert not section.enabled.isChecked()

    with qtbot.waitSignal(section.enabled.toggled, timeout=1000):
        qtbot.mouseClick(section.enabled, Qt.MouseButton.LeftButton, pos=QPoint(8, section.enabled.height() // 2))
    _settle(qtbot, section)

    assert not section.enabled.isChecked()
    assert section.error.isVisible()
    assert section.error.label.text().startswith("This computer offers Campaign Desk no way to publish")
    assert "systemctl" not in section.error.label.text()  # the tools' own words are under Details
    assert section.status.text() == "Off."
    assert section.details_button.isVisible() and section.explained is not None
    assert section.explained.details.startswith("Neither a systemd user session (systemctl was not found)")
    section.grab().save(str(screenshot_dir / "settings-background-unavailable.png"))


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in crontab is a shell script")
def test_checking_the_box_installs_the_crontab_line_and_unchecking_removes_it(
    qtbot: QtBot, qapp: QApplication, ctx: AppContext, tmp_path: Path, screenshot_dir: Path
) -> None:
    bin_dir = tmp_path / "bin"
    spool = _fake_crontab(bin_dir)
    _fake_systemctl_without_bus(bin_dir)
    job = BackgroundJob(platform="linux", tool_path=str(bin_dir), uid=1000)
    section = _section(qtbot, qapp, ctx, job)
    assert section.plan is not None
    assert section.mechanism.text() == "crontab, every minute"
    assert section.plan.cron_line in section.command.toPlainText()

    section.enabled.setChecked(True)
    _settle(qtbot, section)

    assert section.enabled.isChecked() and not section.error.isVisible()
    assert section.status.text() == "On. In your crontab; runs every minute."
    assert spool.read_text(encoding="utf-8") == section.plan.cron_line + "\n"
    section.grab().save(str(screenshot_dir / "settings-background-cron.png"))

    section.enabled.setChecked(False)
    _settle(qtbot, section)

    assert not section.enabled.isChecked() and section.status.text() == "Off. Not in your crontab."
    assert spool.read_text(encoding="utf-8") == ""
