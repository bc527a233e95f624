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
    theme.apply(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: theme.apply(app))
    return app


def run_gui(data_dir: str | Path | None = None) -> int:
    app = make_application()
    app.setQuitOnLastWindowClosed(False)  # the tray keeps publishing; Quit ends the app
    try:
        ctx = AppContext.open(data_dir)
    except OSError as exc:  # DatabaseUnavailable, DataDirError: already one sentence with the path
        QMessageBox.critical(None, APP_NAME, f"Campaign Desk could not open its data.\n\n{exc}")
        return 1
    except Exception as exc:
        from desktop.store.database import describe_db_error

        QMessageBox.critical(None, APP_NAME, f"Campaign Desk could not open its data.\n\n{describe_db_error(exc)}")
        return 1
    from desktop.ui.main_window import MainWindow

    window = MainWindow(ctx, start_publishing=True)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.destroyed.connect(app.quit)
    window.show()
    try:
        return app.exec()
    finally:
        ctx.close()
