"""Diagnostics: the technical facts (from the ``doctor`` service) in one copyable place."""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from desktop.services.background_job import LOG_NAME
from desktop.services.doctor import DoctorReport, run_doctor
from desktop.ui.errors import explain

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

LOG_FOLDER_TIP = (
    f"Campaign Desk keeps no log of its own while open. Background publishing appends its output to {LOG_NAME} "
    "in this folder (with systemd on Linux, to the user journal instead)."
)


def log_folder(ctx: AppContext) -> Path:
    """Where background publishing writes its log (desktop.services.background_job plans it there)."""
    return (Path(ctx.data_dir) / LOG_NAME).parent


def open_folder(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def diagnostics_text(report: DoctorReport) -> str:
    """Plain text for a support request. Doctor's report carries no secrets (the database URL is redacted)."""
    keyring = report.keyring
    lines = [
        f"Campaign Desk {report.version}",
        f"Data folder: {report.data_dir}",
        f"Database: {report.database_url}",
    ]
    if report.database_file:
        lines.append(f"Database file: {report.database_file}")
    lines += [
        f"Database schema: {report.schema_version or 'none'} (expected {report.schema_head})",
        f"Database integrity: {report.integrity or 'not checked'}",
        f"Newest backup: {report.newest_backup or 'none'}",
        f"Keyring backend: {keyring.backend} ({'encrypted' if keyring.secure else 'not encrypted'})",
        f"Qt {qVersion()}, PySide6 {PySide6.__version__}",
        f"Python {platform.python_version()} ({sys.executable})",
        f"OS: {platform.platform()}",
        "Providers: " + (", ".join(f"{p['name']} ({p['id']})" for p in report.providers) or "none"),
        "Broken plugins: "
        + ("; ".join(f"{b['name']} ({b['source']}): {b['error']}" for b in report.broken_plugins) or "none"),
        f"Accounts: {len(report.accounts)}",
    ]
    lines += [f"Problem: {p}" for p in report.problems]
    lines += [f"Warning: {w}" for w in report.warnings]
    return "\n".join(lines) + "\n"


class DiagnosticsDialog(QDialog):
    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Diagnostics")
        self.resize(720, 480)
        layout = QVBoxLayout(self)
        intro = QLabel("Technical facts about this installation, for a bug report or a support request.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit("Gathering…")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy diagnostics")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy)
        self.log_button = QPushButton("Open log folder")
        self.log_button.setToolTip(LOG_FOLDER_TIP)
        self.log_button.clicked.connect(lambda: open_folder(log_folder(ctx)))
        self.data_button = QPushButton("Open data folder")
        self.data_button.clicked.connect(lambda: open_folder(Path(ctx.data_dir)))
        for button in (self.copy_button, self.log_button, self.data_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        runner.run(lambda: run_doctor(ctx), on_done=self._show, on_error=self._failed, name="diagnostics", owner=self)

    def _show(self, report: DoctorReport) -> None:
        self.text.setPlainText(diagnostics_text(report))
        self.copy_button.setEnabled(True)

    def _failed(self, exc: Exception) -> None:
        # this is the technical panel: the sentence, then what was said in full
        explained = explain(exc)
        said = explained.details or str(exc)
        self.text.setPlainText(f"The diagnostics could not be gathered. {explained.sentence}\n\n{said}")
        self.copy_button.setEnabled(True)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.text.toPlainText())
