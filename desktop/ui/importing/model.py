"""The import preview table: one row per CSV record, bad rows tinted with their problems.

Times are shown in the zone the file was read in (the user's zone), named in the When header.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from desktop.services.csv_import import ImportPlan, ImportRow
from desktop.services.zones import zone_label
from desktop.ui import theme
from desktop.ui.icons import icon
from desktop.ui.widgets.table_model import Column, Index, RowTableModel

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def excerpt(text: str, width: int = 44) -> str:
    flat = " ".join(text.split())
    return flat[: width - 1] + "…" if len(flat) > width else flat


class ImportPreviewModel(RowTableModel[ImportRow]):
    LINE, STATUS, WHEN, ACCOUNTS, TEXT, MEDIA, PROBLEMS = range(7)

    def __init__(self, colors: theme.Colors | None = None, parent: QObject | None = None) -> None:
        self._plan: ImportPlan | None = None
        self._paint(colors or theme.current())
        super().__init__(
            [
                Column("Line", lambda r: r.line, align=RIGHT),
                Column(
                    "",
                    lambda r: r.ok,
                    display=lambda r: "",
                    decoration=lambda r: self._ok_icon if r.ok else self._bad_icon,
                    tooltip=lambda r: "Ready" if r.ok else f"{len(r.errors)} problem(s)",
                ),
                Column("When", lambda r: r.first_time or datetime.max, display=self._when),
                Column(
                    "Accounts",
                    lambda r: ", ".join(t.handle for t in r.targets) or r.raw_accounts,
                    tooltip=lambda r: "\n".join(f"{t.network}: {t.handle}" for t in r.targets),
                ),
                Column("Text", lambda r: r.text, display=lambda r: excerpt(r.text), tooltip=lambda r: r.text),
                Column("Media", lambda r: len(r.media), display=lambda r: str(len(r.media) or ""), align=RIGHT),
                Column(
                    "Problems",
                    lambda r: "; ".join(r.errors),
                    display=lambda r: "\n".join(r.errors),
                    tooltip=self._problems,
                ),
            ],
            parent,
        )

    def _paint(self, colors: theme.Colors) -> None:
        self._danger = QColor(colors.danger)  # the theme's danger colour is AA text on its base
        self._ok_icon = icon("check", colors.success)
        self._bad_icon = icon("warning", colors.danger)
        self._tint = QColor(colors.danger)
        self._tint.setAlpha(34)  # reads on light and dark bases alike

    def set_colors(self, colors: theme.Colors) -> None:
        """A theme switch: the tint, the problems' colour and the status icons follow it."""
        self._paint(colors)
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def problem_color(self) -> QColor:
        return QColor(self._danger)

    def set_plan(self, plan: ImportPlan | None) -> None:
        self._plan = plan
        self.set_rows(plan.rows if plan else [])
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.WHEN, self.WHEN)

    def details(self, row: ImportRow) -> str:
        """One row whole, for the view beneath the table: line, state, accounts, time, text, every problem."""
        head = f"Line {row.line}: " + ("ready to import." if row.ok else f"{len(row.errors)} problem(s):")
        lines = [head, *(f"• {e}" for e in row.errors)]
        accounts = ", ".join(t.handle for t in row.targets) or row.raw_accounts or "none given"
        lines.append(f"Accounts: {accounts}")
        lines.append(f"When: {self._when(row) or 'not given'} ({self.zone_name()})")
        lines.append(f"Text: {row.text.strip() or '(empty)'}")
        return "\n".join(lines)

    def zone_name(self) -> str:
        """The zone the file's times were read in and are shown in ("your computer's zone" when none)."""
        zone = self._plan.zone if self._plan else None
        return zone_label(zone) if zone is not None else "your computer's time zone"

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and section == self.WHEN and self._plan is not None:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"When ({self.zone_name()})"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Times in {self.zone_name()}, the time zone set in Settings"
        return super().headerData(section, orientation, role)

    def _when(self, row: ImportRow) -> str:
        first = row.first_time
        if first is None:
            return "no free slot" if row.from_queue else row.raw_time
        local = first.astimezone(self._plan.zone if self._plan else None)
        text = f"{local:%a %d %b %Y, %H:%M}"
        return f"{text} · queue" if row.from_queue else text

    @staticmethod
    def _problems(row: ImportRow) -> str:
        if row.ok:
            return "Ready to import."
        return f"Line {row.line}:\n" + "\n".join(f"• {e}" for e in row.errors)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid():
            row = self.row_at(index.row())
            if role == Qt.ItemDataRole.BackgroundRole and not row.ok:
                return self._tint
            if role == Qt.ItemDataRole.ToolTipRole and not row.ok and index.column() != self.TEXT:
                return self._problems(row)
            if role == Qt.ItemDataRole.ForegroundRole and index.column() == self.PROBLEMS:
                return self._danger
        return super().data(index, role)
