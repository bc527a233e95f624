"""Analytics: every network's metrics side by side, per post, account and campaign."""

from __future__ import annotations

from desktop.ui.pages.guided import GuidedPage


class AnalyticsPage(GuidedPage):
    key = "analytics"
    title = "Analytics"
    icon_name = "analytics"
    subtitle = "Likes, reposts, replies and followers across networks, by campaign."
    ready_title = "No metrics yet"
    ready_body = "Once posts are published, their metrics are collected here over time."
    ready_action = "Compose a post"
