"""Small dialogs from a chip's context menu: Reschedule… and Make recurring…."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.services.calendar_rows import CalendarItem, excerpt
from desktop.services.zones import zone_label


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setProperty("primary", True)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class RescheduleDialog(QDialog):
    """Pick a new local date and time for one post on one account."""

    def __init__(self, item: CalendarItem, zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.setWindowTitle("Reschedule")
        local = item.when.astimezone(zone)
        self.when = QDateTimeEdit(QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)))
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        info = QLabel(f"{item.handle} · {excerpt(item.text, 160)}")
        info.setWordWrap(True)
        info.setProperty("role", "muted")
        form = QFormLayout()
        form.addRow("New time", self.when)
        form.addRow("", QLabel(f"Time zone: {zone_label(zone)}"))
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, "Reschedule"))
        self.setMinimumWidth(380)

    def value(self) -> datetime:
        qdt = self.when.dateTime()
        d, t = qdt.date(), qdt.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=self.zone)


class RecurringDialog(QDialog):
    """Every N days or weeks, until a date."""

    def __init__(self, item: CalendarItem, zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Make recurring")
        local = item.when.astimezone(zone)
        self.every = QSpinBox()
        self.every.setRange(1, 52)
        self.every.setValue(1)
        self.unit = QComboBox()
        self.unit.addItem("weeks", "weeks")
        self.unit.addItem("days", "days")
        repeat = QHBoxLayout()
        repeat.addWidget(QLabel("Every"))
        repeat.addWidget(self.every)
        repeat.addWidget(self.unit)
        repeat.addStretch(1)
        end = local.date() + timedelta(weeks=12)
        self.until = QDateEdit(QDate(end.year, end.month, end.day))
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("ddd d MMM yyyy")
        self.until.setMinimumDate(QDate(local.year, local.month, local.day))
        explain = QLabel(
            f"Repeats at {local:%H:%M} {zone_label(zone)} time — also after daylight-saving changes. "
            "Each repeat is its own post; you can move or delete it on its own."
        )
        explain.setWordWrap(True)
        explain.setProperty("role", "muted")
        form = QFormLayout()
        form.addRow("Repeat", repeat)
        form.addRow("Until", self.until)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(_buttons(self, "Make recurring"))
        self.setMinimumWidth(400)

    def values(self) -> tuple[int, str, date]:
        d = self.until.date()
        return self.every.value(), str(self.unit.currentData()), date(d.year(), d.month(), d.day())
