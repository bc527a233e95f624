"""Text editing: one box per thread part, files dropped or pasted onto it become media."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QImage, QResizeEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui import theme
from desktop.ui.compose.style import glyph, over_limit_colors


def utf16_offset(text: str, index: int) -> int:
    """``text[:index]``'s length in UTF-16 code units (how QTextDocument counts positions)."""
    return len(text[:index].encode("utf-16-le")) // 2


def local_files(mime: QMimeData) -> list[Path]:
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []


class PartEditor(QPlainTextEdit):
    """Plain text; images and files dropped or pasted here are attached instead of inserted."""

    files_dropped = Signal(list)
    image_pasted = Signal(QImage)

    def __init__(self, parent: QWidget | None = None, *, min_lines: int = 4) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setTabChangesFocus(True)
        # As tall as its text: the composer's card scrolls, never a box inside it.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._min_lines = min_lines
        self.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit())
        self._fit()

    def _fit(self) -> None:
        lines = max(int(self.document().size().height()), self._min_lines)
        margins = self.contentsMargins()
        frame = 2 * int(self.document().documentMargin()) + margins.top() + margins.bottom() + 8
        height = lines * self.fontMetrics().lineSpacing() + frame
        if height != self.height():
            self.setFixedHeight(height)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()  # wrapping changes with the width

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasImage() or bool(local_files(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = local_files(source)
        if files:
            self.files_dropped.emit(files)
        elif source.hasImage():
            image = source.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.image_pasted.emit(image)
        else:
            super().insertFromMimeData(source)

    def dragEnterEvent(self, event: Any) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: Any) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
            return
        super().dragMoveEvent(event)

    def dropEvent(self, event: Any) -> None:
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
            return
        super().dropEvent(event)

    def set_over_limit(self, start: int | None, c: theme.Colors) -> None:
        """Mark the characters from ``start`` (an index into the text) to the end as past the
        network's limit: danger-coloured background, text kept readable. None: no mark."""
        if start is None:
            self.setExtraSelections([])
            return
        text = self.toPlainText()
        background, foreground = over_limit_colors(c)
        mark = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(background))
        fmt.setForeground(QColor(foreground))
        fmt.setToolTip("Past this network's limit")
        mark.format = fmt  # type: ignore[attr-defined]
        cursor = QTextCursor(self.document())
        cursor.setPosition(utf16_offset(text, start))
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        mark.cursor = cursor  # type: ignore[attr-defined]
        self.setExtraSelections([mark])

    def over_limit_range(self) -> tuple[int, int] | None:
        """The marked range, in QTextDocument positions (for tests and accessibility)."""
        marks = self.extraSelections()
        if not marks:
            return None
        cursor = marks[0].cursor  # type: ignore[attr-defined]
        return cursor.selectionStart(), cursor.selectionEnd()

    def insert_at_cursor(self, text: str) -> None:
        cursor = self.textCursor()
        before = self.toPlainText()[: cursor.position()]
        if before and not before[-1].isspace() and text[:1] not in " \n":
            text = " " + text
        cursor.insertText(text)
        self.setTextCursor(cursor)


class PartBox(QFrame):
    """One part of a thread: its editor, a header when there are several, and its counter."""

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PartFrame" if index else "FirstPart")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setProperty("role", "section")
        self.remove = QToolButton()
        self.remove.setProperty("tool", True)
        self.remove.setToolTip("Remove this part (its text joins the previous part)")
        self.remove.setAccessibleName(f"Remove part {index + 1}")
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.remove)
        layout.addLayout(head)
        self.editor = PartEditor(min_lines=4 if index == 0 else 2)
        self.editor.setAccessibleName("Post text" if index == 0 else f"Part {index + 1}")
        layout.addWidget(self.editor)
        self.count = QLabel()
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.count.setObjectName("Counters")
        layout.addWidget(self.count)


class ThreadEditor(QWidget):
    """The parts of one tab's text. ``changed`` fires on every keystroke."""

    changed = Signal()
    files_dropped = Signal(list)
    image_pasted = Signal(QImage)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._layout.addStretch(1)  # parts stack from the top; the card scrolls when they grow
        self.boxes: list[PartBox] = []
        self.set_parts([""])

    # --- content ---------------------------------------------------------------------------

    def parts(self) -> list[str]:
        return [b.editor.toPlainText() for b in self.boxes]

    def set_parts(self, parts: Sequence[str]) -> None:
        parts = list(parts) or [""]
        while len(self.boxes) > len(parts):
            box = self.boxes.pop()
            box.deleteLater()
        while len(self.boxes) < len(parts):
            self._add_box()
        for box, text in zip(self.boxes, parts, strict=True):
            if box.editor.toPlainText() != text:
                box.editor.blockSignals(True)
                box.editor.setPlainText(text)
                box.editor.moveCursor(QTextCursor.MoveOperation.End)
                box.editor.blockSignals(False)
        self._titles()

    def add_part(self, text: str = "") -> PartEditor:
        box = self._add_box()
        box.editor.setPlainText(text)
        self._titles()
        box.editor.setFocus()
        self.changed.emit()
        return box.editor

    def remove_part(self, index: int) -> None:
        if index <= 0 or index >= len(self.boxes):
            return
        parts = self.parts()
        tail = parts.pop(index)
        if tail.strip():
            parts[index - 1] = f"{parts[index - 1].rstrip()} {tail.strip()}".strip()
        self.set_parts(parts)
        self.changed.emit()

    def current_editor(self) -> PartEditor:
        for box in self.boxes:
            if box.editor.hasFocus():
                return box.editor
        return self.boxes[0].editor

    def set_read_only(self, read_only: bool) -> None:
        for box in self.boxes:
            box.editor.setReadOnly(read_only)
            box.remove.setEnabled(not read_only)

    def set_counts(self, texts: Sequence[str]) -> None:
        """Per-part counter labels (rich text), one per part."""
        for box, text in zip(self.boxes, texts, strict=False):
            box.count.setText(text)

    def set_over_limit(self, starts: Sequence[int | None], c: theme.Colors) -> None:
        """Per part: where its text passes the limit (None: it fits)."""
        for i, box in enumerate(self.boxes):
            box.editor.set_over_limit(starts[i] if i < len(starts) else None, c)

    def restyle(self, c: theme.Colors) -> None:
        for box in self.boxes:
            box.remove.setIcon(glyph("close", c.muted))

    def set_placeholder(self, text: str) -> None:
        self.boxes[0].editor.setPlaceholderText(text)

    # --- internals ---------------------------------------------------------------------------

    def _add_box(self) -> PartBox:
        box = PartBox(len(self.boxes))
        box.remove.setIcon(glyph("close", theme.current().muted))
        box.editor.textChanged.connect(self.changed)
        box.editor.files_dropped.connect(self.files_dropped)
        box.editor.image_pasted.connect(self.image_pasted)
        box.remove.clicked.connect(lambda _=False, b=box: self.remove_part(self.boxes.index(b)))
        self.boxes.append(box)
        self._layout.insertWidget(len(self.boxes) - 1, box)
        return box

    def _titles(self) -> None:
        many = len(self.boxes) > 1
        for i, box in enumerate(self.boxes):
            box.title.setText(f"PART {i + 1} OF {len(self.boxes)}")
            box.remove.setAccessibleName(f"Remove part {i + 1}")
            box.editor.setAccessibleName("Post text" if i == 0 and not many else f"Part {i + 1} of {len(self.boxes)}")
            box.title.setVisible(many)
            box.remove.setVisible(many and i > 0)
            box.editor.setPlaceholderText("" if i == 0 else "Continue the thread…")
