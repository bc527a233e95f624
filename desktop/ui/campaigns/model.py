"""The Campaigns table: colour swatch and name, dates, posts, goal progress, UTM defaults."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.services.campaigns import CampaignRow
from desktop.ui import theme
from desktop.ui.widgets.table_model import Column, RowTableModel

#: (fraction, on_track) of a row's goal, for the progress bar; None without a measurable goal.
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 10


def _swatch(color: str) -> QPixmap:
    """A rounded colour square with a light rim, so it shows on a selected (accent) row too."""
    px = QPixmap(28, 28)
    px.setDevicePixelRatio(2.0)
    px.fill(Qt.GlobalColor.transparent)
    painter = QPainter(px)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(255, 255, 255, 200), 1.2))
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(QRectF(0.75, 0.75, 12.5, 12.5), 3, 3)
    painter.end()
    return px


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _dates(row: CampaignRow) -> str:
    start, end = row.starts_on, row.ends_on
    if start and end:
        if start.year == end.year:  # "20 Nov – 20 Dec 2026"
            return f"{start.day} {start:%b} – {_day(end)}"
        return f"{_day(start)} – {_day(end)}"
    if start:
        return f"from {_day(start)}"
    if end:
        return f"until {_day(end)}"
    return "No dates"


def _goal(row: CampaignRow) -> str:
    if row.progress:
        return row.progress.short
    return row.goal or "—"


def _goal_tooltip(row: CampaignRow) -> str:
    lines = [f"{row.progress.sentence}." if row.progress else ""]
    if row.goal:
        lines.append(f"Goal: {row.goal}")
    if row.progress is None and not row.goal:
        lines.append("No goal yet: Edit to set a number to reach, e.g. 2,000 engagements.")
    return "\n".join(line for line in lines if line)


def _name(row: CampaignRow) -> str:
    return f"{row.name} (archived)" if row.archived else row.name


def _utm(row: CampaignRow) -> str:
    return " ".join(f"{k}={v}" for k, v in row.utm.items())


def _name_tooltip(row: CampaignRow) -> str:
    """The whole name (the column may elide it), whether it is archived, its notes and UTM tags."""
    archived = "Archived: hidden from pickers; its posts still publish and count in analytics." if row.archived else ""
    utm = f"UTM: {_utm(row)}" if row.utm else ""
    return "\n\n".join(part for part in (row.name, archived, row.notes, utm) if part)


class CampaignsModel(RowTableModel[CampaignRow]):
    NAME, DATES, POSTS, GOAL, UTM = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "Campaign",
                    lambda r: r.name.lower(),
                    display=_name,
                    decoration=lambda r: _swatch(r.color),
                    tooltip=_name_tooltip,
                ),
                Column("Dates", lambda r: r.starts_on.isoformat() if r.starts_on else "", display=_dates),
                Column("Posts", lambda r: r.posts, align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                Column(
                    "Goal",
                    lambda r: r.progress.fraction if r.progress else -1.0,
                    display=_goal,
                    tooltip=_goal_tooltip,
                ),
                Column("UTM", _utm, tooltip=_utm),
            ],
            parent,
        )

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == PROGRESS_ROLE:
            progress = self.row_at(index.row()).progress
            return (progress.fraction, progress.on_track) if progress and index.column() == self.GOAL else None
        if role == Qt.ItemDataRole.ForegroundRole and self.row_at(index.row()).archived:
            return QColor(theme.current().muted)
        return super().data(index, role)


def goal_color(colors: theme.Colors, fraction: float, on_track: bool | None) -> str:
    """A goal bar's fill: success once reached, the accent when on track, the warning colour when behind
    (each at least 3:1 against the card, WCAG AA for graphics)."""
    if fraction >= 1.0:
        return colors.success
    return colors.accent if on_track is not False else colors.warning_text


class GoalProgressDelegate(QStyledItemDelegate):
    """The goal's text with a thin bar beneath it: accent when on track, amber when behind."""

    BAR = 4

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        progress = index.data(PROGRESS_ROLE)
        if progress is None:
            super().paint(painter, option, index)
            return
        fraction, on_track = progress
        text_option = QStyleOptionViewItem(option)
        self.initStyleOption(text_option, index)
        rect: QRect = option.rect  # type: ignore[attr-defined]
        text_option.rect = rect.adjusted(0, 0, 0, -(self.BAR + 4))  # type: ignore[attr-defined]
        widget = text_option.widget  # type: ignore[attr-defined]
        if widget is not None:
            # the selection/hover background over the whole cell, then the text above the bar
            full = QStyleOptionViewItem(text_option)
            full.rect = rect  # type: ignore[attr-defined]
            widget.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, full, painter, widget)
            widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, text_option, painter, widget)
        colors = theme.current()
        track = QRect(rect.left() + 6, rect.bottom() - self.BAR - 5, max(0, rect.width() - 20), self.BAR)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colors.border))
        painter.drawRoundedRect(track, 2, 2)
        filled = QRect(track)
        filled.setWidth(round(track.width() * min(1.0, max(0.0, fraction))))
        fill = QColor(goal_color(colors, fraction, on_track))
        if option.state & QStyle.StateFlag.State_Selected:  # type: ignore[attr-defined]
            # on the accent highlight: a white bar on a faint track
            painter.setBrush(QColor(255, 255, 255, 70))
            painter.drawRoundedRect(track, 2, 2)
            fill = QColor("#ffffff")
        painter.setBrush(fill)
        if filled.width() > 0:
            painter.drawRoundedRect(filled, 2, 2)
        painter.restore()
