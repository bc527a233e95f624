"""Table models for the Publishing page: what needs the user, and the attempt log."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap

from desktop.services.activity import AttemptRow, AttentionRow
from desktop.services.zones import format_local, zone_label
from desktop.ui import theme
from desktop.ui.icons import network_icon
from desktop.ui.widgets.table_model import Column, Index, RowTableModel

VIEW_POST = "View post"
#: Link text at WCAG AA (≥ 4.5:1) on both row colours of each theme (the accent is 4.3:1 on light rows).
LINK_LIGHT, LINK_DARK = "#3b5bdb", "#8da2fb"

OUTCOME_TEXT = {
    "pending": "In progress",
    "published": "Published",
    "already_published": "Published (found on the network)",
    "retry": "Will retry",
    "failed": "Failed",
    "auth": "Sign-in expired",
}
STATE_TEXT = {
    "failed": "Failed",
    "needs_reconnect": "Needs reconnect",
    "partially_live": "Partly live",
    "outcome_unknown": "Check the network",
}


def _live_tip(row: AttentionRow) -> str:
    if not row.live_urls:
        return row.what_to_do
    return (
        row.what_to_do
        + "\n\nAlready public:\n"
        + "\n".join(f"part {i}: {url}" for i, url in enumerate(row.live_urls, 1))
    )


def _error_tip(row: AttentionRow) -> str:
    return f"{row.what_to_do}\n\nWhat the network said:\n{row.error}" if row.error else row.what_to_do


class _Zoned:
    """Times are shown in the user's zone (``zone``; None until the page has read it), and the
    time column's header names it."""

    zone: tzinfo | None = None
    TIME_COLUMN = 0

    def zoned_title(self, title: str) -> str:
        return f"{title} ({zone_label(self.zone)})" if self.zone is not None else title

    def local(self, when: datetime | None) -> str:
        return format_local(when, "%d %b %H:%M", self.zone)

    def local_tip(self, when: datetime | None) -> str:
        if when is None:
            return ""
        return format_local(when, "%A %d %B %Y, %H:%M", self.zone) + (
            f" ({zone_label(self.zone)})" if self.zone else ""
        )


def _excerpt(text: str, n: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= n else line[: n - 1] + "…"


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


class AttentionModel(_Zoned, RowTableModel[AttentionRow]):
    ACCOUNT, STATE, WHEN, POST, ERROR = range(5)
    TIME_COLUMN = WHEN

    def __init__(self, parent: QObject | None = None) -> None:
        RowTableModel.__init__(
            self,
            [
                Column(
                    "Account",
                    lambda r: r.handle,
                    decoration=lambda r: network_icon(r.network),
                    tooltip=lambda r: r.handle,
                ),
                Column(
                    "Problem",
                    lambda r: r.state,
                    display=lambda r: STATE_TEXT.get(r.state, r.state),
                    tooltip=_live_tip,
                ),
                Column(
                    "Due",
                    lambda r: r.scheduled_at.timestamp() if r.scheduled_at else 0,
                    display=lambda r: self.local(r.scheduled_at),
                    tooltip=lambda r: self.local_tip(r.scheduled_at),
                ),
                Column("Post", lambda r: r.text, display=lambda r: _excerpt(r.text), tooltip=lambda r: r.text),
                Column(
                    "The network said",
                    lambda r: r.error,
                    display=lambda r: _first_line(r.error),
                    tooltip=_error_tip,
                ),
            ],
            parent,
        )

    def set_zone(self, zone: tzinfo | None) -> None:
        _set_zone(self, zone)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return _header(self, super().headerData(section, orientation, role), section, orientation)


class AttemptLogModel(_Zoned, RowTableModel[AttemptRow]):
    WHEN, ACCOUNT, OUTCOME, POST, ERROR, LINK = range(6)
    TIME_COLUMN = WHEN

    def __init__(self, parent: QObject | None = None) -> None:
        RowTableModel.__init__(
            self,
            [
                Column(
                    "When",
                    lambda r: r.started_at.timestamp(),
                    display=lambda r: self.local(r.started_at),
                    tooltip=lambda r: self.local_tip(r.started_at),
                ),
                Column(
                    "Account",
                    lambda r: r.handle,
                    decoration=lambda r: network_icon(r.network),
                    tooltip=lambda r: r.handle,
                ),
                Column(
                    "Outcome",
                    lambda r: r.outcome,
                    display=lambda r: OUTCOME_TEXT.get(r.outcome, r.outcome),
                    decoration=lambda r: _dot(r.outcome),
                ),
                Column("Post", lambda r: r.text, display=lambda r: _excerpt(r.text, 50), tooltip=lambda r: r.text),
                Column(
                    "Details",
                    lambda r: r.details,
                    display=lambda r: _first_line(r.details),
                    tooltip=lambda r: r.details,
                ),
                Column(
                    "Link",
                    lambda r: r.url,
                    display=lambda r: VIEW_POST if r.url else "",
                    tooltip=lambda r: f"Open {r.url} in your browser" if r.url else "",
                ),
            ],
            parent,
        )

    def set_zone(self, zone: tzinfo | None) -> None:
        _set_zone(self, zone)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return _header(self, super().headerData(section, orientation, role), section, orientation)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # the "View post" cell reads as a link: the theme's link colour, underlined
        if index.isValid() and index.column() == self.LINK and self.row_at(index.row()).url:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor(LINK_DARK if theme.current().dark else LINK_LIGHT)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setUnderline(True)
                return font
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return f"{VIEW_POST}: {self.row_at(index.row()).url}"
        return super().data(index, role)


def _set_zone(model: AttentionModel | AttemptLogModel, zone: tzinfo | None) -> None:
    if zone != model.zone:
        model.zone = zone
        model.headerDataChanged.emit(Qt.Orientation.Horizontal, model.TIME_COLUMN, model.TIME_COLUMN)
        if model.rowCount():
            top, bottom = model.index(0, model.TIME_COLUMN), model.index(model.rowCount() - 1, model.TIME_COLUMN)
            model.dataChanged.emit(top, bottom)


def _header(model: AttentionModel | AttemptLogModel, value: Any, section: int, orientation: Qt.Orientation) -> Any:
    if section == model.TIME_COLUMN and orientation == Qt.Orientation.Horizontal and isinstance(value, str):
        return model.zoned_title(value)
    return value


def _dot(outcome: str) -> QPixmap:
    c = theme.current()
    if outcome in ("published", "already_published"):
        color = c.success
    elif outcome in ("failed", "auth"):
        color = c.danger
    elif outcome == "retry":
        color = c.warning_text
    else:
        color = c.muted
    return _dot_pixmap(color)


@lru_cache(maxsize=8)
def _dot_pixmap(color: str) -> QPixmap:
    px = QPixmap(20, 20)
    px.setDevicePixelRatio(2.0)
    px.fill(Qt.GlobalColor.transparent)
    painter = QPainter(px)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 8, 8)
    painter.end()
    return px
