"""Keyboard shortcuts: read from the window's actions and shortcuts at runtime, so the list cannot go stale."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

NATIVE = QKeySequence.SequenceFormat.NativeText


def collect_shortcuts(window: QWidget) -> list[tuple[str, str]]:
    """(what, keys) for every QAction and QShortcut under ``window`` that has a key, in menu order, once each."""
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(name: str, keys: list[QKeySequence]) -> None:
        text = ", ".join(k.toString(NATIVE) for k in keys if not k.isEmpty())
        row = (name.replace("&", "").rstrip("…. "), text)
        if text and row[0] and row not in seen:
            seen.add(row)
            found.append(row)

    for action in window.findChildren(QAction):
        add(action.text(), action.shortcuts())
    for shortcut in window.findChildren(QShortcut):
        add(shortcut.whatsThis() or shortcut.objectName(), [shortcut.key()])
    return found


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 560)
        layout = QVBoxLayout(self)
        rows = collect_shortcuts(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (name, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        return [(self._text(r, 0), self._text(r, 1)) for r in range(self.table.rowCount())]

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""
