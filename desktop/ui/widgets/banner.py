"""A warning strip at the top of a page (e.g. an insecure keyring)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from desktop.ui.icons import retint_on_theme


class WarningBanner(QFrame):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner-warning")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        pic = QLabel()
        pic.setAccessibleName("Warning")
        retint_on_theme(pic, "warning", role="warning_text", size=18)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        layout.addWidget(pic)
        layout.addWidget(self.label, 1)
        self.setVisible(bool(text))

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.setVisible(bool(text))
