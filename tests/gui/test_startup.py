"""Start-up paints the window shell before the data layer is imported, opens the data off the GUI
thread, and builds each page when it is first shown (issue 14)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.services.context import AppContext
from desktop.ui import app as app_module
from desktop.ui.main_window import MainWindow
from desktop.ui.pages import PAGE_SPECS, PageFrame
from desktop.ui.pages.base import Page

SHELL_ONLY = ("sqlalchemy", "alembic", "keyring", "httpx", "providers", "desktop.services", "desktop.store.database")

#: Runs the real start-up (desktop.ui.app.run_gui) and prints, at the first paint, which modules of
#: the data layer were imported by then.
AT_FIRST_PAINT = """
    import sys
    from desktop.ui import app
    shown = []

    def marks(window):
        def report():
            loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic", "keyring", "httpx",
                "providers") or m.startswith(("desktop.services", "desktop.store.database")))
            print("painted", window.current_key(), "attached" if window.attached else "shell", loaded, flush=True)
            window.quit()
        app.after_first_paint(window, report)

    app._bench_marks = marks
    sys.exit(app.run_gui(sys.argv[1]))
"""


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_the_shell_is_painted_before_the_data_layer_is_imported(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    done = _run(AT_FIRST_PAINT, str(tmp_path / "data"), env=subprocess_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "painted calendar shell []", done.stdout


def test_the_data_opens_after_the_first_paint_and_the_calendar_fills_in(
    ctx: AppContext, subprocess_env: dict[str, str]
) -> None:
    from desktop.services.posts import schedule_post
    from tests.gui.test_accounts_page import add_account

    account = add_account(ctx, "mastodon", "@desk@mastodon.example")
    schedule_post(ctx, account_ids=[account], text="Doors open at nine", at=datetime.now(UTC) + timedelta(minutes=5))
    ctx.close()
    env = subprocess_env | {"CAMPAIGN_DESK_BENCH_FIRST_DATA": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--data-dir", str(ctx.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{app_module.BENCH_MARK} first-data rss_kb="), done.stdout


def test_a_database_that_cannot_be_opened_is_one_sentence_as_before(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "broken"
    data.mkdir()
    (data / "campaign-desk.db").write_bytes(b"this is not a database, it only has its name" * 100)
    said: list[str] = []

    def critical(_parent: QWidget | None, _title: str, text: str) -> QMessageBox.StandardButton:
        said.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(app_module.QMessageBox, "critical", critical)
    assert app_module.run_gui(data) == 1
    (message,) = said
    assert message.startswith("Campaign Desk could not open its data.\n\n")
    assert str(data / "campaign-desk.db") in message and "damaged" in message
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    assert not any(w.isVisible() for w in windows)  # the message alone, as before the shell came first
    for window in windows:
        window.deleteLater()


def test_each_spec_matches_its_page() -> None:
    for spec in PAGE_SPECS:
        cls = spec.load()
        assert (cls.key, cls.title, cls.icon_name, cls.subtitle) == (
            spec.key,
            spec.title,
            spec.icon_name,
            spec.subtitle,
        )


def _built(window: MainWindow) -> set[str]:
    return {page.key for page in window.findChildren(Page)}


def test_a_page_is_built_when_first_shown(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert _built(window) == {"calendar"}  # only the page on show
    assert window.pages.built("queue") is None and window.stack.count() == 1
    window.show_page("queue")
    assert _built(window) == {"calendar", "queue"}
    queue = window.pages.built("queue")
    assert queue is not None and window.stack.currentWidget() is queue
    assert [a.text() for a in window.edit_menu.actions()][:2] == ["&Undo", "&Redo"]
    assert window.edit_menu.actions()[0] is window.pages["calendar"].undo_action  # type: ignore[attr-defined]


def test_the_shell_shows_frames_until_the_data_is_attached(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1180, 760)
    window.show()
    qtbot.waitExposed(window)
    assert not window.attached and _built(window) == set()
    assert list(window.frames) == ["calendar"]  # only the frame on show is made
    frame = window.stack.currentWidget()
    assert isinstance(frame, PageFrame) and frame.spec.key == "calendar"
    window.show_page("campaigns")  # Ctrl+5 or a click before the data is open: the frame comes
    assert window.stack.currentWidget() is window.frames["campaigns"]
    assert window.nav_buttons["campaigns"].isChecked()
    assert not window.import_action.isEnabled()
    assert window.frames["campaigns"].loading.text() == ""  # not at once: only if it takes long
    qtbot.waitUntil(lambda: window.frames["campaigns"].loading.text() == "Loading…", timeout=5000)
    window.attach(ctx)
    assert _built(window) == {"campaigns"}  # the page asked for, not the default one
    assert window.current_page().key == "campaigns" and window.import_action.isEnabled()
    assert "campaigns" not in window.frames
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=5000)


def test_publishing_starts_once_the_page_on_show_has_loaded(qtbot: QtBot, ctx: AppContext) -> None:
    from desktop.services.zones import offered_zones

    offered_zones.cache_clear()
    window = MainWindow(ctx, start_publishing=True)
    qtbot.addWidget(window)
    window.show()
    assert window.metrics_engine.timer.isActive()  # its first pass waits by itself
    assert not window.engine.timer.isActive() and window.runner.pending() > 0  # the calendar reads first
    qtbot.waitUntil(window.engine.timer.isActive, timeout=10_000)
    # then, off the GUI thread, the zone list Queue and Settings offer
    qtbot.waitUntil(lambda: offered_zones.cache_info().currsize == 1, timeout=10_000)
    window.quit()
    assert not window.engine.timer.isActive()


def test_a_window_closed_before_publishing_started_never_starts_it(qtbot: QtBot, ctx: AppContext) -> None:
    from desktop.ui import main_window

    window = MainWindow(ctx, start_publishing=True)
    qtbot.addWidget(window)
    window.quit()  # before the calendar has loaded
    qtbot.wait(main_window.PUBLISH_AFTER_AT_MOST_MS + 500)
    assert not window.engine.timer.isActive() and not window.engine.running
