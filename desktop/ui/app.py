"""Starting the GUI: the window shell first, then the data (see :func:`run_gui`)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop import APP_ID, APP_NAME, ORG_DOMAIN, ORG_NAME, __version__
from desktop.ui import theme
from desktop.ui.icons import app_icon

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from desktop.services.context import AppContext
    from desktop.ui.main_window import MainWindow


def __getattr__(name: str) -> type[QMessageBox]:
    """``QMessageBox``, imported on first use: only failures show one, and its Python type costs
    milliseconds to make before the first paint."""
    if name == "QMessageBox":
        from PySide6.QtWidgets import QMessageBox

        return QMessageBox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([*(argv if argv is not None else sys.argv), *theme.FUSION_ARGS])
        theme.started_in_fusion(app)
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORG_NAME)
    app.setOrganizationDomain(ORG_DOMAIN)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    theme.apply(app, theme.saved_mode())
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: theme.apply(app))
    return app


def run_gui(data_dir: str | Path | None = None) -> int:
    """Paint the window shell, then open the data off the GUI thread and fill the pages in.

    Nothing here imports the data layer (SQLAlchemy, Alembic, providers) before the first paint;
    ``CAMPAIGN_DESK_BENCH_FIRST_PAINT=1`` / ``CAMPAIGN_DESK_BENCH_FIRST_DATA=1`` print a marker
    and quit at first paint / when the calendar shows its posts (tests/bench/test_bench_startup.py).
    """
    app = make_application()
    app.setQuitOnLastWindowClosed(False)  # the tray keeps publishing; Quit ends the app
    from desktop.store.paths import resolve_data_dir
    from desktop.ui.single_instance import Claim, SingleInstance

    try:
        folder = resolve_data_dir(data_dir)
        instance = SingleInstance(folder)
    except OSError as exc:  # DataDirError: one sentence with the path
        _critical(f"Campaign Desk could not open its data.\n\n{exc}")
        return 1
    claim = instance.acquire(listen=False)  # the lock first; the socket (QtNetwork) after the paint
    if claim is Claim.HELD:
        if instance.ask_owner_to_show():
            return 0  # the running window came forward; never a second publisher
        _critical(
            "Campaign Desk is already running for this data folder but does not answer; "
            "quit it (or end it in the task manager) and try again.",
        )
        return 1
    if claim is Claim.UNAVAILABLE:
        _critical(
            f"Campaign Desk could not create its lock file {instance.lock_path}, so it cannot make sure "
            "it runs only once for this data folder. Check that the folder is writable and try again.",
        )
        return 1
    from desktop.ui.main_window import MainWindow

    window = MainWindow(start_publishing=True, data_dir=folder)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.destroyed.connect(app.quit)
    instance.show_requested.connect(window.bring_to_front)  # as the tray's Open does
    opened: list[AppContext] = []
    first_page = window.current_key()

    def open_data() -> AppContext:  # on a worker thread: the driver, the migrations, the keyring
        from desktop.services.context import AppContext

        ctx = AppContext.open(data_dir)
        opened.append(ctx)
        warm_imports(first_page)
        return ctx

    def cannot_open(exc: BaseException) -> None:
        if isinstance(exc, OSError):  # DatabaseUnavailable, DataDirError: already one sentence with the path
            reason = str(exc)
        else:
            from desktop.store.database import describe_db_error

            reason = describe_db_error(exc)
        window.hide()  # as before the window existed: the message alone
        _critical(f"Campaign Desk could not open its data.\n\n{reason}")
        app.exit(1)

    def open_now() -> None:
        if window.isHidden():
            return
        window.runner.run(open_data, on_done=window.attach, on_error=cannot_open, owner=window, name="open_data")
        instance.listen()  # from now on a second launch (which retries meanwhile) brings this window forward

    def start_opening() -> None:
        if window.isHidden():  # closed before it was painted (or in the turn after): nothing to open
            return
        if first_page != "calendar":
            open_now()
            return
        from desktop.services.calendar_rows import FirstWindowRead

        # Its first month, read with sqlite3 first: that read is what the user waits to see, and the
        # data layer's imports on another thread would compete with it for the interpreter (a
        # 0.15 s read took 0.4-1.3 s beside them on the large DB). The data opens once the read is
        # done, or after FIRST_WINDOW_HEAD_START_MS at the latest.
        read = window.first_window = FirstWindowRead.start(folder)
        window.build_calendar_early()
        waited = QElapsedTimer()
        waited.start()
        poll = QTimer(window)
        poll.setInterval(5)

        def check() -> None:
            if read.done() or waited.elapsed() >= FIRST_WINDOW_HEAD_START_MS:
                poll.stop()
                poll.deleteLater()
                open_now()

        poll.timeout.connect(check)
        poll.start()

    after_first_paint(window, start_opening)
    _bench_marks(window)  # its filter, installed last, sees the paint first: it marks the paint, not the work after it
    window.show()
    try:
        return app.exec()
    finally:
        if shiboken6.isValid(window):  # else deleted on close, its pool waited for its tasks
            window.runner.wait(30_000)  # closed while opening: let the open (a migration) finish
        for ctx in opened:
            ctx.close()
        instance.release()


def _critical(text: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.critical(None, APP_NAME, text)


#: How long the calendar's first-month read (sqlite3 alone) runs before the data layer starts
#: loading beside it, at most.
FIRST_WINDOW_HEAD_START_MS = 400

#: If the window is not painted by then (started minimised, a compositor that holds it back),
#: the data opens anyway.
OPEN_AT_LATEST_MS = 500


def after_first_paint(window: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` once, in the event loop turn after ``window``'s first paint."""
    called = False

    def once() -> None:
        nonlocal called
        if not called:
            called = True
            window.removeEventFilter(watcher)
            then()

    class Watcher(QObject):
        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                QTimer.singleShot(0, once)
            return False

    watcher = Watcher(window)
    window.installEventFilter(watcher)
    QTimer.singleShot(OPEN_AT_LATEST_MS, once)


