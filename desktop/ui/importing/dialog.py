"""Import CSV…: pick a file, see every row checked, then import all of it (or the valid rows).

The preview shows every column at the dialog's opening size; a row's problems wrap in their
column, and the selected row is shown whole (text and every problem) beneath the table.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSettings, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services.csv_import import (
    CsvFileError,
    ImportCancelled,
    ImportFailed,
    ImportPlan,
    ImportResult,
    apply_import,
    parse_csv,
)
from desktop.ui import theme
from desktop.ui.changes import POSTS, changes
from desktop.ui.errors import Explained, explain, show_error
from desktop.ui.icons import icon
from desktop.ui.importing.model import ImportPreviewModel
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.table_model import ROW_ROLE, SORT_ROLE

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

COLUMNS_HELP = "text, accounts, time, media, alt text, campaign, link"
#: The size it opens at (smaller on a smaller screen): every column of the preview shows.
OPENING_SIZE = QSize(1180, 700)
MINIMUM_SIZE = QSize(760, 520)
#: Column widths at the opening size; Problems takes what is left (and wraps).
WIDTHS = {"LINE": 52, "STATUS": 34, "WHEN": 168, "ACCOUNTS": 170, "TEXT": 230, "MEDIA": 58}
PROBLEMS_WIDTH = 240  # the least the Problems column gets before the text column narrows


def _colors(widget: QWidget) -> theme.Colors:
    """The theme matching the palette actually in use (it may differ from the system's scheme)."""
    return theme.DARK if widget.palette().color(QPalette.ColorRole.Window).lightness() < 128 else theme.LIGHT


def opening_size(widget: QWidget) -> QSize:
    """The dialog's first size: :data:`OPENING_SIZE`, or the screen's available room when that is smaller."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().size() - QSize(40, 60) if screen is not None else OPENING_SIZE
    return OPENING_SIZE.boundedTo(room).expandedTo(MINIMUM_SIZE)


class ImportDialog(QDialog):
    """Emits ``imported(ImportResult)`` once posts were saved, then closes."""

    imported = Signal(object)  # ImportResult
    #: (rows saved, rows to save), emitted from the importing thread, delivered queued.
    progressed = Signal(int, int)

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.plan: ImportPlan | None = None
        self._path: Path | None = None
        self.last_result: ImportResult | None = None
        self._busy = False
        self._stop: threading.Event | None = None  # set: the running import stops and is taken back
        self._details = ""  # the Details of the failure shown in ``message``
        self._ok: bool | None = None  # the summary's state (its icon)
        self._message_is_error = True
        self.error_box: QMessageBox | None = None
        self.setWindowTitle("Import posts from CSV")
        self.setMinimumSize(MINIMUM_SIZE)
        self.resize(opening_size(self))
        self.setAcceptDrops(True)
        colors = self.colors = _colors(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        title = QLabel("Import posts from a CSV file")
        title.setProperty("role", "title")
        intro = QLabel(
            f"One post per row. Columns: {COLUMNS_HELP}. Every row is checked first; "
            "nothing is saved until you click Import."
        )
        intro.setProperty("role", "muted")
        intro.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(intro)

        picker = QHBoxLayout()
        self.path_field = QLineEdit()
        self.path_field.setReadOnly(True)
        self.path_field.setPlaceholderText("No file chosen")
        self.choose_button = QPushButton("Choose file…")
        self.choose_button.clicked.connect(self.choose_file)
        self.recheck_button = QPushButton(icon("refresh", colors.text), "")
        self.recheck_button.setToolTip("Check the file again (after editing it)")
        self.recheck_button.setAccessibleName("Check the file again")
        self.recheck_button.hide()  # until there is a file to check again
        self.recheck_button.clicked.connect(lambda: self._path and self.load(self._path))
        picker.addWidget(self.path_field, 1)
        picker.addWidget(self.recheck_button)
        picker.addWidget(self.choose_button)
        layout.addLayout(picker)

        self.model = ImportPreviewModel(colors, self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ImportPreviewModel.LINE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)  # a row shows every one of its problems, one per line
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAccessibleName("Rows of the file")
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(34)
        for name, width in WIDTHS.items():
            self.table.setColumnWidth(getattr(ImportPreviewModel, name), width)
        header.setSectionResizeMode(ImportPreviewModel.STATUS, QHeaderView.ResizeMode.Fixed)
        # the problems take the width the other columns leave, and wrap (never cut at the edge)
        header.setStretchLastSection(True)
        header.sectionResized.connect(lambda *_: self._fit_rows())
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._show_row(current))

        # the selected row whole: its text and every problem, selectable to copy
        self.row_view = QLabel()
        self.row_view.setObjectName("row-details")
        self.row_view.setWordWrap(True)
        self.row_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.row_view.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.row_view.setAccessibleName("The selected row, whole")
        self.row_scroll = QScrollArea()
        self.row_scroll.setWidgetResizable(True)
        self.row_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.row_scroll.setWidget(self.row_view)
        self.row_scroll.setMinimumHeight(80)
        self.preview = QSplitter(Qt.Orientation.Vertical)
        self.preview.setChildrenCollapsible(False)
        self.preview.addWidget(self.table)
        self.preview.addWidget(self.row_scroll)
        self.preview.setStretchFactor(0, 3)
        self.preview.setStretchFactor(1, 1)

        self.empty = EmptyState(
            "compose",
            "Choose a CSV file to import",
            "Save your sheet as “CSV UTF-8” (commas or semicolons both work), or drop the file here. "
            "Every row is checked and shown here before anything is saved.",
            "Choose file…",
            self.choose_file,
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.preview)
        layout.addWidget(self.stack, 1)

        status = QHBoxLayout()
        self.status_icon = QLabel()
        self.summary = QLabel("")
        self.summary.setObjectName("ImportSummary")
        self.summary.setStyleSheet("font-weight: 600;")
        status.addWidget(self.status_icon)
        status.addWidget(self.summary, 1)
        layout.addLayout(status)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.details_button = QPushButton("Details…")
        self.details_button.setToolTip("What the file or the system said, in full")
        self.details_button.clicked.connect(self.show_details)
        self.details_button.hide()
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(message_row)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v of %m posts saved")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.progressed.connect(self._show_progress)

        bottom = QHBoxLayout()
        self.valid_only = QCheckBox("Import valid rows only")
        self.valid_only.setToolTip("Skip the rows with problems and import the rest")
        self.valid_only.toggled.connect(self._update_actions)
        bottom.addWidget(self.valid_only)
        self.media_anywhere = QCheckBox("Allow media from anywhere")
        self.media_anywhere.setToolTip(
            "Media paths in the file normally must stay inside the CSV file's folder. Tick this to allow "
            "absolute paths and paths that go up (..) out of it; the file is checked again."
        )
        self.media_anywhere.toggled.connect(lambda: self._path and not self._busy and self.load(self._path))
        bottom.addWidget(self.media_anywhere)
        bottom.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setProperty("primary", True)
        self.import_button.setDefault(True)
        self.import_button.setMinimumWidth(150)
        buttons.accepted.connect(self.start_import)
        buttons.rejected.connect(self.reject)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self._update_actions()
        theme.notifier().changed.connect(self._restyle)

    def _restyle(self, colors: theme.Colors) -> None:
        """A theme switch while the dialog is open: icons, tints and messages in the new colours."""
        self.colors = colors
        self.recheck_button.setIcon(icon("refresh", colors.text))
        self.model.set_colors(colors)
        self._set_summary(self.summary.text(), self._ok)
        self._set_message(self.message.text(), error=self._message_is_error, details=self._details)

    # --- choosing and checking a file -------------------------------------------------------

    def choose_file(self) -> None:
        settings = QSettings()
        start = str(settings.value("import/last_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Import posts from CSV", start, "CSV files (*.csv *.txt)")
        if path:
            settings.setValue("import/last_dir", str(Path(path).parent))
            self.load(Path(path))

    def load(self, path: Path) -> None:
        """Read and check ``path`` in the background; the preview shows the outcome."""
        self.path_field.setText(str(path))
        self._path = path
        self.recheck_button.show()
        self.plan = None
        self.model.set_plan(None)
        self._set_message("")
        self._set_summary("Checking every row…", None)
        self._set_busy(True)
        anywhere = self.media_anywhere.isChecked()
        self.runner.run(
            lambda: parse_csv(self.ctx, path, allow_media_anywhere=anywhere),
            on_done=self._show_plan,
            on_error=self._plan_failed,
            name="check_csv",
            owner=self,
        )

    def _show_plan(self, plan: ImportPlan) -> None:
        self._set_busy(False)
        self.plan = plan
        self.model.set_plan(plan)
        self.table.setColumnHidden(ImportPreviewModel.PROBLEMS, not plan.invalid)
        self.table.horizontalHeader().setStretchLastSection(bool(plan.invalid))
        if not plan.invalid:  # no Problems column: the text takes the room
            self.table.horizontalHeader().setSectionResizeMode(ImportPreviewModel.TEXT, QHeaderView.ResizeMode.Stretch)
        else:
            self.table.horizontalHeader().setSectionResizeMode(
                ImportPreviewModel.TEXT, QHeaderView.ResizeMode.Interactive
            )
        self.stack.setCurrentWidget(self.preview)
        height = self.preview.height()
        self.preview.setSizes([height * 3 // 4, height - height * 3 // 4])  # a quarter for the selected row
        self._fit_columns()
        self._fit_rows()  # now that the columns have their real widths
        first_bad = next((i for i, r in enumerate(plan.rows) if not r.ok), 0 if plan.rows else None)
        if first_bad is not None:
            self._select_source_row(first_bad)
        else:
            self._show_row(QModelIndex())
        bad = len(plan.invalid)
        if not plan.rows:
            self._set_summary("The file has a header but no rows to import.", False)
        else:
            self._set_summary(plan.summary() + ("" if bad else " to import"), not bad)
        if bad:
            self.valid_only.setText(f"Import valid rows only (skip {bad} row{'s' if bad != 1 else ''} with problems)")
            self._set_message(
                "Fix the tinted rows in the file and check it again, or import the valid rows only.", error=False
            )
        else:
            self.valid_only.setText("Import valid rows only")
        if plan.ignored_columns:
            ignored = ", ".join(f"“{c}”" for c in plan.ignored_columns)
            self.summary.setText(self.summary.text() + f"   ·   ignored column(s): {ignored}")
        self._update_actions()

    def _plan_failed(self, exc: Exception) -> None:
        self._set_busy(False)
        self.stack.setCurrentWidget(self.empty)
        if isinstance(exc, CsvFileError):  # our own sentence: what is wrong with the file and how to fix it
            explained = Explained(str(exc))
        else:
            said = explain(exc)
            explained = Explained(f"The file could not be read. {said.sentence}", said.details)
        self._set_summary("This file cannot be imported.", False)
        self._set_message(explained.sentence, details=explained.details)
        self._update_actions()

    # --- importing ------------------------------------------------------------------------------

    def start_import(self) -> None:
        plan = self.plan
        if plan is None or not self.import_button.isEnabled():
            return
        valid_only = self.valid_only.isChecked()
        stop = self._stop = threading.Event()
        self._set_busy(True)
        self._set_summary("Importing…", None)
        self.progress.setRange(0, len(plan.valid))
        self.progress.setValue(0)
        self.progress.show()
        emit = self.progressed.emit  # bound now: the worker never touches the widget itself

        def report(saved: int, total: int) -> None:
            if not stop.is_set():
                emit(saved, total)

        self.runner.run(
            lambda: apply_import(self.ctx, plan, valid_only=valid_only, progress=report, cancelled=stop.is_set),
            on_done=self._imported,
            on_error=self._import_failed,
            name="import_csv",
            owner=self,
            changes=changes(POSTS),
        )

    def reject(self) -> None:
        """Cancel (button, Esc, closing the window): a running import is stopped and its saved
        rows taken back out, and the dialog stays to say so; otherwise it closes."""
        if self._stop is not None and self._busy:
            self._stop.set()
            self._set_summary("Cancelling… the rows saved so far are being taken back out.", None)
            return
        super().reject()

    def _show_progress(self, saved: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(saved)

    def _imported(self, result: ImportResult) -> None:
        self._stop = None
        self.progress.hide()
        self._set_busy(False)
        self.last_result = result
        if result.imported:
            self.imported.emit(result)
            self.accept()
            return
        # Refused while saving (e.g. a time passed while previewing): nothing was saved.
        reasons = "; ".join(f"line {line}: {errors[0]}" for line, errors in result.rejected[:3])
        self._set_summary("Nothing was imported.", False)
        self._set_message(reasons)
        self._update_actions()

    def _import_failed(self, exc: Exception) -> None:
        self._stop = None
        self.progress.hide()
        self._set_busy(False)
        if isinstance(exc, ImportCancelled):
            self._set_summary("Import cancelled; nothing was imported.", None)
        elif isinstance(exc, ImportFailed):
            self._set_summary("Nothing was imported.", False)
            self._set_message(str(exc) + (" Click Import to try again." if exc.retryable else ""))
        else:
            said = explain(exc)
            self._set_summary("Nothing was imported.", False)
            self._set_message(f"The import failed and was taken back. {said.sentence}", details=said.details)
        self._update_actions()

    def _fit_rows(self) -> None:
        """Tall enough for every problem of a row, with room to breathe."""
        self.table.resizeRowsToContents()
        for row in range(self.model.rowCount()):
            self.table.setRowHeight(row, max(34, self.table.rowHeight(row) + 12))

    def _fit_columns(self) -> None:
        """With problems shown, the text column gives way first so Problems keeps a readable width
        (it stretches to the edge: no column is ever cut at the dialog's right)."""
        if self.plan is None or not self.plan.invalid:
            return
        others = sum(w for name, w in WIDTHS.items() if name != "TEXT")
        room = self.table.viewport().width() - others - PROBLEMS_WIDTH
        self.table.setColumnWidth(ImportPreviewModel.TEXT, max(110, min(WIDTHS["TEXT"], room)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _select_source_row(self, row: int) -> None:
        proxy = self.table.model()
        index = proxy.mapFromSource(self.model.index(row, 0))  # type: ignore[attr-defined]
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())

    def _show_row(self, index: QModelIndex) -> None:
        """The selected row whole beneath the table: what a narrow column or a tooltip cannot show."""
        row = index.data(ROW_ROLE) if index.isValid() else None
        if row is None:
            self.row_view.setText("Select a row to see it whole.")
            return
        self.row_view.setText(self.model.details(row))
        self.row_scroll.verticalScrollBar().setValue(0)

    def show_details(self) -> QMessageBox:
        """The failure's full text (the system's or the database's own words)."""
        self.error_box = show_error(self, "Import", Explained(self.message.text(), self._details))
        return self.error_box

    # --- state ------------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.choose_button.setEnabled(not busy)
        self.media_anywhere.setEnabled(not busy)
        self._update_actions()

    def _set_summary(self, text: str, ok: bool | None) -> None:
        self._ok = ok
        self.summary.setText(text)
        colors = self.colors
        if ok is None:
            self.status_icon.clear()
        else:
            name, color = ("check", colors.success) if ok else ("warning", colors.danger)
            self.status_icon.setPixmap(icon(name, color).pixmap(QSize(18, 18)))

    def _set_message(self, text: str, *, error: bool = True, details: str = "") -> None:
        self._message_is_error = error
        self._details = details if details != text else ""
        self.message.setStyleSheet(f"color: {self.colors.danger if error else self.colors.muted};")
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.details_button.setVisible(bool(text and self._details))

    def _update_actions(self) -> None:
        plan = self.plan
        ready = len(plan.valid) if plan else 0
        bad = len(plan.invalid) if plan else 0
        self.valid_only.setVisible(bad > 0)
        self.recheck_button.setEnabled(not self._busy)
        can = not self._busy and ready > 0 and (bad == 0 or self.valid_only.isChecked())
        self.import_button.setEnabled(can)
        self.import_button.setText(f"Import {ready} post{'s' if ready != 1 else ''}" if ready else "Import")
        if plan and bad and not self.valid_only.isChecked():
            self.import_button.setToolTip("Fix the rows with problems, or tick “Import valid rows only”.")
        else:
            self.import_button.setToolTip("")

    # --- drag and drop a file -----------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile() and not self._busy:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.load(Path(event.mimeData().urls()[0].toLocalFile()))
        event.acceptProposedAction()
