"""KPI tiles: the period's headline numbers, each with its change against the period before."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from desktop.ui.analytics.charts import colors_for
from desktop.ui.analytics.wording import delta, number, percent, signed

if TYPE_CHECKING:
    from desktop.services.analytics import KpiComparison


@dataclass(frozen=True)
class KpiSpec:
    name: str  # the Kpis field, also the name KpiComparison.delta takes
    title: str
    show: Callable[[Any], str]
    tooltip: str
    optional: bool = False  # shown only when some account in scope reports it


KPIS: tuple[KpiSpec, ...] = (
    KpiSpec("posts", "Posts published", number, "Posts that went out in this period, one per account."),
    KpiSpec(
        "engagements",
        "Engagements",
        number,
        "Likes, reposts, replies and quotes (and saves where offered) on posts published in this period.",
    ),
    KpiSpec(
        "engagement_rate",
        "Engagement rate",
        percent,
        "Per post: its engagements divided by the account's followers when it was published; averaged.",
    ),
    KpiSpec(
        "follower_change",
        "Follower change",
        signed,
        "Followers at the end of the period minus at its start, over the accounts shown.",
    ),
    KpiSpec("impressions", "Impressions", number, "How often posts were seen, where the network reports it.", True),
    KpiSpec("link_clicks", "Link clicks", number, "Clicks on links in posts, where the network reports it.", True),
)


class KpiTile(QFrame):
    def __init__(self, spec: KpiSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setProperty("role", "card")
        self.setToolTip(spec.tooltip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.title = QLabel(spec.title)
        self.title.setProperty("role", "muted")
        self.value = QLabel("—")
        self.value.setObjectName(f"kpi-{spec.name}")
        self.value.setStyleSheet("font-size: 22px; font-weight: 600;")
        self.delta = QLabel("—")
        self.delta.setWordWrap(True)
        self._tone = "none"
        for w in (self.title, self.value, self.delta):
            layout.addWidget(w)
        self.setMinimumWidth(120)

    def set_values(self, value: Any, change: float | None) -> None:
        self.value.setText(self.spec.show(value))
        text, self._tone = delta(change)
        self.delta.setText(f"{text} vs before" if self._tone != "none" else "— not comparable")
        self.delta.setToolTip(
            "Change against the same number of days just before."
            if self._tone != "none"
            else "The previous period had nothing to compare with."
        )
        self._paint_tone()

    def _paint_tone(self) -> None:
        c = colors_for(self.palette())
        color = {"up": c.success, "down": c.danger}.get(self._tone, c.muted)  # AA on the card in both themes
        self.delta.setStyleSheet(f"color: {color}; font-size: 12px;")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_tone()
        super().changeEvent(event)


class KpiRow(QWidget):
    """The tiles in a grid that wraps at narrow widths, and what the networks do not report."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(10)
        outer.addLayout(self.grid)
        self.tiles = {spec.name: KpiTile(spec, self) for spec in KPIS}
        self.shown = [spec.name for spec in KPIS if not spec.optional]
        self.missing = QLabel()
        self.missing.setProperty("role", "muted")
        self.missing.setWordWrap(True)
        self.missing.setObjectName("missing-metrics")
        outer.addWidget(self.missing)
        self._columns = 0
        self._layout_tiles()

    def set_comparison(self, comparison: KpiComparison, missing: Sequence[str]) -> None:
        current = comparison.current
        self.shown = []
        for name, tile in self.tiles.items():
            value = getattr(current, name)
            if not (tile.spec.optional and value is None):
                self.shown.append(name)
            tile.set_values(value, comparison.delta(name))
        self.missing.setText(" ".join(missing))
        self.missing.setVisible(bool(missing))
        self._layout_tiles(force=True)

    def visible_tiles(self) -> list[KpiTile]:
        return [self.tiles[name] for name in self.shown]

    def _layout_tiles(self, *, force: bool = False) -> None:
        tiles = self.visible_tiles()
        columns = max(1, min(len(tiles), max(2, self.width() // 150)))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for tile in self.tiles.values():
            self.grid.removeWidget(tile)
            tile.setVisible(tile in tiles)
        for i, tile in enumerate(tiles):
            self.grid.addWidget(tile, i // columns, i % columns)
        for c in range(6):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._layout_tiles()


def kpi_table(comparison: KpiComparison) -> list[tuple[str, str, str, str]]:
    """(title, this period, previous period, change) for every KPI offered: the PDF report's table."""
    rows = []
    for spec in KPIS:
        value = getattr(comparison.current, spec.name)
        if spec.optional and value is None:
            continue
        change, _tone = delta(comparison.delta(spec.name))
        rows.append((spec.title, spec.show(value), spec.show(getattr(comparison.previous, spec.name)), change))
    return rows


ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