def warm_imports(first_page: str) -> None:
    """Import, off the GUI thread, what :meth:`MainWindow.attach` is about to import on it: the
    engines, the tray, "Get started" and the first page's module (modules only; no widgets)."""
    from desktop.ui.pages import SPECS_BY_KEY

    for module in (
        "desktop.ui.publishing.engine",
        "desktop.ui.publishing.tray",
        "desktop.ui.analytics.engine",
        "desktop.services.app_settings",  # what "Get started" reads
        "desktop.ui.help.diagnostics",
        SPECS_BY_KEY[first_page].target.partition(":")[0],
    ):
        importlib.import_module(module)


# --- benchmark markers ----------------------------------------------------------------------------

BENCH_MARK = "campaign-desk-bench"


def _rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration, ValueError):  # not Linux: the peak instead
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _bench_marks(window: MainWindow) -> None:
    """Print ``campaign-desk-bench first-paint|first-data|idle rss_kb=N`` at those moments:
    first paint, then quit; or first data (the calendar showing its posts), then idle (the data
    attached and every task settled: the RSS of the app at rest), then quit."""
    marked: list[str] = []

    def mark(what: str, *, quit_after: bool = True) -> None:
        if what in marked or window.isHidden():  # once each; quitting lets events through
            return
        marked.append(what)
        print(f"{BENCH_MARK} {what} rss_kb={_rss_kb()}", flush=True)
        if quit_after:
            window.quit(ask=False)

    if os.environ.get("CAMPAIGN_DESK_BENCH_FIRST_PAINT") == "1":
        after_first_paint(window, lambda: mark("first-paint"))
    if os.environ.get("CAMPAIGN_DESK_BENCH_FIRST_DATA") == "1":

        def idle_soon(busy: bool = False) -> None:
            if not busy and window.attached and "first-data" in marked:
                # busy_changed(False) comes before the finished task's callback, which may start another
                QTimer.singleShot(0, window, lambda: None if window.runner.pending() else mark("idle"))

        def first_data() -> None:
            mark("first-data", quit_after=False)
            idle_soon()

        def built(key: str, page: object) -> None:
            if key == "calendar":  # at attach, or before the data with the month read ahead
                page.model.loaded.connect(lambda *_args: first_data())  # type: ignore[attr-defined]

        window.page_built.connect(built)
        window.runner.busy_changed.connect(idle_soon)
