"""The main window: a sidebar of pages, remembered geometry and last page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.ui import theme
from desktop.ui.analytics.engine import MetricsEngine
from desktop.ui.icons import app_icon, icon
from desktop.ui.pages.accounts import AccountsPage
from desktop.ui.pages.analytics import AnalyticsPage
from desktop.ui.pages.calendar import CalendarPage
from desktop.ui.pages.campaigns import CampaignsPage
from desktop.ui.pages.compose import ComposePage
from desktop.ui.pages.publishing import PublishingPage
from desktop.ui.pages.queue import QueuePage
from desktop.ui.pages.settings import SettingsPage
from desktop.ui.publishing.engine import PublishingEngine
from desktop.ui.publishing.tray import Tray, failure_message, late_message
from desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.services.context import AppContext
    from desktop.ui.pages.base import Page

PAGES: tuple[type[Page], ...] = (
    CalendarPage,
    QueuePage,
    ComposePage,
    CampaignsPage,
    AnalyticsPage,
    PublishingPage,
    AccountsPage,
    SettingsPage,
)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, start_publishing: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = TaskRunner(self)
        self.engine = PublishingEngine(ctx, self)
        self.metrics_engine = MetricsEngine(ctx, self)
        self.tray = Tray(self)
        self._quitting = False
        self._close_to_tray = True
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
            if page_cls is PublishingPage:
                page = PublishingPage(ctx, self.runner, engine=self.engine)
            elif page_cls is AnalyticsPage:
                page = AnalyticsPage(ctx, self.runner, engine=self.metrics_engine)
            else:
                page = page_cls(ctx, self.runner)
            page.navigate.connect(self.show_page)
            page.edit_post.connect(self.open_post)
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
            if page.key == "publishing":
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
        import_action = QAction(icon("plus", theme.current().text), "&Import CSV…", self)
        import_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        import_action.triggered.connect(self.import_csv)
        file_menu.addAction(import_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.quit)
        file_menu.addAction(quit_action)
        self.menuBar().insertMenu(view_menu.menuAction(), file_menu)
        calendar = self.pages["calendar"]
        if hasattr(calendar, "import_requested"):
            calendar.import_requested.connect(self.import_csv)
        accounts, queue = self.pages["accounts"], self.pages["queue"]
        accounts.open_queue_for.connect(queue.select_account)  # type: ignore[attr-defined]
        self.pages["campaigns"].open_results.connect(self.show_campaign_results)  # type: ignore[attr-defined]
        if hasattr(calendar, "undo_action"):
            edit_menu = QMenu("&Edit", self)
            edit_menu.addAction(calendar.undo_action)
            edit_menu.addAction(calendar.redo_action)
            self.menuBar().insertMenu(view_menu.menuAction(), edit_menu)
        help_menu = self.menuBar().addMenu("&Help")
        self._help_actions(help_menu)
        about = QAction(f"About {APP_NAME}", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

        self.busy_label = QLabel("Working…")
        self.busy_label.setProperty("role", "muted")
        self.busy_label.hide()
        self.statusBar().addPermanentWidget(self.busy_label)
        self.runner.busy_changed.connect(self._busy)
        self.runner.unhandled_error.connect(self._task_failed)
        self._wire_publishing()
        self._restore()
        if start_publishing:
            self.engine.start()
            self.metrics_engine.start()

    # --- navigation -----------------------------------------------------------------------

    def show_campaign_results(self, campaign_id: int) -> None:
        """Analytics filtered to one campaign: its results, goal progress and networks."""
        self.show_page("analytics")
        self.pages["analytics"].show_campaign(campaign_id)  # type: ignore[attr-defined]

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
        self.busy_label.setVisible(busy)

    def _task_failed(self, _name: str, exc: object) -> None:
        """The default display of a background failure nobody handled: a sentence, Details on demand."""
        from desktop.ui.errors import explain, show_error

        if not isinstance(exc, BaseException):
            return
        explained = explain(exc)
        self.statusBar().showMessage(explained.sentence, 20_000)
        if self.isActiveWindow() and explained.details:
            show_error(self, APP_NAME, explained)

    def _help_actions(self, menu: QMenu) -> None:
        from pathlib import Path

        from desktop.ui.help import diagnostics

        def add(text: str, slot: Callable[[], object], keys: QKeySequence | None = None, tip: str = "") -> None:
            action = QAction(text, self)
            if keys is not None:
                action.setShortcut(keys)
                self.addAction(action)  # the shortcut works even where the menu bar is native or hidden
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False: slot())
            menu.addAction(action)

        menu.setToolTipsVisible(True)
        add("User guide", self.show_guide, QKeySequence("F1"))
        add("Keyboard shortcuts", self.show_shortcuts, QKeySequence("Ctrl+/"))
        add("Open data folder", lambda: diagnostics.open_folder(Path(self.ctx.data_dir)))
        add(
            "Open log folder",
            lambda: diagnostics.open_folder(diagnostics.log_folder(self.ctx)),
            tip=diagnostics.LOG_FOLDER_TIP,
        )
        menu.addSeparator()
        add("Diagnostics…", self.show_diagnostics)

    def show_guide(self) -> None:
        from desktop.ui.help.guide import GuideDialog

        GuideDialog(self).open()

    def show_shortcuts(self) -> None:
        from desktop.ui.help.shortcuts import ShortcutsDialog

        ShortcutsDialog(self).open()

    def show_diagnostics(self) -> None:
        from desktop.ui.help.diagnostics import DiagnosticsDialog

        DiagnosticsDialog(self.ctx, self.runner, self).open()

    def _about(self) -> None:
        from desktop import __version__

        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME}</b> {__version__}<br>Compose once, publish reliably, measure everywhere.<br>"
            f"Data: {self.ctx.data_dir}",
        )

    # --- publishing ---------------------------------------------------------------------------

    def _wire_publishing(self) -> None:
        from desktop.services import app_settings

        self.engine.new_failures.connect(self._notify_failures)
        self.engine.late_published.connect(lambda outcomes: self._notify(*late_message(outcomes)))
        self.engine.digest_ready.connect(lambda text: self._notify("Campaign Desk today", text))
        self.engine.paused_changed.connect(self.tray.set_paused)
        self.engine.pass_finished.connect(lambda _r: self._count_attention())
        self.tray.open_requested.connect(self.bring_to_front)
        self.tray.message_clicked.connect(lambda: (self.bring_to_front(), self.show_page("publishing")))
        self.tray.publish_now_requested.connect(self.engine.run_now)
        self.tray.pause_toggled.connect(self.engine.set_paused)
        self.tray.quit_requested.connect(self.quit)

        def load() -> tuple[bool, bool]:
            return (
                bool(app_settings.get(self.ctx, app_settings.CLOSE_TO_TRAY)),
                bool(app_settings.get(self.ctx, app_settings.PUBLISHING_PAUSED)),
            )

        def apply(values: tuple[bool, bool]) -> None:
            self._close_to_tray, paused = values
            self.tray.set_paused(paused)

        self.runner.run(load, on_done=apply)
        self._count_attention()
        composer = getattr(self.pages["compose"], "composer", None)
        if composer is not None and hasattr(composer, "scheduled"):
            composer.scheduled.connect(lambda _post_id: self.engine.run_now())  # "Publish now" means now

    def _count_attention(self) -> None:
        from desktop.services.activity import needs_attention

        def show(n: int) -> None:
            page = self.pages["publishing"]
            self.nav_buttons["publishing"].setText(f"  {page.title}" + (f"  ({n})" if n else ""))

        self.runner.run(lambda: len(needs_attention(self.ctx)), on_done=show)

    def _notify_failures(self, rows: list) -> None:  # type: ignore[type-arg]
        title, body = failure_message(rows)
        self._notify(title, body, warning=True)

    def _notify(self, title: str, body: str, *, warning: bool = False) -> None:
        if not self.tray.notify(title, body, warning=warning):
            self.statusBar().showMessage(f"{title}: {body.splitlines()[0] if body else ''}", 30_000)

    def open_post(self, post_id: int) -> None:
        """Open a post in the composer (from the calendar, the publishing page, a notification)."""
        self.show_page("compose")
        opener = getattr(self.pages["compose"], "open_post", None)
        if opener is not None:
            opener(post_id)

    def import_csv(self) -> None:
        from desktop.ui.importing import ImportDialog

        dialog = ImportDialog(self.ctx, self.runner, self)
        dialog.imported.connect(self._imported)
        dialog.open()

    def _imported(self, result: object) -> None:
        n = len(result.imported)  # type: ignore[attr-defined]
        skipped = len(result.rejected)  # type: ignore[attr-defined]
        self.statusBar().showMessage(
            f"Imported {n} post{'s' if n != 1 else ''} from CSV" + (f"; {skipped} row(s) skipped" if skipped else ""),
            8000,
        )
        self.current_page().refresh()

    def bring_to_front(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def quit(self) -> None:
        self._quitting = True
        self.close()

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
        if not self._quitting and self._close_to_tray and self.tray.available and self.engine.timer.isActive():
            self.save_state()
            self.hide()  # keep publishing from the tray
            self.tray.notify("Campaign Desk keeps publishing", "It runs in the tray; choose Quit there to stop.")
            event.ignore()
            return
        if self.runner.pending():
            # Most background work is a quick read; let it finish rather than ask.
            self.runner.wait(3000)
            QApplication.processEvents()
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
        self.engine.stop()
        self.metrics_engine.stop()  # a pass in flight stops before its next request; what it read is saved
        self.runner.wait(5000)
        self.engine.wait(15_000)  # a pass in flight finishes; if killed instead, the next run reconciles
        self.metrics_engine.wait(5_000)
        self.tray.icon.hide()
        event.accept()
