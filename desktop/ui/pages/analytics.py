"""Analytics: every network's metrics side by side, per post, account and campaign."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.ui.analytics.dashboard import AnalyticsView
from desktop.ui.pages.base import Page

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.services.context import AppContext
    from desktop.ui.analytics.engine import MetricsEngine
    from desktop.ui.tasks import TaskRunner


class AnalyticsPage(Page):
    key = "analytics"
    title = "Analytics"
    icon_name = "analytics"
    subtitle = "Likes, reposts, replies and followers across networks, by campaign."

    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        parent: QWidget | None = None,
        engine: MetricsEngine | None = None,
    ) -> None:
        super().__init__(ctx, runner, parent)
        self.view = AnalyticsView(ctx, runner, engine)
        self.view.navigate.connect(self.navigate)
        self.header_actions.addWidget(self.view.report_button)
        self.header_actions.addWidget(self.view.sync_button)
        self.body.addWidget(self.view, 1)

    def refresh(self) -> None:
        self.view.refresh()

    def show_campaign(self, campaign_id: int | None) -> None:
        """Open the campaign view (the dashboard filtered to one campaign)."""
        self.view.show_campaign(campaign_id)
