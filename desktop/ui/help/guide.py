"""The user guide: README and docs/*.md rendered from Markdown, read from the checkout or the frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QListWidget, QTextBrowser, QVBoxLayout, QWidget

GUIDES = (
    ("Read me", "README.md"),
    ("Importing from CSV", "docs/csv-import.md"),
    ("Background publishing", "docs/background-publishing.md"),
    ("Installers", "docs/installers.md"),
    ("Writing a provider", "docs/writing-a-provider.md"),
)
MISSING = "The guide is not included in this build."


def docs_root() -> Path:
    """The folder holding README.md and docs/: the bundle (build.spec copies them) or the source checkout."""
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else Path(__file__).resolve().parents[3]


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, *, root: Path | None = None) -> None:
        super().__init__(parent)
        self.root = root or docs_root()
        self.setWindowTitle("User guide")
        self.resize(960, 640)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.guides = QListWidget()
        self.guides.addItems([title for title, _path in GUIDES])
        self.guides.setFixedWidth(210)
        self.guides.setSpacing(3)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        row.addWidget(self.guides)
        row.addWidget(self.browser, 1)
        layout.addLayout(row, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.guides.currentRowChanged.connect(self.show_guide)
        self.guides.setCurrentRow(0)

    def show_guide(self, index: int) -> None:
        if index < 0:
            return
        path = self.root / GUIDES[index][1]
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            self.browser.setPlainText(MISSING)
            return
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path)))
        self.browser.setMarkdown(text)
