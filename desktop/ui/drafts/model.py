"""One row per draft (Vorta-style): ``set_rows`` in a model reset, a role that returns the row,
words worked out here (relative times in the user's zone) so the delegate only paints.

Dragging a draft carries :data:`POST_MIME` with the post id as ASCII digits; the calendar takes
that drop to schedule the post.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt

from desktop.services.drafts import DraftRow
from desktop.services.zones import format_local, zone_label

#: What a dragged post carries: its id as ASCII digits.
POST_MIME = "application/x-campaign-desk-post"

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
#: "Updated 2 h ago"
UPDATED_ROLE = Qt.ItemDataRole.UserRole + 2
#: "2 parts · 1 image" (empty when there is one part and no media)
COUNTS_ROLE = Qt.ItemDataRole.UserRole + 3
#: "Planned Tue 3 Mar 10:30" (empty without a tentative time)
PLANNED_ROLE = Qt.ItemDataRole.UserRole + 4

Index = QModelIndex | QPersistentModelIndex


def ago(when: datetime, now: datetime, zone: tzinfo) -> str:
    """How long ago, the way people say it: "just now", "5 min ago", "2 h ago", "yesterday",
    "3 days ago", then the local date."""
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    local, today = when.astimezone(zone).date(), now.astimezone(zone).date()
    days = (today - local).days
    if days == 0:
        return f"{int(seconds // 3600)} h ago"
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return format_local(when, "%d %b" if local.year == today.year else "%d %b %Y", zone).lstrip("0")


def _day(text: str) -> str:
    """ "Sat 05 Dec 15:42" -> "Sat 5 Dec 15:42" (no portable strftime code drops the zero)."""
    return text.replace(" 0", " ", 1)


def counts(row: DraftRow) -> str:
    said = []
    if row.parts > 1:
        said.append(f"{row.parts} parts")
    if row.media:
        said.append(f"{row.media} media file{'s' if row.media != 1 else ''}")
    return " · ".join(said)


class DraftsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DraftRow] = []
        self.zone: tzinfo = UTC
        self.now = datetime.now(UTC)

    def set_rows(self, rows: Sequence[DraftRow], *, zone: tzinfo | None = None, now: datetime | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if zone is not None:
            self.zone = zone
        self.now = now or datetime.now(UTC)
        self.endResetModel()

    def rows(self) -> list[DraftRow]:
        return list(self._rows)

    def row_at(self, row: int) -> DraftRow:
        return self._rows[row]

    def find(self, post_id: int) -> QModelIndex:
        for i, r in enumerate(self._rows):
            if r.id == post_id:
                return self.index(i, 0)
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.first_words or "(no text yet)"
        if role == ROW_ROLE:
            return row
        if role == UPDATED_ROLE:
            return f"Updated {ago(row.updated_at, self.now, self.zone)}"
        if role == COUNTS_ROLE:
            return counts(row)
        if role == PLANNED_ROLE:
            return (
                f"Planned {_day(format_local(row.planned_at, '%a %d %b %H:%M', self.zone))}" if row.planned_at else ""
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(row)
        return None

    def _when(self, at: datetime) -> str:
        return f"{_day(format_local(at, '%a %d %b %Y %H:%M', self.zone))} ({zone_label(self.zone)})"

    def _tooltip(self, row: DraftRow) -> str:
        lines = [row.text.strip() or "(no text yet)", ""]
        to = ", ".join(t.handle for t in row.targets) or "no account yet"
        lines.append(f"To: {to}")
        if row.campaign:
            lines.append(f"Campaign: {row.campaign}")
        if row.planned_at:
            lines.append(f"Planned for {self._when(row.planned_at)}")
        lines.append(f"Last edited {self._when(row.updated_at)}")
        lines.append("Enter opens it; drag it onto the calendar to schedule it.")
        return "\n".join(lines)

    def _spoken(self, row: DraftRow) -> str:
        said = [row.first_words or "Draft with no text yet"]
        said.append(f"to {', '.join(t.handle for t in row.targets)}" if row.targets else "no account yet")
        if row.campaign:
            said.append(f"campaign {row.campaign}")
        extra = counts(row)
        if extra:
            said.append(extra)
        said.append(f"updated {ago(row.updated_at, self.now, self.zone)}")
        return ", ".join(said)

    # --- dragging ----------------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [POST_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The first dragged draft's post id, as ASCII digits (the calendar schedules one post per drop)."""
        data = QMimeData()
        valid = [i for i in indexes if i.isValid()]
        if valid:
            data.setData(POST_MIME, str(self._rows[valid[0].row()].id).encode("ascii"))
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
