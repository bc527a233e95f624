"""Starting the GUI."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import APP_ID, APP_NAME, ORG_DOMAIN, ORG_NAME, __version__
from desktop.services.context import AppContext
from desktop.ui import theme
from desktop.ui.icons import app_icon


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
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
    app = make_application()
    app.setQuitOnLastWindowClosed(False)  # the tray keeps publishing; Quit ends the app
    from desktop.store.paths import resolve_data_dir
    from desktop.ui.single_instance import Claim, SingleInstance

    try:
        instance = SingleInstance(resolve_data_dir(data_dir))
    except OSError as exc:  # DataDirError: one sentence with the path
        QMessageBox.critical(None, APP_NAME, f"Campaign Desk could not open its data.\n\n{exc}")
        return 1
    claim = instance.acquire()
    if claim is Claim.HELD:
        if instance.ask_owner_to_show():
            return 0  # the running window came forward; never a second publisher
        QMessageBox.critical(
            None,
            APP_NAME,
            "Campaign Desk is already running for this data folder but does not answer; "
            "quit it (or end it in the task manager) and try again.",
        )
        return 1
    if claim is Claim.UNAVAILABLE:
        QMessageBox.critical(
            None,
            APP_NAME,
            f"Campaign Desk could not create its lock file {instance.lock_path}, so it cannot make sure "
            "it runs only once for this data folder. Check that the folder is writable and try again.",
        )
        return 1
    try:
        ctx = AppContext.open(data_dir)
    except OSError as exc:  # DatabaseUnavailable, DataDirError: already one sentence with the path
        QMessageBox.critical(None, APP_NAME, f"Campaign Desk could not open its data.\n\n{exc}")
        instance.release()
        return 1
    except Exception as exc:
        from desktop.store.database import describe_db_error

        QMessageBox.critical(None, APP_NAME, f"Campaign Desk could not open its data.\n\n{describe_db_error(exc)}")
        instance.release()
        return 1
    from desktop.ui.main_window import MainWindow

    window = MainWindow(ctx, start_publishing=True)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.destroyed.connect(app.quit)
    instance.show_requested.connect(window.bring_to_front)  # as the tray's Open does
    window.show()
    try:
        return app.exec()
    finally:
        ctx.close()
        instance.release()
