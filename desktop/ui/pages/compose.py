"""Compose: write once, tailor per network, schedule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPushButton, QStackedWidget

from desktop.services.accounts import list_accounts
from desktop.ui.compose.composer import Composer
from desktop.ui.icons import icon
from desktop.ui.pages.base import Page
from desktop.ui.widgets.empty_state import EmptyState

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class ComposePage(Page):
    key = "compose"
    title = "Compose"
    icon_name = "compose"
    subtitle = "Write once, tailor it per network, and schedule it."

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self.no_accounts = EmptyState(
            "accounts",
            "No accounts yet",
            "Connect a social account first; then write your post here once and tailor it per network.",
            "Connect an account",
            lambda: self.navigate.emit("accounts"),
        )
        self.composer = Composer(ctx, runner)
        self.composer.connect_requested.connect(lambda: self.navigate.emit("accounts"))
        self.new_button = QPushButton(icon("plus", self.palette().text().color().name()), "New post")
        self.new_button.setToolTip("Start a new post (the current one stays saved as a draft)")
        self.new_button.clicked.connect(self._new_post)
        self.header_actions.addWidget(self.new_button)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.no_accounts)
        self.stack.addWidget(self.composer)
        self.body.addWidget(self.stack, 1)
        self.new_button.hide()

    def refresh(self) -> None:
        self.runner.run(lambda: len(list_accounts(self.ctx)), on_done=self._show_state, name="compose_state")

    def _show_state(self, account_count: int) -> None:
        self.stack.setCurrentWidget(self.composer if account_count else self.no_accounts)
        self.new_button.setVisible(bool(account_count))
        if account_count:
            self.composer.refresh()

    def open_post(self, post_id: int) -> None:
        """Load a post for editing (the calendar calls this on double-click)."""
        self.stack.setCurrentWidget(self.composer)
        self.composer.open_post(post_id)

    def _new_post(self) -> None:
        self.composer.flush_autosave()
        self.composer.new_post()
