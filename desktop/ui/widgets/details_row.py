"""A sentence about what went wrong beside a "Details…" button that shows the whole message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget


def details_row(message: QWidget, on_details: Callable[[], None], tip: str) -> tuple[QWidget, QPushButton]:
    """``message`` (a label or banner) stretched, with "Details…" at its top right; returns
    (the row, the button). The caller shows the button only when there are details."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(message, 1)
    button = QPushButton("Details…")
    button.setToolTip(tip)
    button.clicked.connect(lambda _checked=False: on_details())
    layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    return row, button
