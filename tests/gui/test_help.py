"""The Help menu: user guide, keyboard shortcuts, folders, and the Diagnostics panel that Settings now points to."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop import __version__
from desktop.services.context import AppContext
from desktop.store.database import head_revision
from desktop.ui import theme
from desktop.ui.help.diagnostics import DiagnosticsDialog
from desktop.ui.help.guide import GuideDialog
from desktop.ui.help.shortcuts import ShortcutsDialog
from desktop.ui.main_window import MainWindow
from tests.gui.test_accounts_page import add_account

TOKEN = "tok-SECRET-4f9c2a"
NATIVE = QKeySequence.SequenceFormat.NativeText


class _Opener(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


def _window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _help_action(window: MainWindow, text: str):  # type: ignore[no-untyped-def]
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    return next(a for a in menu.actions() if a.text() == text)


def _shots() -> Path:
    path = Path(os.environ.get("CAMPAIGN_DESK_HELP_SHOTS", Path(tempfile.gettempdir()) / "campaign-desk-help-shots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _both_themes(qapp: QApplication, widget: QWidget, name: str) -> None:
    for colors, label in ((theme.LIGHT, "light"), (theme.DARK, "dark")):
        qapp.setPalette(theme._palette(colors))
        qapp.setStyleSheet(theme.stylesheet(colors))
        QApplication.processEvents()
        assert widget.grab().save(str(_shots() / f"{name}-{label}.png"))
    theme.apply(qapp)


def test_diagnostics_shows_doctors_facts_and_copies_them_without_secrets(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication
) -> None:
    add_account(ctx, "mastodon", "@shop@masto.example", secrets={"access_token": TOKEN})
    window = _window(qtbot, ctx)
    dialog = DiagnosticsDialog(ctx, window.runner, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.copy_button.isEnabled, timeout=5000)
    text = dialog.text.toPlainText()
    assert f"Campaign Desk {__version__}" in text
    assert f"Data folder: {ctx.data_dir}" in text
    assert f"Database schema: {head_revision()} (expected {head_revision()})" in text
    assert "Keyring backend: keyrings.alt.file.PlaintextKeyring (not encrypted)" in text
    assert "PySide6" in text and "Python" in text and "OS: " in text
    assert "Accounts: 1" in text
    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert copied == text
    assert TOKEN not in copied and TOKEN not in text
    _both_themes(qapp, dialog, "diagnostics")


def test_shortcuts_dialog_lists_the_windows_real_shortcuts(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    window = _window(qtbot, ctx)
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    rows = dict(dialog.rows())
    assert rows["Calendar"] == QKeySequence("Ctrl+1").toString(NATIVE)
    assert rows["Settings"] == QKeySequence(f"Ctrl+{len(window.pages)}").toString(NATIVE)
    quit_keys = QKeySequence(QKeySequence.StandardKey.Quit).toString(NATIVE)  # none on the offscreen platform
    assert rows.get("Quit", "") == quit_keys
    assert rows["Import CSV"] == QKeySequence("Ctrl+Shift+I").toString(NATIVE)
    assert rows["User guide"] == "F1"
    assert rows["Keyboard shortcuts"] == QKeySequence("Ctrl+/").toString(NATIVE)
    _both_themes(qapp, dialog, "shortcuts")


def test_user_guide_renders_readme_and_switches_guides(qtbot: QtBot, qapp: QApplication) -> None:
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    root = Path(__file__).resolve().parents[2]
    first_heading = next(
        line.lstrip("# ").strip() for line in (root / "README.md").read_text().splitlines() if line.startswith("#")
    )
    assert dialog.browser.toPlainText().startswith(first_heading)
    _both_themes(qapp, dialog, "guide")
    dialog.guides.setCurrentRow(1)
    csv_heading = next(
        line.lstrip("# ").strip()
        for line in (root / "docs/csv-import.md").read_text().splitlines()
        if line.startswith("#")
    )
    assert dialog.browser.toPlainText().startswith(csv_heading)


def test_user_guide_says_when_the_docs_are_missing(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = GuideDialog(root=tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.browser.toPlainText() == "The guide is not included in this build."


def test_open_folder_actions_open_the_data_and_log_folders(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    opener = _Opener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        _help_action(window, "Open data folder").trigger()
        _help_action(window, "Open log folder").trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in opener.opened] == [Path(ctx.data_dir), Path(ctx.data_dir)]
    assert "publish-due.log" in _help_action(window, "Open log folder").toolTip()


def test_settings_speaks_plainly_and_offers_diagnostics(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    window.show_page("settings")
    page = window.pages["settings"]
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=5000)
    texts = [label.text() for label in page.findChildren(QLabel) if label.isVisible()]
    assert not any(
        "keyring.backends" in t or "keyrings.alt" in t or "Plaintext" in t or "Database schema" in t for t in texts
    )
    # the test keyring is a plain file, allowed for the tests: said once, as the warning
    said = "This computer's keyring does not encrypt; sign-ins are stored anyway because you allowed it."
    assert texts.count(said) == 1 and page.banner.label.text() == said
    assert any(b.text() == "Diagnostics…" for b in page.findChildren(QPushButton))
