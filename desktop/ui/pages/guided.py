"""Guiding a new user: pages whose content depends on having accounts. (The "Get started"
checklist above every page is in :mod:`desktop.ui.pages.first_run`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QStackedWidget

from desktop.services.accounts import list_accounts
from desktop.ui.pages.base import Page
from desktop.ui.widgets.empty_state import EmptyState

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class GuidedPage(Page):
    """Shows ``no_accounts`` until an account is connected, then ``ready`` (its own empty state)
    or the page's content once there is some."""

    #: (title, body) when the page has nothing yet but accounts exist; action goes to ``ready_target``.
    ready_title: str = ""
    ready_body: str = ""
    ready_action: str = ""
    ready_target: str = "compose"

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self.no_accounts = EmptyState(
            "accounts",
            "No accounts yet",
            f"Connect a social account first; then {self.title} shows your posts here.",
            "Connect an account",
            lambda: self.navigate.emit("accounts"),
        )
        self.ready = EmptyState(
            self.icon_name,
            self.ready_title,
            self.ready_body,
            self.ready_action,
            lambda: self.navigate.emit(self.ready_target),
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.no_accounts)
        self.stack.addWidget(self.ready)
        self.body.addWidget(self.stack, 1)

    def refresh(self) -> None:
        self.runner.run(
            lambda: len(list_accounts(self.ctx)),
            on_done=self._show_state,
            name=f"{self.key}_state",
            owner=self,  # a failed read is shown by the window's default error display
        )

    def _show_state(self, account_count: int) -> None:
        self.stack.setCurrentWidget(self.ready if account_count else self.no_accounts)
