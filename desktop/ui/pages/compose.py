"""Compose: write once, tailor per network, schedule."""

from __future__ import annotations

from desktop.ui.pages.guided import GuidedPage


class ComposePage(GuidedPage):
    key = "compose"
    title = "Compose"
    icon_name = "compose"
    subtitle = "Write once, tailor it per network, and schedule it."
    ready_title = "Start a post"
    ready_body = "Pick the accounts to post to, write the shared text, and adjust it per network."
    ready_action = "Manage accounts"
    ready_target = "accounts"
