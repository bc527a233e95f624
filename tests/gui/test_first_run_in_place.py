""" "Get started" is painted in its place before the data opens, so the page header does not jump
when the data arrives: the window start-up paints (the shell, given the data folder, the calendar
built early as run_gui does) and the attached window put the page's title at the same spot."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.services import app_settings
from desktop.services.calendar_rows import FirstWindowRead
from desktop.services.context import AppContext
from desktop.ui.main_window import MainWindow, first_run_key
from tests.gui.layout_check import layout_problems


def header_top(window: MainWindow) -> QPoint:
    """Where the page on show (or its frame) has its title, in window coordinates."""
    page = window.stack.currentWidget()
    assert page is not None
    (title,) = [label for label in page.findChildren(QLabel) if label.property("role") == "title"]
    return title.mapTo(window, QPoint(0, 0))


def nav_places(window: MainWindow) -> dict[str, tuple[int, int, int, int]]:
    return {key: button.geometry().getRect() for key, button in window.nav_buttons.items()}


def ticked(window: MainWindow) -> dict[str, bool]:
    return {field: "done" in b.accessibleName() for field, b in window.first_run.steps.items()}


def painted_shell(qtbot: QtBot, qapp: QApplication, folder: Path) -> MainWindow:
    """The window as run_gui paints it, then builds the calendar with the month read ahead."""
    window = MainWindow(data_dir=folder)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    qapp.processEvents()
    return window


def attach(qtbot: QtBot, qapp: QApplication, window: MainWindow, ctx: AppContext) -> None:
    window.attach(ctx)
    qtbot.waitUntil(lambda: window.first_run.progress is not None and window.runner.pending() == 0, timeout=15_000)
    qapp.processEvents()
    assert window.stack.currentWidget() is window.pages.built("calendar")


def test_a_new_data_folder_paints_get_started_where_it_stays(
    qtbot: QtBot, qapp: QApplication, isolated_home: Path, screenshot_dir: Path
) -> None:
    assert not any(isolated_home.iterdir())  # no database yet: a first start
    window = painted_shell(qtbot, qapp, isolated_home)
    assert window.first_run.isVisible() and not window.first_run.close_button.isEnabled()
    assert ticked(window) == {"connected": False, "written": False, "scheduled": False}
    assert window.first_run.steps["connected"].property("primary") is True
    before = header_top(window)
    sidebar = nav_places(window)
    window.grab().save(str(screenshot_dir / "first-run-in-place-0-painted.png"))
    window.first_window = FirstWindowRead.start(isolated_home)
    window.first_window.wait(30)
    window.build_calendar_early()
    ctx = AppContext.open(isolated_home)
    try:
        attach(qtbot, qapp, window, ctx)
        assert window.first_run.isVisible() and window.first_run.close_button.isEnabled()
        assert ticked(window) == {"connected": False, "written": False, "scheduled": False}
        assert header_top(window) == before
        assert nav_places(window) == sidebar  # the sidebar does not move either
        assert layout_problems(window) == []
        window.grab().save(str(screenshot_dir / "first-run-in-place-1-attached.png"))
        window.close()
    finally:
        ctx.close()


def test_steps_on_show_last_time_are_painted_as_they_were(qtbot: QtBot, qapp: QApplication, ctx: AppContext) -> None:
    from tests.gui.test_accounts_page import add_account

    add_account(ctx, "mastodon", "@desk@mastodon.example")
    first = painted_shell(qtbot, qapp, ctx.data_dir)
    assert not first.first_run.isVisible()  # a database the shell knows nothing about yet
    attach(qtbot, qapp, first, ctx)
    assert first.first_run.isVisible() and ticked(first)["connected"]
    first.close()

    again = painted_shell(qtbot, qapp, ctx.data_dir)
    assert again.first_run.isVisible()
    assert ticked(again) == {"connected": True, "written": False, "scheduled": False}
    assert again.first_run.steps["written"].property("primary") is True
    before = header_top(again)
    attach(qtbot, qapp, again, ctx)
    assert again.first_run.isVisible()
    assert header_top(again) == before
    again.close()


def test_steps_hidden_for_good_stay_out_of_the_first_paint(qtbot: QtBot, qapp: QApplication, ctx: AppContext) -> None:
    from PySide6.QtCore import QSettings

    first = painted_shell(qtbot, qapp, ctx.data_dir)
    attach(qtbot, qapp, first, ctx)
    assert QSettings().contains(first_run_key(ctx.data_dir))  # on show: remembered
    first.first_run.dismiss()
    qtbot.waitUntil(lambda: app_settings.get(ctx, app_settings.FIRST_RUN_DISMISSED) is True, timeout=10_000)
    first.close()

    again = painted_shell(qtbot, qapp, ctx.data_dir)
    before = header_top(again)
    attach(qtbot, qapp, again, ctx)
    assert not again.first_run.isVisible()
    assert not QSettings().contains(first_run_key(ctx.data_dir))  # read hidden: forgotten
    assert header_top(again) == before
    again.close()


def test_each_data_folder_keeps_its_own_steps(
    qtbot: QtBot, qapp: QApplication, ctx: AppContext, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Opening another data folder in between does not make this one's steps appear late."""
    from tests.gui.test_accounts_page import add_account

    add_account(ctx, "mastodon", "@desk@mastodon.example")
    first = painted_shell(qtbot, qapp, ctx.data_dir)
    attach(qtbot, qapp, first, ctx)
    first.close()

    other_dir = tmp_path_factory.mktemp("other-data")
    other = AppContext.open(other_dir)
    try:
        elsewhere = painted_shell(qtbot, qapp, other_dir)
        attach(qtbot, qapp, elsewhere, other)
        assert elsewhere.first_run.isVisible() and ticked(elsewhere)["connected"] is False
        elsewhere.close()
    finally:
        other.close()

    again = painted_shell(qtbot, qapp, ctx.data_dir)
    assert again.first_run.isVisible()
    assert ticked(again) == {"connected": True, "written": False, "scheduled": False}
    again.close()
