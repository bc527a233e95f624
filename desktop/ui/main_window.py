"""The main window: a sidebar of pages, remembered geometry and last page, and the shell that
turns what happened elsewhere (the publishing pass, the metrics sync, a setting written in
Settings) into change reports every page refreshes from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.store.paths import DB_FILENAME, DB_URL_ENV
from desktop.ui import theme
from desktop.ui.changes import ACCOUNTS, POSTS, Changes, changes
from desktop.ui.icons import app_icon, icon, retint_on_theme
from desktop.ui.pages import PAGE_SPECS, SPECS_BY_KEY, PageFrame, PageSet, PageSpec
from desktop.ui.pages.first_run import STEPS, FirstRunChecklist
from desktop.ui.tasks import TaskRunner

# Everything that imports the data layer (the pages, the engines, the tray) is imported in
# attach(), once the database is open: the shell paints without it.
if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QCloseEvent

    from desktop.services.app_settings import FirstRunProgress
    from desktop.services.calendar_rows import FirstWindowRead
    from desktop.services.context import AppContext
    from desktop.ui.analytics.engine import MetricsEngine
    from desktop.ui.errors import Explained
    from desktop.ui.pages.base import Page
    from desktop.ui.publishing.engine import PublishingEngine
    from desktop.ui.publishing.tray import Tray

#: How long a background failure stays in the status bar.
ERROR_SHOWN_MS = 30_000
#: The publisher starts when the page on show has loaded, and at the latest this long after the
#: data opened.
PUBLISH_AFTER_AT_MOST_MS = 3_000
#: QSettings group of the data folders whose "Get started" steps were on show when last read: one
#: key per folder (:func:`first_run_key`), the steps done then as a comma list, so the next start
#: paints them in place before the data opens.
FIRST_RUN_GROUP = "firstRun"


def first_run_key(data_dir: Path) -> str:
    """The QSettings key remembering ``data_dir``'s "Get started" steps: its path in hex (a path's
    slashes would make groups of it; hashlib would cost start-up an import)."""
    return f"{FIRST_RUN_GROUP}/{str(data_dir).encode('utf-8').hex()}"


def __getattr__(name: str) -> object:
    """``PAGES``: the page classes in sidebar order (imports every page; tests and tools only)."""
    if name == "PAGES":
        return tuple(spec.load() for spec in PAGE_SPECS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class MainWindow(QMainWindow):
    """The window. Built without ``ctx`` it is the shell (sidebar, page frames, menus) that start-up
    paints before the data layer is imported; :meth:`attach` then brings the data: the engines,
    the tray, the "Get started" steps and the page on show. Pages are built when first shown.

    Given the ``data_dir`` it will open, the shell paints "Get started" in its place when the
    steps will show (a new data folder, or one whose steps were on show last time), so the page
    header stays where it is when the data arrives."""

    #: A page was built (key, page): the first time it was shown, or the calendar ahead of the data.
    page_built = Signal(str, object)

    def __init__(
        self,
        ctx: AppContext | None = None,
        parent: QWidget | None = None,
        *,
        start_publishing: bool = False,
        first_window: FirstWindowRead | None = None,
        data_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.ctx: AppContext = None  # type: ignore[assignment]  # set by attach(); the shell has none
        #: The calendar's first month read ahead (run_gui starts it after the paint); used once.
        self.first_window = first_window
        self.runner = TaskRunner(self)
        self._start_publishing = start_publishing
        self._quitting = False
        self._ask_before_quitting = True  # about work in progress; quit(ask=False) does not
        self._closed = False  # closed for good (not to the tray): nothing starts any more
        self._close_to_tray = True
        self._current = "calendar"
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setMinimumSize(900, 600)

        self.pages = PageSet(self._build_page)
        self.frames: dict[str, PageFrame] = {}
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
        for number, spec in enumerate(PAGE_SPECS, start=1):
            button = QToolButton()
            button.setObjectName(f"nav-{spec.key}")
            button.setProperty("nav", True)
            button.setText(f"  {spec.title}")  # breathing room after the icon
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setIconSize(QSize(18, 18))
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            shortcut = QKeySequence(f"Ctrl+{number}")
            button.setToolTip(f"{spec.title} ({shortcut.toString(QKeySequence.SequenceFormat.NativeText)})")
            button.clicked.connect(lambda _checked=False, key=spec.key: self.show_page(key))
            self.nav_group.addButton(button)
            self.nav_buttons[spec.key] = button
            # one height, set once: re-tinting a checked button's icon (as attach() does) made it
            # 2 px shorter, and every button below it moved up when the data opened
            button.ensurePolished()
            button.setFixedHeight(button.sizeHint().height())
            side.addWidget(button)
            action = QAction(spec.title, self)
            retint_on_theme(action, spec.icon_name)
            action.setShortcut(shortcut)
            action.triggered.connect(lambda _checked=False, key=spec.key: self.show_page(key))
            view_menu.addAction(action)
            self.addAction(action)  # shortcut works even where the menu bar is native or hidden
            if spec.key == "publishing":
                side.addSpacing(14)
        side.addStretch(1)
        self._tint_nav()
        theme.notifier().changed.connect(self._retheme)

        # "Get started" goes above every page; attach() reads its steps
        self.first_run = FirstRunChecklist(None, self.runner, expected=self._first_run_expected())
        self.first_run.navigate.connect(self.show_page)
        self.first_run.completed.connect(
            lambda: self.statusBar().showMessage("You're all set: your first post is scheduled.", 15_000)
        )
        self.first_run.progress_read.connect(self._remember_first_run)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self._checklist_row = QHBoxLayout()
        self._checklist_row.setContentsMargins(28, 10, 28, 0)  # the pages' own side margins
        self._checklist_row.addWidget(self.first_run)
        column.addLayout(self._checklist_row)
        column.addWidget(self.stack, 1)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(sidebar)
        row.addWidget(content, 1)
        self.setCentralWidget(central)

        file_menu = self.menuBar().addMenu("&File")
        self.import_action = QAction("&Import CSV…", self)
        retint_on_theme(self.import_action, "plus")
        self.import_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.import_action.triggered.connect(self.import_csv)
        self.import_action.setEnabled(False)  # until the data is open
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.quit)
        file_menu.addAction(quit_action)
        self.menuBar().insertMenu(view_menu.menuAction(), file_menu)
        # Undo and Redo are the calendar's (drag to reschedule); until it is built, nothing to undo
        self.edit_menu = QMenu("&Edit", self)
        self._edit_placeholders = [QAction("&Undo", self.edit_menu), QAction("&Redo", self.edit_menu)]
        for placeholder in self._edit_placeholders:
            placeholder.setEnabled(False)
            self.edit_menu.addAction(placeholder)
        self.menuBar().insertMenu(view_menu.menuAction(), self.edit_menu)
        help_menu = self.menuBar().addMenu("&Help")
        self._help_actions(help_menu)
        about = QAction(f"About {APP_NAME}", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

        self.busy_label = QLabel("Working…")
        self.busy_label.setProperty("role", "muted")
        self.busy_label.hide()
        self.statusBar().addPermanentWidget(self.busy_label)
        self._error_strip()
        self.runner.busy_changed.connect(self._busy)
        self.runner.unhandled_error.connect(self._task_failed)
        self.runner.changed.connect(self._on_changes)
        self._restore()
        if ctx is not None:
            self.attach(ctx)

    @property
    def attached(self) -> bool:
        """Whether the data is open (:meth:`attach` ran)."""
        return self.ctx is not None

    def attach(self, ctx: AppContext) -> None:
        """The database is open: start the engines and the tray, show "Get started" and build the
        page on show (the others are built when first shown)."""
        from desktop.ui.analytics.engine import MetricsEngine
        from desktop.ui.help import diagnostics
        from desktop.ui.publishing.engine import PublishingEngine
        from desktop.ui.publishing.tray import Tray

        self.ctx = ctx
        if self.data_dir is None:
            self.data_dir = ctx.data_dir
        self.engine: PublishingEngine = PublishingEngine(ctx, self)
        self.metrics_engine: MetricsEngine = MetricsEngine(ctx, self)
        self.tray: Tray = Tray(self)
        early = self.pages.built("calendar")  # built before the data, showing the month read ahead
        if early is not None and not early.attached:  # type: ignore[attr-defined]
            early.attach(ctx)  # type: ignore[attr-defined]
        for action in self._needs_data:
            action.setEnabled(True)
        self._log_folder_action.setToolTip(diagnostics.LOG_FOLDER_TIP)
        self.import_action.setEnabled(True)
        self._wire_publishing()
        self.first_run.attach(ctx)
        self.show_page(self._current)
        if self._start_publishing:
            self.metrics_engine.start()  # its first pass waits FIRST_PASS_DELAY_MS anyway
            self._start_publishing_once_loaded()

    def _first_run_expected(self) -> frozenset[str] | None:
        """The "Get started" steps done, as far as the shell can tell before the data opens (a
        file look and QSettings only): none in a data folder without a database yet; those seen
        last time in a folder whose steps were on show then; None (hidden until read) otherwise."""
        if self.data_dir is None:
            return None
        if not os.environ.get(DB_URL_ENV) and not (self.data_dir / DB_FILENAME).exists():
            return frozenset()
        settings = self._settings()
        key = first_run_key(self.data_dir)
        if not settings.contains(key):
            return None
        return frozenset(str(settings.value(key, "")).split(",")) & {f for f, _w, _t in STEPS}

    def _remember_first_run(self, progress: FirstRunProgress) -> None:
        """Keep what the next start needs to paint "Get started" as it will be (or not at all)."""
        if self.data_dir is None:
            return
        settings = self._settings()
        key = first_run_key(self.data_dir)
        if progress.show:
            settings.setValue(key, ",".join(f for f, _w, _t in STEPS if getattr(progress, f)))
        elif settings.contains(key):
            settings.remove(key)

    def _start_publishing_once_loaded(self) -> None:
        """Start the publisher once the page on show has loaded: its first pass (reconciling
        anything left in flight, then what is due) and the page's reads share the database and
        the interpreter, and the user sees the page first. At most PUBLISH_AFTER_AT_MOST_MS late.
        The list of time zones is read then too, off the GUI thread."""
        started = False

        def start() -> None:
            nonlocal started
            if not started:
                started = True
                self.runner.busy_changed.disconnect(idle)
                if not self._closed:
                    self.engine.start()
                    from desktop.services.zones import offered_zones

                    # the zone files, read once while nothing waits: Queue and Settings list them at once
                    self.runner.run(offered_zones, name="zone_list", owner=self)

        def idle(busy: bool) -> None:
            # busy_changed(False) comes before the finished task's callback, which may start the
            # page's next read (the calendar's items after its accounts): look once that has run
            if not busy:
                QTimer.singleShot(0, self, lambda: None if self.runner.pending() else start())

        self.runner.busy_changed.connect(idle)
        QTimer.singleShot(PUBLISH_AFTER_AT_MOST_MS, self, start)

    def _build_page(self, spec: PageSpec) -> Page:
        """Import and build one page in its frame's place (PageSet calls this on first use).

        Before the data is open only the calendar can be built (:meth:`build_calendar_early`)."""
        if self.ctx is None and spec.key != "calendar":
            raise RuntimeError(f"the {spec.title} page needs the data, which is not open yet")
        page_cls = spec.load()
        if spec.key == "publishing":
            page = page_cls(self.ctx, self.runner, engine=self.engine)  # type: ignore[call-arg]
        elif spec.key == "analytics":
            page = page_cls(self.ctx, self.runner, engine=self.metrics_engine)  # type: ignore[call-arg]
        elif spec.key == "calendar" and self.first_window is not None:
            page = page_cls(self.ctx, self.runner, first_window=self.first_window)  # type: ignore[call-arg]
            self.first_window = None
        else:
            page = page_cls(self.ctx, self.runner)
        page.navigate.connect(self.show_page)
        page.edit_post.connect(self.open_post)
        frame = self.frames.pop(spec.key, None)
        if frame is None:
            self.stack.addWidget(page)
        else:  # in the frame's place
            was_current = self.stack.currentWidget() is frame
            self.stack.insertWidget(self.stack.indexOf(frame), page)
            if was_current:
                self.stack.setCurrentWidget(page)
            self.stack.removeWidget(frame)
            frame.deleteLater()
        self._wire_page(spec.key, page)
        self.page_built.emit(spec.key, page)
        return page

    def build_calendar_early(self) -> None:
        """Build the calendar before the data is open, when it is the page on show: it shows the
        month :attr:`first_window` read ahead, and :meth:`attach` gives it the data."""
        if not self.attached and self._current == "calendar" and self.first_window is not None:
            self.pages["calendar"]

    def _wire_page(self, key: str, page: Page) -> None:
        """What one page asks of the window or of another page (built when asked)."""
        if key == "calendar":
            page.import_requested.connect(self.import_csv)  # type: ignore[attr-defined]
            for placeholder in self._edit_placeholders:
                self.edit_menu.removeAction(placeholder)
                placeholder.deleteLater()
            self._edit_placeholders = []
            self.edit_menu.addAction(page.undo_action)  # type: ignore[attr-defined]
            self.edit_menu.addAction(page.redo_action)  # type: ignore[attr-defined]
        elif key == "accounts":
            page.open_queue_for.connect(  # type: ignore[attr-defined]
                lambda account_id: self.pages["queue"].select_account(account_id)  # type: ignore[attr-defined]
            )
        elif key == "campaigns":
            page.open_results.connect(self.show_campaign_results)  # type: ignore[attr-defined]
        elif key == "drafts":
            page.new_idea.connect(lambda: self.pages["compose"].new_post())  # type: ignore[attr-defined]
        elif key == "compose":
            composer = getattr(page, "composer", None)
            if composer is not None and hasattr(composer, "scheduled"):
                composer.scheduled.connect(lambda _post_id: self.engine.run_now())  # "Publish now" means now

    def build_all_pages(self) -> None:
        """Build every page not built yet (the shortcuts list reads their actions)."""
        if self.attached:
            for key in self.pages:
                self.pages[key]

    # --- navigation -----------------------------------------------------------------------

    def show_campaign_results(self, campaign_id: int) -> None:
        """Analytics filtered to one campaign: its results, goal progress and networks."""
        self.show_page("analytics")
        self.pages["analytics"].show_campaign(campaign_id)  # type: ignore[attr-defined]

    def show_page(self, key: str) -> None:
        """Show a page, building it the first time; before the data is open, its frame."""
        if key not in SPECS_BY_KEY:
            key = "calendar"
        self._current = key
        self.nav_buttons[key].setChecked(True)
        self._tint_nav()
        if not self.attached:
            self.stack.setCurrentWidget(self.pages.built(key) or self._frame(key))
            return
        page = self.pages[key]
        self.stack.setCurrentWidget(page)
        page.refresh()

    def _frame(self, key: str) -> PageFrame:
        """The page's frame, made when first shown (a frame is cheap, but start-up makes only one)."""
        if key not in self.frames:
            self.frames[key] = PageFrame(SPECS_BY_KEY[key])
            self.stack.addWidget(self.frames[key])
        return self.frames[key]

    def current_key(self) -> str:
        return self._current

    def current_page(self) -> Page:
        return self.pages[self._current]

    def _retheme(self, _colors: theme.Colors) -> None:
        self._tint_nav()

    def _tint_nav(self) -> None:
        colors = theme.current()
        for key, button in self.nav_buttons.items():
            name = SPECS_BY_KEY[key].icon_name
            button.setIcon(icon(name, "#ffffff" if button.isChecked() else colors.text))

    def _busy(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)

    # --- errors nobody else showed ------------------------------------------------------------

    def _error_strip(self) -> None:
        """A sentence in the status bar with a "Details…" button: background reads fail quietly
        there instead of a box popping up over whatever the user is doing."""
        self.error_strip = QWidget()
        self.error_strip.setObjectName("ErrorStrip")
        strip = QHBoxLayout(self.error_strip)
        strip.setContentsMargins(4, 0, 0, 0)
        strip.setSpacing(8)
        self.error_label = QLabel()
        self.error_label.setObjectName("ErrorSentence")
        self.error_details = QPushButton("Details…")
        self.error_details.setObjectName("ErrorDetails")
        self.error_details.setToolTip("What went wrong, with the full message")
        self.error_details.clicked.connect(self.show_last_error)
        strip.addWidget(self.error_label, 1)
        strip.addWidget(self.error_details)
        self.error_strip.hide()
        self.statusBar().addWidget(self.error_strip, 1)
        self._error_timer = QTimer(self)
        self._error_timer.setSingleShot(True)
        self._error_timer.timeout.connect(self.error_strip.hide)
        self.last_error: Explained | None = None
        self._restyle_errors(theme.current())
        theme.notifier().changed.connect(self._restyle_errors)

    def _restyle_errors(self, colors: theme.Colors) -> None:
        self.error_label.setStyleSheet(f"color: {colors.danger};")

    def _task_failed(self, _name: str, exc: object) -> None:
        """The default display of a background failure nobody handled: a sentence in the status
        bar, and "Details…" for the whole message (never a box popping up on its own)."""
        if not isinstance(exc, BaseException):
            return
        from desktop.ui.errors import explain  # errors are rare: not imported before the first paint

        self.last_error = explain(exc)
        self.statusBar().clearMessage()
        self.error_label.setText(self.last_error.sentence)
        self.error_label.setToolTip(self.last_error.sentence)
        self.error_details.setVisible(True)
        self.error_strip.show()
        self._error_timer.start(ERROR_SHOWN_MS)

    def show_last_error(self) -> None:
        if self.last_error is not None:
            from desktop.ui.errors import show_error

            show_error(self, APP_NAME, self.last_error)

    # --- what changed elsewhere ---------------------------------------------------------------

    def _on_changes(self, change: Changes) -> None:
        """Settings take effect at once: the window and the engine follow what was written."""
        if not self.attached:
            return
        from desktop.services import app_settings

        if app_settings.CLOSE_TO_TRAY in change.settings:
            self._load_close_to_tray()
        if app_settings.PUBLISHING_PAUSED in change.settings and change.source is not self.engine:
            self.engine.reload_paused()  # the engine tells the tray and the Publishing page
        if change.touches(frozenset({POSTS, ACCOUNTS})):
            self._count_attention()

    def _load_close_to_tray(self) -> None:
        from desktop.services import app_settings

        def apply(value: bool) -> None:
            self._close_to_tray = value

        ctx = self.ctx
        self.runner.run(
            lambda: bool(app_settings.get(ctx, app_settings.CLOSE_TO_TRAY)),
            on_done=apply,
            name="read_close_to_tray",
            owner=self,
        )

    def _help_actions(self, menu: QMenu) -> None:
        """The Help menu. What reads the data (folders, Diagnostics) is enabled once it is open;
        desktop.ui.help.diagnostics imports the data layer, so it is imported when used."""
        from pathlib import Path

        self._needs_data: list[QAction] = []

        def add(
            text: str, slot: Callable[[], object], keys: QKeySequence | None = None, *, needs_data: bool = False
        ) -> QAction:
            action = QAction(text, self)
            if needs_data:
                action.setEnabled(False)
                self._needs_data.append(action)
            if keys is not None:
                action.setShortcut(keys)
                self.addAction(action)  # the shortcut works even where the menu bar is native or hidden
            action.triggered.connect(lambda _checked=False: slot())
            menu.addAction(action)
            return action

        def open_data_folder() -> None:
            from desktop.ui.help import diagnostics

            diagnostics.open_folder(Path(self.ctx.data_dir))

        def open_log_folder() -> None:
            from desktop.ui.help import diagnostics

            diagnostics.open_folder(diagnostics.log_folder(self.ctx))

        menu.setToolTipsVisible(True)
        add("User guide", self.show_guide, QKeySequence("F1"))
        add("Keyboard shortcuts", self.show_shortcuts, QKeySequence("Ctrl+/"))
        add("Open data folder", open_data_folder, needs_data=True)
        self._log_folder_action = add("Open log folder", open_log_folder, needs_data=True)  # tip: attach()
        menu.addSeparator()
        add("Diagnostics…", self.show_diagnostics, needs_data=True)

    def show_guide(self) -> None:
        from desktop.ui.help.guide import GuideDialog

        GuideDialog(self).open()

    def show_shortcuts(self) -> None:
        from desktop.ui.help.shortcuts import ShortcutsDialog

        self.build_all_pages()  # the list is read from the actions: every page's are there
        ShortcutsDialog(self).open()

    def show_diagnostics(self) -> None:
        from desktop.ui.help.diagnostics import DiagnosticsDialog

        DiagnosticsDialog(self.ctx, self.runner, self).open()

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox  # its Python type is made when first needed, not at start

        from desktop import __version__

        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME}</b> {__version__}<br>Compose once, publish reliably, measure everywhere."
            + (f"<br>Data: {self.ctx.data_dir}" if self.attached else ""),
        )

    # --- publishing ---------------------------------------------------------------------------

    def _wire_publishing(self) -> None:
        from desktop.services import app_settings
        from desktop.ui.publishing.tray import late_message

        self.engine.new_failures.connect(self._notify_failures)
        self.engine.late_published.connect(lambda outcomes: self._notify(*late_message(outcomes)))
        self.engine.digest_ready.connect(lambda text: self._notify("Campaign Desk today", text))
        self.engine.paused_changed.connect(self.tray.set_paused)
        self.engine.paused_changed.connect(
            lambda _paused: self.runner.notify(changes(settings=(app_settings.PUBLISHING_PAUSED,), source=self.engine))
        )
        # what a pass or a sync changed reaches the pages like any other change (attention count included)
        self.engine.changed.connect(self.runner.notify)
        self.metrics_engine.changed.connect(self.runner.notify)
        self.engine.failed.connect(lambda exc: self._task_failed("publish_pass", exc))
        self.tray.open_requested.connect(self.bring_to_front)
        self.tray.message_clicked.connect(self._show_publishing)
        self.tray.publish_now_requested.connect(self.engine.run_now)
        self.tray.pause_toggled.connect(self.engine.set_paused)
        self.tray.quit_requested.connect(self.quit)

        ctx = self.ctx

        def load() -> tuple[bool, bool]:
            return (
                bool(app_settings.get(ctx, app_settings.CLOSE_TO_TRAY)),
                bool(app_settings.get(ctx, app_settings.PUBLISHING_PAUSED)),
            )

        def apply(values: tuple[bool, bool]) -> None:
            self._close_to_tray, paused = values
            self.tray.set_paused(paused)

        self.runner.run(load, on_done=apply, name="read_window_settings", owner=self)
        self._count_attention()

    def _count_attention(self) -> None:
        from desktop.services.activity import needs_attention

        def show(n: int) -> None:
            title = SPECS_BY_KEY["publishing"].title
            self.nav_buttons["publishing"].setText(f"  {title}" + (f"  ({n})" if n else ""))

        ctx = self.ctx
        self.runner.run(lambda: len(needs_attention(ctx)), on_done=show, name="count_attention", owner=self)

    def _show_publishing(self) -> None:
        self.bring_to_front()
        self.show_page("publishing")

    def _notify_failures(self, rows: list) -> None:  # type: ignore[type-arg]
        from desktop.ui.publishing.tray import failure_message

        title, body = failure_message(rows)
        self._notify(title, body, warning=True)

    def _notify(self, title: str, body: str, *, warning: bool = False) -> None:
        if not self.tray.notify(title, body, warning=warning):
            self.statusBar().showMessage(f"{title}: {body.splitlines()[0] if body else ''}", 30_000)

    def open_post(self, post_id: int) -> None:
        """Open a post in the composer (from the calendar, the publishing page, a notification).

        ComposePage.open_post asks first when the composer holds unsaved work."""
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
        # the import reported changes(POSTS) itself: the pages showing posts refresh from that
        n = len(result.imported)  # type: ignore[attr-defined]
        skipped = len(result.rejected)  # type: ignore[attr-defined]
        self.statusBar().showMessage(
            f"Imported {n} post{'s' if n != 1 else ''} from CSV" + (f"; {skipped} row(s) skipped" if skipped else ""),
            8000,
        )

    def bring_to_front(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def quit(self, *, ask: bool = True) -> None:
        """Close for good (not to the tray). With ``ask=False`` work in progress is cancelled
        without asking (the benchmark's markers quit this way)."""
        self._quitting = True
        self._ask_before_quitting = ask
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
        settings.setValue("window/page", self._current)
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.attached:  # closed while the data was opening: nothing runs yet
            self.save_state()
            event.accept()
            return
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
            if self._ask_before_quitting:
                from PySide6.QtWidgets import QMessageBox

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
        self._closed = True
        self.engine.stop()
        self.metrics_engine.stop()  # a pass in flight stops before its next request; what it read is saved
        self.runner.wait(5000)
        self.engine.wait(15_000)  # a pass in flight finishes; if killed instead, the next run reconciles
        self.metrics_engine.wait(5_000)
        self.tray.icon.hide()
        event.accept()
