"""The week view: 7 day columns × 24 hours; chips sit in their hour, drops snap to 15 minutes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from desktop.services.calendar import CalendarItem
from desktop.ui.calendar.canvas import CHIP_H, CalendarCanvas, Chip, More, is_dark, paint_chip
from desktop.ui.calendar.model import CalendarModel

HOUR_H = 48
GUTTER = 54
HEADER_H = 40
SNAP_MINUTES = 15
PER_HOUR = 2  # chips that fit in an hour row


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


class WeekCanvas(CalendarCanvas):
    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.first = week_start(date.today())
        self.setFixedHeight(HOUR_H * 24 + 1)

    def set_week(self, day: date) -> None:
        self.first = week_start(day)
        self.update()

    def col_width(self) -> float:
        return (self.width() - GUTTER) / 7

    def column_rect(self, day: date) -> QRect | None:
        col = (day - self.first).days
        if not 0 <= col < 7:
            return None
        w = self.col_width()
        x0, x1 = round(GUTTER + col * w), round(GUTTER + (col + 1) * w)
        return QRect(x0, 0, x1 - x0, self.height())

    def day_at(self, pos: QPoint) -> date | None:
        if pos.x() < GUTTER or not self.rect().contains(pos):
            return None
        col = min(int((pos.x() - GUTTER) / self.col_width()), 6)
        return self.first + timedelta(days=col)

    def drop_time(self, item: CalendarItem, pos: QPoint) -> datetime | None:
        day = self.day_at(pos)
        if day is None:
            return None
        minutes = int(pos.y() / HOUR_H * 60) // SNAP_MINUTES * SNAP_MINUTES
        minutes = max(0, min(minutes, 24 * 60 - SNAP_MINUTES))
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.model.zone)

    def drop_rect(self, pos: QPoint) -> QRect | None:
        day = self.day_at(pos)
        column = self.column_rect(day) if day else None
        if column is None:
            return None
        minutes = int(pos.y() / HOUR_H * 60) // SNAP_MINUTES * SNAP_MINUTES
        return QRect(column.left(), int(minutes / 60 * HOUR_H), column.width(), HOUR_H // 4 * 2)

    def point_for(self, day: date, at: time) -> QPoint:
        """Where a drop lands on ``day`` at ``at`` (for the keyboard and tests)."""
        column = self.column_rect(day)
        assert column is not None
        return QPoint(column.center().x(), int((at.hour + at.minute / 60) * HOUR_H) + 1)

    def _layout(self) -> tuple[list[Chip], list[More]]:
        chips: list[Chip] = []
        more: list[More] = []
        for offset in range(7):
            day = self.first + timedelta(days=offset)
            column = self.column_rect(day)
            assert column is not None
            by_hour: dict[int, list[CalendarItem]] = defaultdict(list)
            for item in self.model.items_on(day):
                by_hour[self.model.local(item).hour].append(item)
            for hour, items in by_hour.items():
                top = hour * HOUR_H + 3
                shown = items if len(items) <= PER_HOUR else items[: PER_HOUR - 1]
                for n, item in enumerate(shown):
                    rect = QRect(column.left() + 3, top + n * (CHIP_H + 2), column.width() - 6, CHIP_H)
                    chips.append(Chip(rect, item))
                if len(shown) < len(items):
                    y = top + len(shown) * (CHIP_H + 2)
                    more.append(
                        More(QRect(column.left() + 3, y, column.width() - 6, CHIP_H), day, len(items) - len(shown))
                    )
        return chips, more

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        border = pal.color(QPalette.ColorRole.Mid)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        accent = pal.color(QPalette.ColorRole.Highlight)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        font = QFont(self.font())
        font.setPixelSize(11)
        p.setFont(font)
        selected = self.column_rect(self.selected_date)
        if selected is not None:
            tint = QColor(accent)
            tint.setAlpha(18 if not is_dark(pal) else 30)
            p.fillRect(selected, tint)
        for hour in range(24):
            y = hour * HOUR_H
            faint = QColor(border)
            p.setPen(QPen(faint, 1))
            p.drawLine(GUTTER, y, self.width(), y)
            if hour:
                p.setPen(muted)
                p.drawText(
                    QRect(0, y - 8, GUTTER - 8, 16),
                    int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                    f"{hour:02d}:00",
                )
        p.setPen(QPen(border, 1))
        for offset in range(7):
            column = self.column_rect(self.first + timedelta(days=offset))
            assert column is not None
            p.drawLine(column.left(), 0, column.left(), self.height())
        today = self.column_rect(date.today())
        if today is not None:
            now = datetime.now(self.model.zone)
            y = int((now.hour + now.minute / 60) * HOUR_H)
            p.setPen(QPen(QColor("#e03131"), 2))
            p.drawLine(today.left(), y, today.right(), y)
        if self._drop_hint is not None:
            drop = QColor(accent)
            drop.setAlpha(60)
            p.fillRect(self._drop_hint, drop)
        chips, more = self._layout()
        for chip in chips:
            label = f"{self.model.local(chip.item):%H:%M} {chip.item.text}"
            paint_chip(p, chip.rect, chip.item, label, pal, selected=chip.item.variant_id == self.selected_variant)
        font.setWeight(QFont.Weight.DemiBold)
        p.setFont(font)
        p.setPen(accent)
        for m in more:
            p.drawText(m.rect.adjusted(6, 0, 0, 0), int(Qt.AlignmentFlag.AlignVCenter), f"+{m.count} more")
        p.end()


class WeekHeader(QWidget):
    """Day names and dates above the scrolling hours (aligned with the canvas's columns)."""

    def __init__(self, canvas: WeekCanvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.setFixedHeight(HEADER_H)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        text = pal.color(QPalette.ColorRole.Text)
        accent = pal.color(QPalette.ColorRole.Highlight)
        font = QFont(self.font())
        today = date.today()
        for offset in range(7):
            day = self.canvas.first + timedelta(days=offset)
            column = self.canvas.column_rect(day)
            assert column is not None
            box = QRect(column.left() + 8, 0, column.width() - 8, HEADER_H)
            font.setPixelSize(11)
            font.setWeight(QFont.Weight.DemiBold)
            p.setFont(font)
            p.setPen(accent if day == today else muted)
            p.drawText(box, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), f"{day:%a}".upper())
            font.setPixelSize(15)
            p.setFont(font)
            p.setPen(accent if day == today else text)
            p.drawText(
                box.adjusted(34, 0, 0, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), f"{day.day}"
            )
        p.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1))
        p.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        p.end()


class WeekView(QFrame):
    """The header plus the scrolling 24-hour canvas (which takes the keys, clicks and drops)."""

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WeekView")
        self.canvas = WeekCanvas(model)
        self.header = WeekHeader(self.canvas)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.canvas)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.scroll, 1)
        model.modelReset.connect(self.header.update)

    def set_week(self, day: date) -> None:
        self.canvas.set_week(day)
        self.header.update()

    def scroll_to_hour(self, hour: int) -> None:
        self.scroll.verticalScrollBar().setValue(max(0, hour * HOUR_H - 12))  # keep the hour's label in view

    def sizeHint(self) -> QSize:
        return QSize(800, 560)
