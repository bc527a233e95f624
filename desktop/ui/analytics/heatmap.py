"""Weekday × hour heatmap of the user's own engagement rate, and picking accounts for its best hours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.analytics.charts import colors_for
from desktop.ui.analytics.wording import WEEKDAYS, hour_slot, percent

if TYPE_CHECKING:
    from desktop.services.accounts import AccountRow
    from desktop.services.analytics import HeatCell

LEFT = 40  # weekday labels
TOP = 20  # hour labels


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    t = max(0.0, min(1.0, t))
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class HeatmapWidget(QWidget):
    """7 rows (Monday first) × 24 hours in the user's zone; darker = higher engagement rate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cells: dict[tuple[int, int], HeatCell] = {}
        self._best: set[tuple[int, int]] = set()
        self.zone_name = "UTC"
        self.setMinimumSize(LEFT + 24 * 16, TOP + 7 * 18 + 4)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setAccessibleName("Engagement rate by weekday and hour")

    def sizeHint(self) -> QSize:
        return QSize(LEFT + 24 * 30, TOP + 7 * 26 + 4)

    def set_cells(self, cells: Sequence[HeatCell], best: Sequence[HeatCell], zone_name: str) -> None:
        self._cells = {(c.weekday, c.hour): c for c in cells}
        self._best = {(c.weekday, c.hour) for c in best}
        self.zone_name = zone_name
        hours = ", ".join(hour_slot(c.weekday, c.hour) for c in best) or "not known yet"
        self.setAccessibleDescription(f"Your best hours ({zone_name}): {hours}.")
        self.update()

    def cell(self, weekday: int, hour: int) -> HeatCell | None:
        return self._cells.get((weekday, hour))

    def _geometry(self) -> tuple[float, float]:
        return (self.width() - LEFT) / 24, (self.height() - TOP - 4) / 7

    def cell_rect(self, weekday: int, hour: int) -> QRect:
        w, h = self._geometry()
        return QRect(round(LEFT + hour * w), round(TOP + weekday * h), max(1, round(w) - 2), max(1, round(h) - 2))

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        w, h = self._geometry()
        hour, weekday = int((pos.x() - LEFT) // w), int((pos.y() - TOP) // h)
        if pos.x() < LEFT or pos.y() < TOP or not (0 <= hour < 24 and 0 <= weekday < 7):
            return None
        return weekday, hour

    def paintEvent(self, event: QPaintEvent) -> None:
        c = colors_for(self.palette())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(max(7.5, font.pointSizeF() * 0.85))
        p.setFont(font)
        muted = QColor(c.muted)
        empty = QColor(c.alt_base if not c.dark else "#2f333a")
        low, high = QColor(c.base if not c.dark else "#2b3350"), QColor(c.accent)
        top_rate = max((x.engagement_rate or 0.0 for x in self._cells.values()), default=0.0)
        w, h = self._geometry()
        p.setPen(muted)
        for hour in range(0, 24, 3 if w < 24 else 2):
            p.drawText(
                QRect(round(LEFT + hour * w), 0, round(w * 2), TOP - 4),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                f"{hour:02d}",
            )
        for day in range(7):
            p.setPen(muted)
            p.drawText(
                QRect(0, round(TOP + day * h), LEFT - 8, round(h)),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                WEEKDAYS[day],
            )
            for hour in range(24):
                rect = self.cell_rect(day, hour)
                cell = self._cells.get((day, hour))
                if cell is None or not cell.posts or cell.engagement_rate is None:
                    fill = empty
                else:
                    share = cell.engagement_rate / top_rate if top_rate > 0 else 0.0
                    fill = _mix(low, high, 0.15 + 0.85 * share)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(fill)
                p.drawRoundedRect(rect, 3, 3)
                if (day, hour) in self._best:
                    p.setPen(QPen(QColor(c.text), 1.6))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 3, 3)
        p.end()

    def tooltip_text(self, weekday: int, hour: int) -> str:
        cell = self._cells.get((weekday, hour))
        when = f"{WEEKDAYS[weekday]} {hour:02d}:00–{(hour + 1) % 24:02d}:00 ({self.zone_name})"
        if cell is None or not cell.posts:
            return f"{when}\nNo posts published in this hour."
        posts = "1 post" if cell.posts == 1 else f"{cell.posts} posts"
        rate = percent(cell.engagement_rate, 2)
        best = "\nOne of your best hours." if (weekday, hour) in self._best else ""
        return f"{when}\n{posts}, engagement rate {rate}{best}"

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.cell_at(event.pos())
            if hit is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_text(*hit), self)
            return True
        return super().event(event)


class AccountsDialog(QDialog):
    """Which accounts get queue slots at the best hours (all ticked to begin with)."""

    def __init__(
        self, accounts: Sequence[AccountRow], best: Sequence[HeatCell], zone_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add best hours to the queue")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        hours = ", ".join(hour_slot(c.weekday, c.hour) for c in best)
        intro = QLabel(
            f"Add weekly queue slots at your best hours ({zone_name}): {hours}.\n"
            "Slots an account already has are left as they are. For which accounts?"
        )
        intro.setWordWrap(True)
        intro.setMinimumWidth(380)
        layout.addWidget(intro)
        self.boxes: dict[int, QCheckBox] = {}
        for a in accounts:
            box = QCheckBox(f"{a.handle} · {a.network_name}")
            box.setChecked(True)
            box.toggled.connect(lambda _on: self._update())
            self.boxes[a.id] = box
            layout.addWidget(box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.addButton("Add slots", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setProperty("primary", True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def chosen(self) -> list[int]:
        return [account_id for account_id, box in self.boxes.items() if box.isChecked()]

    def _update(self) -> None:
        self.add_button.setEnabled(bool(self.chosen()))


def added_sentence(count: int, handles: Sequence[str], best: Sequence[HeatCell]) -> str:
    """What "Add best hours to the queue" did, in words."""
    who = handles[0] if len(handles) == 1 else ", ".join(handles[:-1]) + f" and {handles[-1]}"
    hours = ", ".join(hour_slot(c.weekday, c.hour) for c in best)
    if count == 0:
        return f"{who} already had queue slots at {hours}; nothing was added."
    slots = "1 queue slot" if count == 1 else f"{count} queue slots"
    return f"Added {slots} for {who}: {hours}."
