"""GUI tests: a real app context on the test's data dir, and a place for screenshots."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import ORG_DOMAIN, ORG_NAME
from desktop.services.context import AppContext
from desktop.ui import theme


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["campaign-desk-tests"]


@pytest.fixture(autouse=True)
def app_identity(qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    qapp.setOrganizationName(ORG_NAME)
    qapp.setOrganizationDomain(ORG_DOMAIN)
    qapp.setApplicationName("Campaign Desk Tests")
    theme.apply(qapp, "system")  # screenshots look like the app; a test's dark mode never leaks
    # QSettings in a per-test folder, so remembered geometry never leaks between tests
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    # A modal question nobody answers hangs the whole run: pytest-qt closing a main window whose
    # background task is still running on a loaded machine asked "Work in progress" and waited
    # (a CI run stuck for minutes in MainWindow.closeEvent). Unattended, it is answered Yes; a
    # test about a question patches QMessageBox.question itself, after this.
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_a, **_k: QMessageBox.StandardButton.Yes))
    yield


@pytest.fixture
def ctx(isolated_home: Path) -> Iterator[AppContext]:
    context = AppContext.open()
    yield context
    context.close()


@pytest.fixture
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots land in $CAMPAIGN_DESK_SCREENSHOTS when set (to look at them), else in pytest's
    temp dir for the session (printed by ``pytest --basetemp``); never inside the checkout."""
    chosen = os.environ.get("CAMPAIGN_DESK_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
