"""Analytics: every network's metrics side by side, per post, account and campaign."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.ui.analytics.dashboard import AnalyticsView
from desktop.ui.changes import ACCOUNTS, CAMPAIGNS, METRICS, POSTS, SETTINGS
from desktop.ui.pages.base import Page

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.services.context import AppContext
    from desktop.ui.analytics.engine import MetricsEngine
    from desktop.ui.changes import Changes
    from desktop.ui.tasks import TaskRunner


class AnalyticsPage(Page):
    key = "analytics"
    title = "Analytics"
    icon_name = "analytics"
    subtitle = "Likes, reposts, replies and followers across networks, by campaign."
    watches = frozenset({METRICS, POSTS, CAMPAIGNS, ACCOUNTS, SETTINGS})
    #: The settings the dashboard shows: its days, hours and times are in the user's zone.
    SETTINGS_SHOWN = frozenset({"timezone"})

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

    def on_changes(self, changes: Changes) -> None:
        """Reload when what it shows changed; a settings write only when it is the time zone.
        Hidden, it does nothing: the window refreshes the page when it is shown again."""
        kinds = set(changes.kinds)
        if changes.settings and not changes.settings & self.SETTINGS_SHOWN:
            kinds.discard(SETTINGS)  # e.g. close-to-tray: nothing shown here changed
        if kinds & self.watches and self.isVisible():
            self.refresh()

    def show_campaign(self, campaign_id: int | None) -> None:
        """Open the campaign view (the dashboard filtered to one campaign)."""
        self.view.show_campaign(campaign_id)
