"""The dashboard's layout pieces: a chart grid that reflows, and the campaign view's goal panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.ui import theme
from desktop.ui.campaigns.model import goal_color

if TYPE_CHECKING:
    from desktop.services.campaign_progress import GoalProgress
    from desktop.services.campaigns import CampaignRow


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "card-title")
    return label


class ChartGrid(QWidget):
    """Chart cards two to a row when there is room, one above the other when not."""

    WIDE = 860

    def __init__(self, cards: Sequence[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards = list(cards)
        self.shown = list(cards)
        for card in cards:
            card.setParent(self)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        self.columns = 0
        self.reflow()

    def show_only(self, cards: Sequence[QWidget]) -> None:
        self.shown = [c for c in self.cards if c in cards]
        self.reflow()

    def reflow(self) -> None:
        shown = self.shown
        columns = 2 if self.width() >= self.WIDE else 1
        for c in self.cards:
            self.grid.removeWidget(c)
            c.setVisible(c in shown)
        for i, card in enumerate(shown):
            last_alone = columns == 2 and i == len(shown) - 1 and i % 2 == 0
            self.grid.addWidget(card, i // columns, i % columns, 1, 2 if last_alone else 1)
        for col in range(2):
            self.grid.setColumnStretch(col, 1 if col < columns else 0)
        self.columns = columns

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if (2 if self.width() >= self.WIDE else 1) != self.columns:
            self.reflow()


class CampaignPanel(QFrame):
    """The campaign view's header: which campaign, and how far it is towards its goal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self._shown: tuple[CampaignRow, GoalProgress | None] | None = None
        theme.notifier().changed.connect(self._paint_bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        row = QHBoxLayout()
        self.swatch = QLabel()
        self.swatch.setAccessibleName("Campaign colour")
        self.name = heading("")
        self.name.setWordWrap(True)  # a long campaign name wraps instead of widening the page
        row.addWidget(self.swatch, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.name, 1)
        layout.addLayout(row)
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setObjectName("goal-sentence")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.notes = QLabel()
        self.notes.setProperty("role", "muted")
        self.notes.setWordWrap(True)
        for w in (self.sentence, self.bar, self.notes):
            layout.addWidget(w)

    def show_campaign(self, campaign: CampaignRow, progress: GoalProgress | None) -> None:
        self._shown = (campaign, progress)
        px = QPixmap(14, 14)
        px.fill(QColor(campaign.color))
        self.swatch.setPixmap(px)
        self.name.setText(campaign.name)
        if progress is None:
            self.sentence.setText(
                "This campaign has no measurable goal. Give it one on the Campaigns page to track progress here."
            )
            self.bar.hide()
        else:
            self.sentence.setText(progress.sentence)
            self.bar.setValue(round(max(0.0, min(1.0, progress.fraction)) * 1000))
            self.bar.setAccessibleName("Goal progress")
            self.bar.setAccessibleDescription(progress.sentence)
            self._paint_bar(theme.current())
            self.bar.show()
        self.notes.setText(campaign.goal)
        self.notes.setVisible(bool(campaign.goal))

    def _paint_bar(self, colors: theme.Colors) -> None:
        """The bar in the goal's colours (as on the Campaigns page), on a track that shows in both themes."""
        progress = self._shown[1] if self._shown else None
        if progress is None:
            return
        fill = goal_color(colors, progress.fraction, progress.on_track)
        self.bar.setStyleSheet(
            f"QProgressBar {{ background: {colors.border}; border: none; border-radius: 4px; }}"
            f"QProgressBar::chunk {{ background: {fill}; border-radius: 4px; }}"
        )
