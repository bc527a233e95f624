"""The weekly slots editor: seven day columns of time chips, each removable, and an add row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.services.slots import WEEKDAYS, SlotRow
from desktop.services.zones import zone_label
from desktop.ui import theme


def _style(c: theme.Colors) -> str:
    # a chip removes its slot when clicked: hover and focus show it in the danger colour
    return f"""
    QPushButton[slot="true"] {{
        padding: 2px 10px; border-radius: 13px; border: 1px solid {c.border};
        background: {c.alt_base}; color: {c.text}; font-size: 12px;
    }}
    QPushButton[slot="true"]:hover, QPushButton[slot="true"]:focus {{ border-color: {c.danger}; color: {c.danger}; }}
    QLabel[role="day"] {{ font-weight: 600; font-size: 12px; }}
    """


class SlotsEditor(QFrame):
    """Shows slots as chips; clicking a chip removes it. Emits the full new list on each change."""

    #: The new list of (weekday, time) after an add or a remove.
    changed = Signal(object)
    #: The zone the slots' wall-clock times are in (named beside the add row).
    zone = "UTC"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setObjectName("SlotsEditor")
        self.setStyleSheet(_style(theme.current()))
        theme.notifier().changed.connect(self._restyle)  # a bound method: disconnected when the editor goes
        self._slots: list[tuple[int, time]] = []
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(6)
        self.columns: list[QVBoxLayout] = []
        for day, name in enumerate(WEEKDAYS):
            label = QLabel(name[:3])
            label.setProperty("role", "day")
            self.grid.addWidget(label, 0, day)
            column = QVBoxLayout()
            column.setSpacing(4)
            self.grid.addLayout(column, 1, day)
            self.grid.setColumnStretch(day, 1)
            self.columns.append(column)
        self.empty = QLabel("No slots yet. Add the days and times this account should post at.")
        self.empty.setProperty("role", "muted")
        self.day = QComboBox()
        self.day.setAccessibleName("Day of the new slot")
        for n, name in enumerate(WEEKDAYS):
            self.day.addItem(name, n)
        self.day.addItem("Every weekday", "weekdays")
        self.day.addItem("Every day", "all")
        self.at = QTimeEdit(QTime(9, 0))
        self.at.setDisplayFormat("HH:mm")
        self.at.setAccessibleName("Time of the new slot")
        self.zone_note = QLabel()
        self.zone_note.setProperty("role", "muted")
        self.add_button = QPushButton("Add slot")
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self._add)
        add_row = QHBoxLayout()
        add_row.addWidget(QLabel("Post on"))
        add_row.addWidget(self.day)
        add_row.addWidget(QLabel("at"))
        add_row.addWidget(self.at)
        add_row.addWidget(self.zone_note)
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(12)
        layout.addLayout(self.grid)
        layout.addWidget(self.empty)
        layout.addLayout(add_row)

    def _restyle(self, colors: theme.Colors) -> None:
        self.setStyleSheet(_style(colors))

    def set_zone(self, zone: str) -> None:
        """Name the zone the slots' wall-clock times are in."""
        self.zone = zone
        self.zone_note.setText(f"{zone_label(zone)} time")
        self.zone_note.setToolTip(f"Slot times are {zone_label(zone)} times")

    def set_slots(self, slots: Sequence[SlotRow]) -> None:
        self._slots = sorted((s.weekday, s.at) for s in slots)
        for column in self.columns:
            while column.count():
                item = column.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.deleteLater()
        for day, at in self._slots:
            chip = QPushButton(f"{at:%H:%M}  ✕")
            chip.setProperty("slot", True)
            chip.setFixedHeight(26)
            chip.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setToolTip(f"Remove the {WEEKDAYS[day]} {at:%H:%M} slot ({zone_label(self.zone)})")
            chip.setAccessibleName(f"Remove the {WEEKDAYS[day]} {at:%H:%M} slot")
            chip.clicked.connect(lambda _c=False, d=day, t=at: self.remove(d, t))
            self.columns[day].addWidget(chip, 0, Qt.AlignmentFlag.AlignLeft)
        for column in self.columns:
            column.addStretch(1)
        self.empty.setVisible(not self._slots)

    def slots(self) -> list[tuple[int, time]]:
        return list(self._slots)

    def chips(self, day: int) -> list[QPushButton]:
        column = self.columns[day]
        items = (column.itemAt(i) for i in range(column.count()))
        return [w for item in items if item is not None and isinstance(w := item.widget(), QPushButton)]

    def _add(self) -> None:
        which = self.day.currentData()
        qt = self.at.time()
        at = time(qt.hour(), qt.minute())
        days = range(5) if which == "weekdays" else range(7) if which == "all" else [int(which)]
        self.add(days, at)

    def add(self, days: Sequence[int] | range, at: time) -> None:
        self.changed.emit(sorted(set(self._slots) | {(d, at) for d in days}))

    def remove(self, day: int, at: time) -> None:
        self.changed.emit([s for s in self._slots if s != (day, at)])
