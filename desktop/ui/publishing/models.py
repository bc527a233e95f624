"""Table models for the Publishing page: what needs the user, and the attempt log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap

from desktop.services.activity import AttemptRow, AttentionRow
from desktop.services.zones import format_local, zone_label
from desktop.ui import theme
from desktop.ui.icons import network_icon
from desktop.ui.widgets.table_model import Column, Index, RowT, RowTableModel

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


class _ZonedTable(RowTableModel[RowT]):
    """A row table whose times are shown in the user's zone (``zone``; None until the page has
    read it), and whose time column's header names it."""

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

    def time_column(self, title: str, when: Callable[[RowT], datetime | None]) -> Column[RowT]:
        """A time, shown in the zone, sorted by the instant (no time sorts first)."""

        def instant(row: RowT) -> float:
            moment = when(row)
            return moment.timestamp() if moment else 0

        return Column(title, instant, display=lambda r: self.local(when(r)), tooltip=lambda r: self.local_tip(when(r)))

    def set_zone(self, zone: tzinfo | None) -> None:
        if zone != self.zone:
            self.zone = zone
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.TIME_COLUMN, self.TIME_COLUMN)
            if self.rowCount():
                top, bottom = self.index(0, self.TIME_COLUMN), self.index(self.rowCount() - 1, self.TIME_COLUMN)
                self.dataChanged.emit(top, bottom)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        value = super().headerData(section, orientation, role)
        if section == self.TIME_COLUMN and orientation == Qt.Orientation.Horizontal and isinstance(value, str):
            return self.zoned_title(value)
        return value


def _excerpt(text: str, n: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= n else line[: n - 1] + "…"


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def _account_column() -> Column[Any]:
    """The account's handle with its network's icon (rows of both tables have both)."""
    return Column(
        "Account", lambda r: r.handle, decoration=lambda r: network_icon(r.network), tooltip=lambda r: r.handle
    )


def _post_column(limit: int = 70) -> Column[Any]:
    """The post's text on one line, cut at ``limit``; whole in the tooltip."""
    return Column("Post", lambda r: r.text, display=lambda r: _excerpt(r.text, limit), tooltip=lambda r: r.text)


class AttentionModel(_ZonedTable[AttentionRow]):
    ACCOUNT, STATE, WHEN, POST, ERROR = range(5)
    TIME_COLUMN = WHEN

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                _account_column(),
                Column(
                    "Problem",
                    lambda r: r.state,
                    display=lambda r: STATE_TEXT.get(r.state, r.state),
                    tooltip=_live_tip,
                ),
                self.time_column("Due", lambda r: r.scheduled_at),
                _post_column(),
                Column(
                    "The network said",
                    lambda r: r.error,
                    display=lambda r: _first_line(r.error),
                    tooltip=_error_tip,
                ),
            ],
            parent,
        )


class AttemptLogModel(_ZonedTable[AttemptRow]):
    WHEN, ACCOUNT, OUTCOME, POST, ERROR, LINK = range(6)
    TIME_COLUMN = WHEN

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                self.time_column("When", lambda r: r.started_at),
                _account_column(),
                Column(
                    "Outcome",
                    lambda r: r.outcome,
                    display=lambda r: OUTCOME_TEXT.get(r.outcome, r.outcome),
                    decoration=lambda r: _dot(r.outcome),
                ),
                _post_column(50),
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
