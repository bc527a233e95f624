"""The month view: a painted 6 × 7 grid of days with a chip per post, "+N more" when full.

Chips that need the user (failed, retrying…) come first in a day and are never folded into
"+N more" while a chip fits; the "+N more" link sits on the day-number row so it never takes a
chip's place. At the minimum window size a day shows one chip.
"""

from __future__ import annotations

import calendar as pycal
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QWidget

from desktop.services.calendar_rows import CalendarItem
from desktop.ui.calendar.canvas import CHIP_H, CalendarCanvas, Chip, More, is_dark
from desktop.ui.calendar.chips import mix
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.calendar.periods import grid_start

__all__ = ["MonthView", "grid_start"]

HEADER_H = 24
DAY_LABEL_H = 20
GAP = 2
COMPACT_H = 16  # a chip's height when the full one would leave a day one chip at most


@lru_cache(maxsize=128)
def _label_width(font: str, label: str) -> int:
    """A day number's width at 12 px (``font``: the view's, as QFont.toString()); measured once."""
    day_font = QFont()
    day_font.fromString(font)
    day_font.setPixelSize(12)
    return QFontMetrics(day_font).horizontalAdvance(label)


class MonthView(CalendarCanvas):
    ROWS, COLS = 6, 7  # at most: a month shows the weeks it touches (4 to 6)

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.month = date.today().replace(day=1)
        # six weeks of a day number and a compact chip, so the grid fits the 900×600 window
        self.setMinimumSize(420, HEADER_H + self.ROWS * (DAY_LABEL_H + COMPACT_H + GAP + 3))
        self.setAccessibleName("Month calendar")
        self.setAccessibleDescription(
            "Arrows move between days, Tab between a day's posts; Enter opens, Delete deletes; "
            "Page Up and Page Down change the month; Home goes to today."
        )

    def set_month(self, month: date) -> None:
        self.month = month.replace(day=1)
        self.update()

    def first_day(self) -> date:
        return grid_start(self.month)

    def rows(self) -> int:
        """The weeks the month touches: a taller row each when it needs only five."""
        days = pycal.monthrange(self.month.year, self.month.month)[1]
        return -(-(self.month.weekday() + days) // self.COLS)

    # --- geometry -------------------------------------------------------------------------

    def cell_rect(self, day: date) -> QRect | None:
        index = (day - self.first_day()).days
        if not 0 <= index < self.rows() * self.COLS:
            return None
        row, col = divmod(index, self.COLS)
        w = self.width() / self.COLS
        h = (self.height() - HEADER_H) / self.rows()
        x0, x1 = round(col * w), round((col + 1) * w)
        y0, y1 = round(HEADER_H + row * h), round(HEADER_H + (row + 1) * h)
        return QRect(x0, y0, x1 - x0, y1 - y0)

    def day_at(self, pos: QPoint) -> date | None:
        if pos.y() < HEADER_H or not self.rect().contains(pos):
            return None
        col = min(int(pos.x() / (self.width() / self.COLS)), self.COLS - 1)
        rows = self.rows()
        row = min(int((pos.y() - HEADER_H) / ((self.height() - HEADER_H) / rows)), rows - 1)
        return self.first_day() + timedelta(days=row * self.COLS + col)

    def drop_time(self, item: CalendarItem, pos: QPoint) -> datetime | None:
        day = self.day_at(pos)
        if day is None:
            return None
        # the same wall-clock time on the new day, in the calendar's zone
        return datetime.combine(day, self.model.local(item).time(), tzinfo=self.model.zone)

    def slot_at(self, pos: QPoint) -> tuple[date, time | None] | None:
        day = self.day_at(pos)
        return (day, None) if day is not None else None

    def drop_rect(self, pos: QPoint) -> QRect | None:
        day = self.day_at(pos)
        return self.cell_rect(day) if day else None

    def chip_height(self) -> int:
        """Full chips, or compact ones when only those let a day show two."""
        room = (self.height() - HEADER_H) / self.rows() - DAY_LABEL_H - 3
        return CHIP_H if room // (CHIP_H + GAP) >= 2 else COMPACT_H

    def capacity(self) -> int:
        """How many chips fit in a day cell ("+N more" sits on the day-number row)."""
        room = (self.height() - HEADER_H) / self.rows() - DAY_LABEL_H - 3
        return max(0, int(room // (self.chip_height() + GAP)))

    def day_label(self, day: date) -> str:
        return str(day.day) if day.day != 1 else f"{pycal.month_abbr[day.month]} 1"

    def day_label_rect(self, cell: QRect, day: date) -> QRect:
        width = max(22, _label_width(self.font().toString(), self.day_label(day)) + 10)
        return QRect(cell.left() + 5, cell.top() + 2, width, 17)

    def _layout_key(self) -> object:
        return self.month

    def _layout(self) -> tuple[list[Chip], list[More]]:
        chips: list[Chip] = []
        more: list[More] = []
        fit = self.capacity()
        chip_h = self.chip_height()
        for index in range(self.rows() * self.COLS):
            day = self.first_day() + timedelta(days=index)
            day_chips = self.model.day_chips(day)  # those that need the user first
            if not day_chips.count:
                continue
            cell = self.cell_rect(day)
            assert cell is not None
            shown = day_chips.first(fit)  # only these are built: a busy day has hundreds
            y = cell.top() + DAY_LABEL_H
            for chip in shown:
                chips.append(Chip(QRect(cell.left() + 3, y, cell.width() - 6, chip_h), chip))
                y += chip_h + GAP
            folded = day_chips.count - len(shown)
            if folded:  # right of the day number, on its row
                left = self.day_label_rect(cell, day).right() + 4
                rect = QRect(left, cell.top() + 2, cell.right() - 2 - left, DAY_LABEL_H - 3)
                alerts = max(0, day_chips.pinned - len(shown))  # the pinned come first
                more.append(More(rect, day, folded, alerts))
        return chips, more

    # --- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        alt = pal.color(QPalette.ColorRole.Window)
        border = pal.color(QPalette.ColorRole.Mid)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        text = pal.color(QPalette.ColorRole.Text)
        accent = pal.color(QPalette.ColorRole.Highlight)
        p.fillRect(self.rect(), base)
        font = QFont(self.font())
        font.setPixelSize(11)
        font.setWeight(QFont.Weight.DemiBold)
        p.setFont(font)
        p.setPen(muted)
        w = self.width() / self.COLS
        for col, name in enumerate(pycal.day_abbr):
            p.drawText(
                QRect(round(col * w) + 8, 0, round(w) - 8, HEADER_H),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                name.upper(),
            )
        today = datetime.now(self.model.zone).date()
        hint = self._drop_hint
        # the window colour at 110/255 over the base, opaque: a blended fill costs far more
        weekend = mix(alt, base, 110 / 255)
        for index in range(self.rows() * self.COLS):
            day = self.first_day() + timedelta(days=index)
            cell = self.cell_rect(day)
            assert cell is not None
            in_month = day.month == self.month.month
            if not in_month:
                p.fillRect(cell, alt)
            if day.weekday() >= 5 and in_month:
                p.fillRect(cell, weekend)
            self._paint_campaign_range(p, cell, day, pal)
            p.setPen(QPen(border, 1))
            p.drawLine(cell.topLeft(), cell.topRight())
            if day.weekday() > 0:
                p.drawLine(cell.topLeft(), cell.bottomLeft())
            self._paint_day_number(p, cell, day, today, in_month, text, muted, accent)
            if hint is not None and hint == cell:
                drop = QColor(accent)
                drop.setAlpha(40 if not is_dark(pal) else 60)
                p.fillRect(cell.adjusted(1, 1, 0, 0), drop)
        cell = self.cell_rect(self.selected_date)
        if cell is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(accent, 2 if self.hasFocus() else 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(cell.adjusted(1, 1, -1, -1), 4, 4)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self.paint_chips(p, pal, event.rect(), more_right=True)
        p.end()

    def _paint_campaign_range(self, p: QPainter, cell: QRect, day: date, pal: QPalette) -> None:
        if self.highlight is None:
            return
        first, last, color = self.highlight
        if not first <= day <= last:
            return
        tint = QColor(color)
        tint.setAlpha(46 if is_dark(pal) else 30)
        p.fillRect(cell, tint)
        p.fillRect(QRect(cell.left(), cell.top() + 1, cell.width(), 3), color)

    def _paint_day_number(
        self,
        p: QPainter,
        cell: QRect,
        day: date,
        today: date,
        in_month: bool,
        text: QColor,
        muted: QColor,
        accent: QColor,
    ) -> None:
        font = QFont(self.font())
        font.setPixelSize(12)
        label = self.day_label(day)
        box = self.day_label_rect(cell, day)
        if day == today:
            font.setWeight(QFont.Weight.Bold)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(accent)
            p.drawRoundedRect(box, 9, 9)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setPen(QColor("#ffffff"))
        else:
            p.setPen(text if in_month else muted)
        p.setFont(font)
        p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), label)
