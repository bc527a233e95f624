"""The main window: a sidebar of pages, remembered geometry and last page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.ui import theme
from desktop.ui.icons import app_icon, icon
from desktop.ui.pages.accounts import AccountsPage
from desktop.ui.pages.analytics import AnalyticsPage
from desktop.ui.pages.calendar import CalendarPage
from desktop.ui.pages.campaigns import CampaignsPage
from desktop.ui.pages.compose import ComposePage
from desktop.ui.pages.queue import QueuePage
from desktop.ui.pages.settings import SettingsPage
from desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.pages.base import Page

PAGES: tuple[type[Page], ...] = (
    CalendarPage,
    QueuePage,
    ComposePage,
    CampaignsPage,
    AnalyticsPage,
    AccountsPage,
    SettingsPage,
)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = TaskRunner(self)
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setMinimumSize(900, 600)

        self.pages: dict[str, Page] = {}
        self.nav_buttons: dict[str, QToolButton] = {}
        self.stack = QStackedWidget()
        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)

        sidebar = QWidget()
        sidebar.setObjectName("Sidebar")
        sidebar.setFixedWidth(200)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(12, 16, 12, 12)
        side.setSpacing(4)
        brand = QLabel(APP_NAME)
        brand.setObjectName("Brand")
        side.addWidget(brand)

        view_menu = self.menuBar().addMenu("&View")
        for number, page_cls in enumerate(PAGES, start=1):
            page = page_cls(ctx, self.runner)
            page.navigate.connect(self.show_page)
            self.pages[page.key] = page
            self.stack.addWidget(page)
            button = QToolButton()
            button.setObjectName(f"nav-{page.key}")
            button.setProperty("nav", True)
            button.setText(f"  {page.title}")  # breathing room after the icon
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setIconSize(QSize(18, 18))
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            shortcut = QKeySequence(f"Ctrl+{number}")
            button.setToolTip(f"{page.title} ({shortcut.toString(QKeySequence.SequenceFormat.NativeText)})")
            button.clicked.connect(lambda _checked=False, key=page.key: self.show_page(key))
            self.nav_group.addButton(button)
            self.nav_buttons[page.key] = button
            side.addWidget(button)
            action = QAction(icon(page.icon_name, theme.current().text), page.title, self)
            action.setShortcut(shortcut)
            action.triggered.connect(lambda _checked=False, key=page.key: self.show_page(key))
            view_menu.addAction(action)
            self.addAction(action)  # shortcut works even where the menu bar is native or hidden
            if page.key == "analytics":
                side.addSpacing(14)
        side.addStretch(1)
        self._tint_nav()

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.menuBar().insertMenu(view_menu.menuAction(), file_menu)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction(f"About {APP_NAME}", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

        self.runner.busy_changed.connect(self._busy)
        self._restore()

    # --- navigation -----------------------------------------------------------------------

    def show_page(self, key: str) -> None:
        page = self.pages.get(key) or self.pages["calendar"]
        self.stack.setCurrentWidget(page)
        self.nav_buttons[page.key].setChecked(True)
        self._tint_nav()
        page.refresh()

    def current_page(self) -> Page:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def _tint_nav(self) -> None:
        colors = theme.current()
        for key, button in self.nav_buttons.items():
            page = self.pages[key]
            button.setIcon(icon(page.icon_name, "#ffffff" if button.isChecked() else colors.text))

    def _busy(self, busy: bool) -> None:
        if busy:
            self.statusBar().showMessage("Working…")
        else:
            self.statusBar().clearMessage()

    def _about(self) -> None:
        from desktop import __version__

        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME}</b> {__version__}<br>Compose once, publish reliably, measure everywhere.<br>"
            f"Data: {self.ctx.data_dir}",
        )

    # --- state across runs ------------------------------------------------------------------

    def _settings(self) -> QSettings:
        return QSettings()

    def _restore(self) -> None:
        settings = self._settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1180, 760)
        last = settings.value("window/page", "calendar")
        self.show_page(str(last) if last in self.pages else "calendar")

    def save_state(self) -> None:
        settings = self._settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/page", self.current_page().key)
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.runner.pending():
            answer = QMessageBox.question(
                self,
                "Work in progress",
                "Campaign Desk is still working (for example, connecting an account). Quit anyway?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.runner.cancel_all()
        self.save_state()
        self.runner.wait(5000)
        event.accept()
