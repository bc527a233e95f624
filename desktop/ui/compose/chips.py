"""Account chips: one toggle per connected account (network logo + handle) and a "+" menu.

The chips wrap onto more rows when the window is narrow; a long handle is shortened with "…"
(the tooltip and the accessible name have it whole)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QMenu, QToolButton, QWidget

from desktop.services.compose import Target
from desktop.ui import theme
from desktop.ui.compose.flow import FlowLayout
from desktop.ui.icons import icon, network_icon

#: A chip's handle is shortened past this width (px).
HANDLE_PX = 130


class AccountChips(QWidget):
    """Which accounts the post goes to. ``changed`` carries the selected ids, in display order."""

    changed = Signal(list)
    connect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._flow = FlowLayout(self, spacing=6)
        self.label = QLabel("Post to")
        self.label.setProperty("role", "muted")
        self.label.setMinimumHeight(30)
        self._flow.addWidget(self.label)
        self.chips: dict[int, QToolButton] = {}
        self.more = QToolButton()
        self.more.setProperty("tool", True)
        self.more.setToolTip("Select accounts")
        self.more.setAccessibleName("Select accounts")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setMenu(QMenu(self.more))
        self.more.menu().aboutToShow.connect(self._fill_menu)
        self._flow.addWidget(self.more)
        self._targets: list[Target] = []
        self._full_width = 0
        self.restyle(theme.current())

    def restyle(self, c: theme.Colors) -> None:
        self.more.setIcon(icon("plus", c.text))

    def set_targets(self, targets: Sequence[Target], selected: Sequence[int]) -> None:
        for chip in self.chips.values():
            self._flow.removeWidget(chip)
            chip.deleteLater()
        self.chips.clear()
        self._targets = list(targets)
        for i, t in enumerate(self._targets):
            chip = QToolButton(self)
            chip.setProperty("chip", True)
            chip.setObjectName(f"chip-{t.account_id}")
            chip.setCheckable(True)
            chip.setChecked(t.account_id in selected)
            chip.setIcon(network_icon(t.network))
            chip.setIconSize(QSize(16, 16))
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setText(t.label)
            note = "" if t.status == "connected" else f" — {t.status.replace('_', ' ')}"
            chip.setToolTip(f"{t.network_name}: {t.display_name} ({t.label}){note}")
            chip.setAccessibleName(f"Post to {t.network_name} {t.label}")
            chip.toggled.connect(self._emit)
            self._flow.insertWidget(1 + i, chip)
            chip.show()
            self.chips[t.account_id] = chip
        self._full_width = 0
        self._shorten(self.width())
        self.updateGeometry()

    def _shorten(self, width: int) -> None:
        """Whole handles when they fit on one row, else each shortened in the middle."""
        shown = [t for t in self._targets if t.account_id in self.chips]
        if not self._full_width:
            for t in shown:
                self.chips[t.account_id].setText(t.label)
            parts = [self.label, self.more, *self.chips.values()]
            self._full_width = sum(w.sizeHint().width() + 6 for w in parts)
        short = width < self._full_width
        for t in shown:
            chip = self.chips[t.account_id]
            text = chip.fontMetrics().elidedText(t.label, Qt.TextElideMode.ElideMiddle, HANDLE_PX) if short else t.label
            if chip.text() != text:
                chip.setText(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._shorten(event.size().width())
        super().resizeEvent(event)

    def selected(self) -> list[int]:
        return [t.account_id for t in self._targets if self.chips[t.account_id].isChecked()]

    def set_selected(self, account_ids: Sequence[int]) -> None:
        for account_id, chip in self.chips.items():
            chip.blockSignals(True)
            chip.setChecked(account_id in account_ids)
            chip.blockSignals(False)

    def _emit(self) -> None:
        self.changed.emit(self.selected())

    def _fill_menu(self) -> None:
        menu = self.more.menu()
        menu.clear()
        for t in self._targets:
            action = menu.addAction(network_icon(t.network), f"{t.display_name}  {t.label}")
            action.setCheckable(True)
            action.setChecked(self.chips[t.account_id].isChecked())
            action.toggled.connect(lambda on, chip=self.chips[t.account_id]: chip.setChecked(on))
        menu.addSeparator()
        menu.addAction("Select all", lambda: self._all(True))
        menu.addAction("Select none", lambda: self._all(False))
        menu.addSeparator()
        menu.addAction("Connect another account…", self.connect_requested.emit)

    def _all(self, on: bool) -> None:
        self.set_selected([t.account_id for t in self._targets] if on else [])
        self._emit()
