"""Account chips: one toggle per connected account (network logo + handle) and a "+" menu."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from desktop.services.compose import Target
from desktop.ui.compose.style import colors
from desktop.ui.icons import icon, network_icon


class AccountChips(QWidget):
    """Which accounts the post goes to. ``changed`` carries the selected ids, in display order."""

    changed = Signal(list)
    connect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self.label = QLabel("Post to")
        self.label.setProperty("role", "muted")
        self._row.addWidget(self.label)
        self.chips: dict[int, QToolButton] = {}
        self.more = QToolButton()
        self.more.setProperty("tool", True)
        self.more.setToolTip("Select accounts")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setMenu(QMenu(self.more))
        self.more.menu().aboutToShow.connect(self._fill_menu)
        self._row.addWidget(self.more)
        self._row.addStretch(1)
        self._targets: list[Target] = []

    def set_targets(self, targets: Sequence[Target], selected: Sequence[int]) -> None:
        for chip in self.chips.values():
            chip.deleteLater()
        self.chips.clear()
        self._targets = list(targets)
        self.more.setIcon(icon("plus", colors(self).text))
        for i, t in enumerate(self._targets):
            chip = QToolButton()
            chip.setProperty("chip", True)
            chip.setObjectName(f"chip-{t.account_id}")
            chip.setCheckable(True)
            chip.setChecked(t.account_id in selected)
            chip.setIcon(network_icon(t.network))
            chip.setIconSize(QSize(16, 16))
            chip.setText(t.label)
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            note = "" if t.status == "connected" else f" — {t.status.replace('_', ' ')}"
            chip.setToolTip(f"{t.network_name}: {t.display_name} ({t.label}){note}")
            chip.toggled.connect(self._emit)
            self._row.insertWidget(1 + i, chip)
            self.chips[t.account_id] = chip

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
