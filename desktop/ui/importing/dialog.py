"""Import CSV…: pick a file, see every row checked, then import all of it (or the valid rows)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
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
from desktop.ui.icons import icon
from desktop.ui.importing.model import ImportPreviewModel
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.table_model import SORT_ROLE

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

COLUMNS_HELP = "text, accounts, time, media, alt text, campaign, link"


def _colors(widget: QWidget) -> theme.Colors:
    """The theme matching the palette actually in use (it may differ from the system's scheme)."""
    return theme.DARK if widget.palette().color(QPalette.ColorRole.Window).lightness() < 128 else theme.LIGHT


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
        self.setWindowTitle("Import posts from CSV")
        self.setMinimumSize(QSize(880, 540))
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
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in (
            (ImportPreviewModel.LINE, 52),
            (ImportPreviewModel.STATUS, 34),
            (ImportPreviewModel.WHEN, 176),
            (ImportPreviewModel.ACCOUNTS, 190),
            (ImportPreviewModel.MEDIA, 58),
            (ImportPreviewModel.PROBLEMS, 330),
        ):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(ImportPreviewModel.STATUS, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(ImportPreviewModel.TEXT, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self._fit_rows())

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
        self.stack.addWidget(self.table)
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
        layout.addWidget(self.message)
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
        )

    def _show_plan(self, plan: ImportPlan) -> None:
        self._set_busy(False)
        self.plan = plan
        self.model.set_plan(plan)
        self.table.setColumnHidden(ImportPreviewModel.PROBLEMS, not plan.invalid)
        self.stack.setCurrentWidget(self.table)
        self._fit_rows()  # now that the columns have their real widths
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
        reason = str(exc) if isinstance(exc, CsvFileError) else f"Could not read the file: {exc}"
        self._set_summary("This file cannot be imported.", False)
        self._set_message(reason)
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
            self._set_summary("Nothing was imported.", False)
            self._set_message(f"The import failed and was taken back: {exc}")
        self._update_actions()

    def _fit_rows(self) -> None:
        """Tall enough for every problem of a row, with room to breathe."""
        self.table.resizeRowsToContents()
        for row in range(self.model.rowCount()):
            self.table.setRowHeight(row, max(34, self.table.rowHeight(row) + 12))

    # --- state ------------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.choose_button.setEnabled(not busy)
        self.media_anywhere.setEnabled(not busy)
        self._update_actions()

    def _set_summary(self, text: str, ok: bool | None) -> None:
        self.summary.setText(text)
        colors = self.colors
        if ok is None:
            self.status_icon.clear()
        else:
            name, color = ("check", colors.success) if ok else ("warning", colors.danger)
            self.status_icon.setPixmap(icon(name, color).pixmap(QSize(18, 18)))

    def _set_message(self, text: str, *, error: bool = True) -> None:
        self.message.setStyleSheet(f"color: {self.colors.danger if error else self.colors.muted};")
        self.message.setText(text)
        self.message.setVisible(bool(text))

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
