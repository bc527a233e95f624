"""An honest empty state: what this page will show, and the one next step to get there."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.icons import retint_on_theme


class EmptyState(QWidget):
    def __init__(
        self,
        icon_name: str,
        title: str,
        body: str,
        action_text: str = "",
        on_action: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.setSpacing(10)
        pic = QLabel()
        pic.setAccessibleName(title)
        retint_on_theme(pic, icon_name, "muted", 56)  # follows a theme switch while shown
        pic.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(title)
        self.title.setProperty("role", "empty-title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QLabel(body)
        self.body.setProperty("role", "empty-body")
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setFixedWidth(420)
        layout.addWidget(pic)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 0, Qt.AlignmentFlag.AlignHCenter)
        self.action: QPushButton | None = None
        if action_text:
            self.action = QPushButton(action_text)
            self.action.setProperty("primary", True)
            self.action.setCursor(Qt.CursorShape.PointingHandCursor)
            if on_action is not None:
                self.action.clicked.connect(on_action)
            layout.addSpacing(6)
            layout.addWidget(self.action, 0, Qt.AlignmentFlag.AlignHCenter)
