"""The hover card: a small frameless popup over a chip with the post's full text, its accounts
and their states, the campaign, and the time with its zone.

It appears after the pointer rests on a chip for :data:`DELAY_MS`, never takes the focus (the
calendar keeps its keys), and closes when the pointer leaves the chip, on Escape, or when the
calendar is hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from desktop.ui import theme
from desktop.ui.theme import Colors

DELAY_MS = 400
WIDTH = 320


class HoverCard(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("CalendarHoverCard")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setFixedWidth(WIDTH - 24)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.label)
        self.key: object = None  # what it shows (a chip), so a rest on the same chip does not re-open it
        self._pending: tuple[object, str, QRect] | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DELAY_MS)
        self.timer.timeout.connect(self._show_pending)
        theme.notifier().changed.connect(self.restyle)
        self.restyle(theme.current())

    def restyle(self, colors: Colors) -> None:
        self.setStyleSheet(
            f"QFrame#CalendarHoverCard {{ background: {colors.base}; border: 1px solid {colors.border};"
            f" border-radius: 8px; }} QFrame#CalendarHoverCard QLabel {{ color: {colors.text}; }}"
        )

    def schedule(self, key: object, html: str, anchor: QRect) -> None:
        """Show ``html`` beside ``anchor`` (global coordinates) after the delay."""
        if key == self.key and self.isVisible():
            return
        if self._pending is not None and self._pending[0] == key:
            return  # still resting on the same chip: let the delay run out
        self.dismiss()
        self._pending = (key, html, anchor)
        self.timer.start()

    def _show_pending(self) -> None:
        if self._pending is None:
            return
        key, html, anchor = self._pending
        self._pending = None
        self.key = key
        self.label.setText(html)
        self.adjustSize()
        self.move(self._place(anchor))
        self.show()

    def _place(self, anchor: QRect) -> QPoint:
        screen = QGuiApplication.screenAt(anchor.center()) or QGuiApplication.primaryScreen()
        room = screen.availableGeometry()
        x = anchor.right() + 8
        if x + self.width() > room.right():
            x = max(room.left(), anchor.left() - self.width() - 8)
        y = min(max(room.top(), anchor.top()), room.bottom() - self.height())
        return QPoint(x, y)

    def dismiss(self) -> None:
        self.timer.stop()
        self._pending = None
        self.key = None
        self.hide()
