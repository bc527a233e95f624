"""The week view: 7 day columns × 24 hours; chips sit in their hour, drops snap to 15 minutes.

A lone chip in its hour shows two lines of text; chips that need the user come first. The red
now-line is drawn under the chips (which are opaque) and "+N more" sits on a pill of its own,
so the line never strikes through text. It moves once a minute while the view is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QHideEvent, QPainter, QPaintEvent, QPalette, QPen, QShowEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from desktop.services.calendar_rows import CalendarItem
from desktop.services.zones import zone_label
from desktop.ui import theme
from desktop.ui.calendar.canvas import CHIP_H, CalendarCanvas, Chip, More, is_dark
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.calendar.periods import week_start

__all__ = ["WeekCanvas", "WeekHeader", "WeekView", "week_start"]

HOUR_H = 48
GUTTER = 54
HEADER_H = 40
SNAP_MINUTES = 15
PER_HOUR = 2  # chips that fit in an hour row


class WeekCanvas(CalendarCanvas):
    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.first = week_start(date.today())
        self.setFixedHeight(HOUR_H * 24 + 1)
        self.setAccessibleName("Week calendar")
        self.setAccessibleDescription(
            "Arrows move between days, Tab between a day's posts; Enter opens, Delete deletes; "
            "Page Up and Page Down change the week; Home goes to today."
        )
        #: The time the now-line marks (a test sets its own).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        #: Moves the now-line; runs only while the view is shown.
        self.now_timer = QTimer(self)
        self.now_timer.setInterval(60_000)
        self.now_timer.timeout.connect(self.update)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.now_timer.start()
        self.update()

    def hideEvent(self, event: QHideEvent) -> None:
        self.now_timer.stop()
        super().hideEvent(event)

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

    def slot_at(self, pos: QPoint) -> tuple[date, time | None] | None:
        day = self.day_at(pos)
        if day is None:
            return None
        minutes = int(pos.y() / HOUR_H * 60) // SNAP_MINUTES * SNAP_MINUTES
        minutes = max(0, min(minutes, 24 * 60 - SNAP_MINUTES))
        return day, time(minutes // 60, minutes % 60)

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

    def _layout_key(self) -> object:
        return self.first

    def _layout(self) -> tuple[list[Chip], list[More]]:
        chips: list[Chip] = []
        more: list[More] = []
        zone = self.model.zone
        for offset in range(7):
            day = self.first + timedelta(days=offset)
            column = self.column_rect(day)
            assert column is not None
            day_chips = self.model.day_chips(day)
            if not day_chips.count:
                continue
            # each local hour's first instant (a DST day's missing hour starts with the next one)
            hours = [datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC) for hour in range(24)]
            left, width = column.left() + 3, column.width() - 6
            for hour, entries in day_chips.by_slot(hours).items():  # those that need the user first
                top = hour * HOUR_H + 3
                if len(entries) == 1:  # room for two lines of text
                    chips.append(Chip(QRect(left, top, width, HOUR_H - 6), day_chips.chip(entries[0][0]), lines=2))
                    continue
                shown = entries if len(entries) <= PER_HOUR else entries[: PER_HOUR - 1]
                for n, (key, _urgent) in enumerate(shown):
                    chips.append(Chip(QRect(left, top + n * (CHIP_H + 2), width, CHIP_H), day_chips.chip(key)))
                folded = entries[len(shown) :]
                if folded:
                    y = top + len(shown) * (CHIP_H + 2)
                    alerts = sum(urgent for _key, urgent in folded)
                    more.append(More(QRect(left, y, width, CHIP_H), day, len(folded), alerts))
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
        if self.highlight is not None:
            first, last, color = self.highlight
            tint = QColor(color)
            tint.setAlpha(40 if is_dark(pal) else 26)
            for offset in range(7):
                day = self.first + timedelta(days=offset)
                column = self.column_rect(day)
                if column is not None and first <= day <= last:
                    p.fillRect(column, tint)
        selected = self.column_rect(self.selected_date)
        if selected is not None:
            tint = QColor(accent)
            tint.setAlpha(18 if not is_dark(pal) else 30)
            p.fillRect(selected, tint)
            if self.hasFocus():  # where the keys act
                p.setPen(QPen(accent, 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(selected.adjusted(1, 0, -1, -1))
        for hour in range(24):
            y = hour * HOUR_H
            p.setPen(QPen(border, 1))
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
        now = self.clock().astimezone(self.model.zone)
        today = self.column_rect(now.date())
        if today is not None:  # under the chips, which are opaque
            y = int((now.hour + now.minute / 60) * HOUR_H)
            danger = QColor(theme.current().danger)
            p.setPen(QPen(danger, 2))
            p.drawLine(today.left(), y, today.right(), y)
            p.setBrush(danger)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawEllipse(QPoint(today.left() + 1, y), 4, 4)
        if self._drop_hint is not None:
            drop = QColor(accent)
            drop.setAlpha(60)
            p.fillRect(self._drop_hint, drop)
        self.paint_chips(p, pal, event.rect())
        p.end()


class WeekHeader(QWidget):
    """Day names and dates above the scrolling hours (aligned with the canvas's columns)."""

    def __init__(self, canvas: WeekCanvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.setFixedHeight(HEADER_H)
        self.setMouseTracking(True)

        theme.notifier().changed.connect(self.restyle)

    def restyle(self, _colors: object = None) -> None:
        self.update()

    def update_zone_tip(self) -> None:
        self.setToolTip(f"Times in {zone_label(self.canvas.model.zone)}")

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        text = pal.color(QPalette.ColorRole.Text)
        accent = pal.color(QPalette.ColorRole.Highlight)
        font = QFont(self.font())
        zone = self.canvas.model.zone
        font.setPixelSize(10)
        p.setFont(font)
        p.setPen(muted)
        p.drawText(  # the hour column's zone: "CET", "UTC", "+03"
            QRect(0, 0, GUTTER - 6, HEADER_H),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            datetime.now(zone).tzname() or "",
        )
        today = datetime.now(zone).date()
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
        self.scroller = QScrollArea()
        self.scroller.setWidget(self.canvas)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.canvas.chip_focused.connect(
            lambda rect: self.scroller.ensureVisible(rect.center().x(), rect.center().y(), 0, rect.height())
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.scroller, 1)
        model.modelReset.connect(self.header.update)
        model.modelReset.connect(self.header.update_zone_tip)

    def set_week(self, day: date) -> None:
        self.canvas.set_week(day)
        self.header.update()

    def scroll_to_hour(self, hour: int) -> None:
        self.scroller.verticalScrollBar().setValue(max(0, hour * HOUR_H - 12))  # keep the hour's label in view

    def sizeHint(self) -> QSize:
        return QSize(800, 560)
