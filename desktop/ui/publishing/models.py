"""Table models for the Publishing page: what needs the user, and the attempt log."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap

from desktop.services.activity import AttemptRow, AttentionRow
from desktop.ui import theme
from desktop.ui.icons import network_icon
from desktop.ui.widgets.table_model import Column, RowTableModel

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
        return STATE_TEXT.get(row.state, row.state)
    return "Already public:\n" + "\n".join(f"part {i}: {url}" for i, url in enumerate(row.live_urls, 1))


def _local(when: datetime | None) -> str:
    return when.astimezone().strftime("%d %b %H:%M") if when else ""


def _excerpt(text: str, n: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= n else line[: n - 1] + "…"


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


class AttentionModel(RowTableModel[AttentionRow]):
    ACCOUNT, STATE, WHEN, POST, ERROR = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Account", lambda r: r.handle, decoration=lambda r: network_icon(r.network)),
                Column(
                    "Problem",
                    lambda r: r.state,
                    display=lambda r: STATE_TEXT.get(r.state, r.state),
                    tooltip=_live_tip,
                ),
                Column(
                    "Due",
                    lambda r: r.scheduled_at.timestamp() if r.scheduled_at else 0,
                    display=lambda r: _local(r.scheduled_at),
                ),
                Column("Post", lambda r: r.text, display=lambda r: _excerpt(r.text), tooltip=lambda r: r.text),
                Column(
                    "What the network said",
                    lambda r: r.error,
                    display=lambda r: _first_line(r.error),
                    tooltip=lambda r: r.error,
                ),
            ],
            parent,
        )


class AttemptLogModel(RowTableModel[AttemptRow]):
    WHEN, ACCOUNT, OUTCOME, POST, ERROR = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "When",
                    lambda r: r.started_at.timestamp(),
                    display=lambda r: _local(r.started_at),
                    tooltip=lambda r: f"{r.runner}",
                ),
                Column("Account", lambda r: r.handle, decoration=lambda r: network_icon(r.network)),
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
            ],
            parent,
        )


def _dot(outcome: str) -> QPixmap:
    c = theme.current()
    if outcome in ("published", "already_published"):
        color = c.success
    elif outcome in ("failed", "auth"):
        color = c.danger
    elif outcome == "retry":
        color = "#f08c00"
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
