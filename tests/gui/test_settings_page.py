"""Settings: every control applies at once, everywhere (the engine, the tray, the Publishing page,
every page showing times), and the page shows sentences, never internals."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from desktop.services import app_settings, zones
from desktop.services.context import AppContext
from desktop.ui import theme
from desktop.ui.changes import Changes
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.settings import SettingsPage
from tests.gui.layout_check import layout_problems


def _window(qtbot: QtBot, ctx: AppContext, qapp: QApplication, size: tuple[int, int] = (1280, 800)) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("settings")
    settle(qtbot, window)
    return window


def settle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending() == 0 and window.engine.runner.pending() == 0, timeout=10_000)


def settings_page(window: MainWindow) -> SettingsPage:
    page = window.pages["settings"]
    assert isinstance(page, SettingsPage)
    return page


def recorded(window: MainWindow) -> list[Changes]:
    seen: list[Changes] = []
    window.runner.changed.connect(seen.append)
    return seen


def type_zone(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Type into the zone field as a user does, then Enter."""
    line = settings_page(window).general.zone.lineEdit()
    assert line is not None
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    settle(qtbot, window)


def test_the_zone_list_reads_like_places(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    names = zones.offered_zones()
    assert names.count("UTC") == 1 and names[0] == "UTC"
    assert not any(n in zones.UTC_ALIASES or n.startswith(("Etc/", "posix/", "right/")) for n in names)
    assert "America/New_York" in names and "Europe/Paris" in names
    page = settings_page(_window(qtbot, ctx, qapp))
    combo = page.general.zone
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert not any("_" in label for label in labels)  # "America/New York", never "New_York"
    assert labels[0].startswith("Same as this computer")
    assert combo.currentIndex() == 0 and combo.currentData() == ""  # the default: the computer's zone


def test_choosing_a_zone_saves_it_and_tells_every_page(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    window = _window(qtbot, ctx, qapp)
    page = settings_page(window)
    seen = recorded(window)
    type_zone(qtbot, window, "america/new york")
    assert app_settings.get(ctx, app_settings.TIMEZONE) == "America/New_York"
    assert zones.user_zone_name(ctx) == "America/New_York"
    assert page.general.zone.currentText() == "America/New York"
    assert any("timezone" in c.settings for c in seen)
    assert page.general.zone_note.text() == "Times are now shown in America/New York."

    # typing a city finds its zone; back to the computer's zone clears the setting
    seen.clear()
    page.general.zone.setCurrentIndex(0)
    page.general.zone.activated.emit(0)
    settle(qtbot, window)
    assert app_settings.get(ctx, app_settings.TIMEZONE) == ""
    assert any("timezone" in c.settings for c in seen)


def test_a_zone_that_does_not_exist_is_refused_in_words(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    window = _window(qtbot, ctx, qapp)
    page = settings_page(window)
    seen = recorded(window)
    type_zone(qtbot, window, "Mars/Olympus Mons")
    note = page.general.zone_note
    assert note.isVisible()
    assert note.text().startswith("“Mars/Olympus Mons” isn't a time zone Campaign Desk knows.")
    assert app_settings.get(ctx, app_settings.TIMEZONE) == ""  # nothing written
    assert not any("timezone" in c.settings for c in seen)


def test_appearance_applies_at_once_and_is_remembered(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    window = _window(qtbot, ctx, qapp)
    combo = settings_page(window).general.appearance
    assert [combo.itemText(i) for i in range(combo.count())] == ["Same as the system", "Light", "Dark"]
    switched: list[object] = []
    theme.notifier().changed.connect(switched.append)
    combo.setCurrentIndex(combo.findData("dark"))
    assert theme.mode() == "dark" and theme.current() is theme.DARK and switched == [theme.DARK]
    assert QSettings().value("appearance/theme") == "dark"
    assert qapp.palette().window().color().name() == theme.DARK.window
    combo.setCurrentIndex(combo.findData("light"))
    assert theme.current() is theme.LIGHT


def test_pausing_in_settings_reaches_the_engine_the_tray_and_the_publishing_page(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication
) -> None:
    window = _window(qtbot, ctx, qapp)
    prefs = settings_page(window).publishing
    publishing = window.pages["publishing"]
    assert not window.tray.paused
    prefs.paused.setChecked(True)
    qtbot.waitUntil(lambda: window.tray.paused, timeout=5000)
    settle(qtbot, window)
    assert app_settings.get(ctx, app_settings.PUBLISHING_PAUSED) is True
    assert window.tray.pause_action.text() == "Resume publishing"
    assert publishing.paused is True  # type: ignore[attr-defined]

    # and the other way: the tray's Resume shows in Settings at once
    window.tray.pause_action.trigger()
    qtbot.waitUntil(lambda: not prefs.paused.isChecked(), timeout=5000)
    settle(qtbot, window)
    assert app_settings.get(ctx, app_settings.PUBLISHING_PAUSED) is False
    assert not window.tray.paused and publishing.paused is False  # type: ignore[attr-defined]


def test_close_to_tray_is_read_when_it_changes(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    window = _window(qtbot, ctx, qapp)
    prefs = settings_page(window).publishing
    assert window._close_to_tray is True and prefs.close_to_tray.isChecked()
    prefs.close_to_tray.setChecked(False)
    qtbot.waitUntil(lambda: window._close_to_tray is False, timeout=5000)
    assert app_settings.get(ctx, app_settings.CLOSE_TO_TRAY) is False
    prefs.close_to_tray.setChecked(True)
    qtbot.waitUntil(lambda: window._close_to_tray is True, timeout=5000)


def test_settings_show_sentences_not_internals(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    page = settings_page(_window(qtbot, ctx, qapp))
    words = " ".join(label.text() for label in page.findChildren(QLabel) if label.isVisible())
    backend = type(ctx.vault.status()).__name__
    for internal in ("PlaintextKeyring", "keyrings.alt", "Schema", "revision", "alembic", backend):
        assert internal not in words
    assert "does not encrypt" in words  # the tests' file keyring, said as a sentence


@pytest.mark.parametrize("size", [(900, 600), (1280, 800)])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_settings_layout(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, screenshot_dir: Path, size: tuple[int, int], mode: str
) -> None:
    theme.apply(qapp, mode)
    window = _window(qtbot, ctx, qapp, size)
    page = settings_page(window)
    qapp.processEvents()
    assert layout_problems(window) == []
    scroll = page.findChild(QScrollArea)
    assert scroll is not None and not scroll.horizontalScrollBar().isVisible()  # nothing wider than the page
    window.grab().save(str(screenshot_dir / f"settings-{mode}-{size[0]}.png"))
    # switched while shown: the page re-styles in place and still fits
    theme.apply(qapp, "light" if mode == "dark" else "dark")
    qapp.processEvents()
    assert layout_problems(page) == []
    window.grab().save(str(screenshot_dir / f"settings-{mode}-{size[0]}-switched.png"))
