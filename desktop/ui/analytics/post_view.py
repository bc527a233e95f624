"""One post's view: its text and link, its newest counters, and their history from the snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.services.metric_names import LABELS, label
from desktop.services.zones import format_local, zone_label
from desktop.ui import theme
from desktop.ui.analytics.charts import ChartCard, history_chart
from desktop.ui.analytics.wording import number, percent
from desktop.ui.errors import explain
from desktop.ui.icons import icon

if TYPE_CHECKING:
    from desktop.services.analytics import MetricPoint, TopPost
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class PostDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        post: TopPost,
        zone: ZoneInfo,
        parent: QWidget | None = None,
        *,
        network: str | None = None,  # the network's name ("Mastodon"); its id when not known
    ) -> None:
        super().__init__(parent)
        self.ctx, self.runner, self.post = ctx, runner, post
        network = network or post.network
        self.setWindowTitle(f"Post on {network} · {post.handle}")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        when = format_local(post.published_at, "%a %d %b %Y, %H:%M", zone)
        where = f"{post.handle} · {network} · published {when} ({zone_label(zone)})"
        if post.campaign:
            where += f" · campaign {post.campaign}"
        if post.external:
            where += " · published outside Campaign Desk"
        meta = QLabel(where)
        meta.setProperty("role", "muted")
        meta.setWordWrap(True)
        text = QLabel(post.text)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setStyleSheet("font-size: 14px;")
        counters = [f"{label(m)} {number(v)}" for m, v in sorted(post.metrics.items())]
        counters.append(f"Engagements {number(post.engagements)}")
        if post.engagement_rate is not None:
            counters.append(f"rate {percent(post.engagement_rate, 2)} per follower")
        totals = QLabel(" · ".join(counters))
        totals.setWordWrap(True)
        for w in (meta, text, totals):
            layout.addWidget(w)
        self.zone = zone
        self.chart = ChartCard(f"Over time ({zone_label(zone)})", "Loading its history…")
        self.chart.set_chart(None)
        layout.addWidget(self.chart, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("Open post")
        self.open_button.setEnabled(bool(post.url))
        self.open_button.setToolTip(post.url or "This post has no public link.")
        self.open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl(post.url)))
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._restyle(theme.current())
        theme.notifier().changed.connect(self._restyle)
        self.loaded = False
        self._load()

    def _load(self) -> None:
        from desktop.services import analytics

        variant_id = self.post.variant_id
        self.runner.run(
            lambda: analytics.post_history(self.ctx, variant_id),
            on_done=self._show,
            on_error=self._failed,
            name="post_history",
            owner=self,
        )

    def _show(self, points: list[MetricPoint]) -> None:
        self.loaded = True
        if not points:
            self.chart.set_chart(None, "No snapshots of this post yet. “Sync now” on the Analytics page measures it.")
            return
        self.chart.set_chart(history_chart(points, dict(LABELS), self.zone))

    def _failed(self, exc: Exception) -> None:
        self.loaded = True
        explained = explain(exc)
        self.chart.set_chart(None, f"Its history could not be loaded. {explained.sentence}")
        self.chart.empty.setToolTip(explained.details)

    def _restyle(self, colors: theme.Colors) -> None:
        self.open_button.setIcon(icon("link", colors.text))
