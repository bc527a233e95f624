"""The campaign legend under the calendar's toolbar: the campaigns shown in the visible range,
their colours and names. Clicking one shows only that campaign (click again, or "Show all", to
clear); hovering one marks its dates on the calendar. Names are elided, whole in the tooltip;
entries that do not fit the width go into a "+N" menu.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QWidget

from desktop.ui.calendar.model import swatch

if TYPE_CHECKING:
    from desktop.services.campaigns import CampaignRow

NAME_W = 190  # the longest a name gets before it is elided


@dataclass(frozen=True)
class LegendEntry:
    campaign_id: int
    name: str
    color: str
    starts_on: date | None = None
    ends_on: date | None = None

    @property
    def dates(self) -> str:
        if self.starts_on and self.ends_on:
            return f"{self.starts_on:%d %b %Y} – {self.ends_on:%d %b %Y}"
        if self.starts_on:
            return f"from {self.starts_on:%d %b %Y}"
        if self.ends_on:
            return f"until {self.ends_on:%d %b %Y}"
        return "no dates set"


class CampaignLegend(QWidget):
    #: Show only this campaign (its id), or all of them (None).
    chosen = Signal(object)
    #: The pointer is over this campaign's entry (its id), or over none (None).
    hovered = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CampaignLegend")
        self.entries: list[LegendEntry] = []
        self.selected: int | None = None
        self._unfiltered: dict[int, tuple[str, str]] = {}  # shown before a campaign filter
        self.buttons: list[QToolButton] = []
        self.caption = QLabel("Campaigns:")
        self.caption.setProperty("role", "muted")
        self.overflow = QToolButton()
        self.overflow.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.overflow.setAccessibleName("More campaigns")
        self.overflow.setToolTip("Campaigns that do not fit here")
        self.overflow.setMenu(QMenu(self.overflow))
        self.overflow.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        self.clear_button = QToolButton()
        self.clear_button.setText("Show all campaigns")
        self.clear_button.setToolTip("Stop showing only one campaign")
        self.clear_button.clicked.connect(lambda: self.chosen.emit(None))
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(6)
        self.row.addWidget(self.caption)
        self.row.addStretch(1)
        self.row.addWidget(self.overflow)
        self.row.addWidget(self.clear_button)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.set_entries([], None)

    def set_entries(self, entries: Sequence[LegendEntry], selected: int | None) -> None:
        if list(entries) == self.entries and selected == self.selected and self.buttons:
            return  # paging to a month with the same campaigns: the buttons stay
        self.entries = list(entries)
        self.selected = selected
        for button in self.buttons:
            self.row.removeWidget(button)
            button.hide()  # until deleteLater runs it would sit under its successor
            button.deleteLater()
        self.buttons = []
        for n, entry in enumerate(self.entries):
            button = QToolButton()
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            button.setCheckable(True)
            button.setChecked(entry.campaign_id == selected)
            button.setIcon(swatch(entry.color or "#868e96"))
            button.setIconSize(QSize(12, 12))
            button.setText(button.fontMetrics().elidedText(entry.name, Qt.TextElideMode.ElideRight, NAME_W))
            button.setAccessibleName(f"Campaign {entry.name}")
            action = "Show all campaigns again" if entry.campaign_id == selected else "Show only this campaign"
            button.setToolTip(f"<b>{entry.name}</b><br>{entry.dates}<br><i>{action}</i>")
            button.clicked.connect(lambda _c=False, e=entry: self._click(e))
            button.installEventFilter(self)
            button.setProperty("campaign_id", entry.campaign_id)
            self.row.insertWidget(1 + n, button)
            self.buttons.append(button)
        self.clear_button.setVisible(selected is not None)
        self.caption.setText("Campaigns:" if self.entries else "No campaigns in this period")
        self._fit()

    def show_campaigns(
        self, shown: Iterable[tuple[int, str, str]], selected: int | None, campaigns: Mapping[int, CampaignRow]
    ) -> None:
        """The campaigns the period shows, (id, name, colour), by name, with their dates from
        ``campaigns``; showing one campaign (``selected``), the legend keeps the others it showed
        before, to switch to one of them."""
        names = {cid: (name, color) for cid, name, color in shown}
        if selected is None:
            self._unfiltered = names
        else:
            names = {**self._unfiltered, **names}
        if selected is not None and selected not in names and selected in campaigns:
            names[selected] = (campaigns[selected].name, campaigns[selected].color)
        entries = []
        for cid, (name, color) in sorted(names.items(), key=lambda kv: kv[1][0].casefold()):
            row = campaigns.get(cid)
            entries.append(LegendEntry(cid, name, color, row.starts_on if row else None, row.ends_on if row else None))
        self.set_entries(entries, selected)

    def _click(self, entry: LegendEntry) -> None:
        self.chosen.emit(None if entry.campaign_id == self.selected else entry.campaign_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Enter:
            self.hovered.emit(watched.property("campaign_id"))
        elif event.type() == QEvent.Type.Leave:
            self.hovered.emit(None)
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Show the entries that fit the width; the rest go into the "+N" menu."""
        spacing = self.row.spacing()
        room = self.width() - self.caption.sizeHint().width() - spacing
        if self.selected is not None:
            room -= self.clear_button.sizeHint().width() + spacing
        room -= self.overflow.sizeHint().width() + spacing * 2 + 40  # "+NN more" if needed
        menu = self.overflow.menu()
        menu.clear()
        used = 0
        hidden = 0
        for button, entry in zip(self.buttons, self.entries, strict=True):
            width = button.sizeHint().width() + spacing
            fits = hidden == 0 and used + width <= room
            button.setVisible(fits)
            if fits:
                used += width
            else:
                hidden += 1
                act = menu.addAction(swatch(entry.color or "#868e96"), entry.name)
                act.triggered.connect(lambda _c=False, e=entry: self._click(e))
        self.overflow.setText(f"+{hidden} more")
        self.overflow.setVisible(hidden > 0)
