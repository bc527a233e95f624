"""The Campaigns table: colour swatch, name, dates, goal, posts, UTM defaults."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPixmap

from desktop.services.campaigns import CampaignRow
from desktop.ui.widgets.table_model import Column, RowTableModel


def _swatch(color: str) -> QPixmap:
    px = QPixmap(14, 14)
    px.fill(QColor(color))
    return px


def _dates(row: CampaignRow) -> str:
    if row.starts_on and row.ends_on:
        return f"{row.starts_on:%d %b %Y} – {row.ends_on:%d %b %Y}"
    if row.starts_on:
        return f"from {row.starts_on:%d %b %Y}"
    if row.ends_on:
        return f"until {row.ends_on:%d %b %Y}"
    return "No dates"


class CampaignsModel(RowTableModel[CampaignRow]):
    NAME, DATES, GOAL, POSTS, UTM = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "Campaign",
                    lambda r: r.name.lower(),
                    display=lambda r: r.name,
                    decoration=lambda r: _swatch(r.color),
                ),
                Column("Dates", lambda r: r.starts_on.isoformat() if r.starts_on else "", display=_dates),
                Column("Goal", lambda r: r.goal),
                Column("Posts", lambda r: r.posts, align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                Column("UTM", lambda r: " ".join(f"{k}={v}" for k, v in r.utm.items())),
            ],
            parent,
        )
