"""What the first paint costs (issue 14): the shell is painted before Qt's network and SVG
modules, the package metadata and OpenSSL are loaded, and a second launch is still brought
forward once the window is up (the single-instance socket listens right after the paint)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.services.calendar_rows import FirstWindowRead
from desktop.services.context import AppContext
from desktop.store.paths import DB_FILENAME
from desktop.ui.main_window import MainWindow
from desktop.ui.pages import PAGE_SPECS
from desktop.ui.single_instance import Claim, SingleInstance

REPO = Path(__file__).resolve().parents[2]
NOT_BEFORE_PAINT = ("PySide6.QtNetwork", "PySide6.QtSvg", "importlib.metadata", "hashlib", "ctypes")

#: The real start-up (run_gui). At the first paint it prints which of NOT_BEFORE_PAINT were loaded
#: and what the window shows; with "stay" it keeps running (the lock and the socket held).
PAINTED = f"""
    import sys
    from desktop.ui import app
    from desktop.ui.pages import PAGE_SPECS

    def marks(window):
        def report():
            loaded = [m for m in {NOT_BEFORE_PAINT!r} if m in sys.modules]
            names = [window.nav_buttons[spec.key].text().strip() for spec in PAGE_SPECS]
            frame = window.stack.currentWidget()
            print("painted", window.windowTitle(), "|", ",".join(names), "|", frame.objectName(), loaded, flush=True)
            if sys.argv[2] != "stay":
                window.quit()
        app.after_first_paint(window, report)

    app._bench_marks = marks
    sys.exit(app.run_gui(sys.argv[1]))
"""


def _start(data_dir: Path, mode: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PAINTED), str(data_dir), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def test_the_shell_paints_without_network_svg_metadata_or_openssl(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    proc = _start(tmp_path / "data", "quit", subprocess_env)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    names = ",".join(spec.title for spec in PAGE_SPECS)
    assert out.strip() == f"painted Campaign Desk | {names} | frame-calendar []", out
    # closed in the turn after its paint: the data was never opened (no database made, no migration run)
    assert not (tmp_path / "data" / DB_FILENAME).exists()


def test_a_second_launch_brings_the_painted_window_forward(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    data = tmp_path / "data"
    first = _start(data, "stay", subprocess_env)
    try:
        assert first.stdout is not None
        assert first.stdout.readline().startswith("painted Campaign Desk")
        second = SingleInstance(data)
        try:
            assert second.acquire() is Claim.HELD  # never a second publisher
            assert second.ask_owner_to_show() is True  # the owner listens once it has painted
        finally:
            second.release()
    finally:
        first.kill()
        first.communicate(timeout=30)


def test_the_calendar_built_at_attach_takes_the_month_read_ahead(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow()  # the shell, as start-up paints it
    qtbot.addWidget(window)
    read = FirstWindowRead.start(ctx.data_dir)
    window.first_window = read  # run_gui starts it right after the paint
    read.wait(30)
    window.attach(ctx)
    page = window.pages.built("calendar")
    assert page is not None and window.first_window is None  # handed over once
    assert window.stack.currentWidget() is page


def test_a_quit_without_asking_cancels_work_in_progress(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    release = threading.Event()
    window.runner.run(lambda: release.wait(30), name="slow_read", owner=window)
    # still running after the 3 s the window waits for quick reads, done before its last wait ends
    threading.Timer(4.0, release.set).start()
    window.show()
    window.quit(ask=False)  # a "Work in progress" question here would never be answered
    assert not window.isVisible()
    assert window.runner.pending() == 0 or window.runner.wait(30_000)


def test_the_calendar_is_built_before_the_data_and_attached_when_it_opens(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow()  # the shell, the calendar on show
    qtbot.addWidget(window)
    window.build_calendar_early()
    assert window.pages.built("calendar") is None  # nothing read ahead: the frame stays until the data
    window.first_window = FirstWindowRead.start(ctx.data_dir)
    window.build_calendar_early()  # as run_gui does right after the paint
    page = window.pages.built("calendar")
    assert page is not None and window.stack.currentWidget() is page
    assert not page.attached  # type: ignore[attr-defined]
    assert window.pages.built_keys() == ["calendar"]
    window.show_page("queue")  # any other page waits for the data in its frame
    assert window.stack.currentWidget() is window.frames["queue"]
    window.show_page("calendar")
    assert window.stack.currentWidget() is page and "calendar" not in window.frames
    window.attach(ctx)
    assert window.pages["calendar"] is page and page.attached  # type: ignore[attr-defined]
