"""The Qt half of ``campaign-desk --self-test`` (desktop/selftest.py runs these after the checks
that need no Qt): the application offscreen, the Qt plugins and image formats the app needs,
QtCharts, and the main window built, shown and rendered with its start-up work finished.

Each ``check_*`` returns a one-line detail on success and raises on failure.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QSettings
from PySide6.QtGui import QGuiApplication, QImageReader
from PySide6.QtWidgets import QApplication

from desktop.selftest import collect_errors

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.main_window import MainWindow


def prepare_application(tmp: Path) -> QApplication:
    """The QApplication, offscreen unless the caller chose a platform, with settings kept in ``tmp``."""
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # never flash a window on the user's screen
    from desktop.ui.app import make_application

    app = make_application(["campaign-desk", "--self-test"])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    return app


def check_plugins(native_platforms: dict[str, str]) -> str:
    """The native platform plugin (``native_platforms`` by sys.platform) and the SVG/PNG readers exist."""
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    platforms = sorted(p.name for p in (plugins / "platforms").glob("*") if p.is_file())
    native = native_platforms.get("linux" if sys.platform.startswith("linux") else sys.platform)
    if native and not any(native in name for name in platforms):
        raise FileNotFoundError(f"no {native} platform plugin in {plugins / 'platforms'} (found {platforms})")
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = [f for f in ("svg", "png") if f not in formats]
    if missing:
        raise RuntimeError(f"image formats missing: {', '.join(missing)} (have {', '.join(sorted(formats))})")
    styles_dir = plugins / "styles"
    styles = sorted(p.name for p in styles_dir.glob("*")) if styles_dir.is_dir() else []
    return (
        f"platform {QGuiApplication.platformName()} (available: {', '.join(platforms)}); "
        f"images: {', '.join(sorted(formats))}; style plugins: {', '.join(styles) or 'built-in only'}"
    )


def check_charts() -> str:
    """QtCharts (the analytics charts) imports: a bundle that lost it shows up here."""
    from PySide6 import QtCharts

    return f"QtCharts {QtCharts.__name__} imports"


def check_window(ctx: AppContext) -> str:
    """Build, show and render the main window; let its start-up work finish; fail on any error it raised."""
    from desktop.ui.main_window import MainWindow

    with collect_errors() as errors:
        window = MainWindow(ctx)
        try:
            window.show()
            settle_window(window)
            pixmap = window.grab()
            page = window.current_page().key
        finally:
            window.runner.cancel_all()
            window.runner.wait(5000)
            window.hide()  # not close(): that would save window state
            window.deleteLater()
            QApplication.processEvents()
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise RuntimeError(f"error while the window loaded: {errors[0]}{more}")
    if pixmap.isNull() or pixmap.width() < 100:
        raise RuntimeError("the window rendered nothing")
    return f"{len(window.pages)} pages, showing {page!r}, rendered {pixmap.width()}x{pixmap.height()}"


def settle_window(window: MainWindow, timeout: float = 15.0) -> None:
    """Process events until the window's background tasks have delivered their results."""
    deadline = time.monotonic() + timeout
    QApplication.processEvents()
    while window.runner.pending() and time.monotonic() < deadline:
        window.runner.wait(50)
        QApplication.processEvents()
    QApplication.processEvents()
