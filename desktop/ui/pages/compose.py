"""Compose: write once, tailor per network, schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QStackedWidget

from desktop.services.accounts import list_accounts
from desktop.ui import theme
from desktop.ui.changes import ACCOUNTS, CAMPAIGNS, SETTINGS, SNIPPETS, Changes
from desktop.ui.compose.composer import Composer
from desktop.ui.icons import icon
from desktop.ui.pages.base import Page
from desktop.ui.widgets.empty_state import EmptyState

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

#: Settings the composer shows the effect of (the zone its times are in, the alt-text rule).
COMPOSER_SETTINGS = frozenset({"timezone", "require_alt_text"})


class ComposePage(Page):
    key = "compose"
    title = "Compose"
    icon_name = "compose"
    subtitle = "Write once, tailor it per network, and schedule it."
    # Not POSTS: the composer's own saves report that; the post it shows is only reloaded when asked.
    watches = frozenset({ACCOUNTS, CAMPAIGNS, SNIPPETS, SETTINGS})

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
        self.new_button = QPushButton("New post")
        self.new_button.setToolTip("Start a new post (Ctrl+Shift+N); you'll be asked about the one open now")
        new_post = QShortcut(QKeySequence("Ctrl+Shift+N"), self)
        new_post.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        new_post.setWhatsThis("Compose: new post")  # Help ▸ Keyboard shortcuts lists it by this
        new_post.activated.connect(self.new_post)
        self.new_button.clicked.connect(self.new_post)
        self.header_actions.addWidget(self.new_button)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.no_accounts)
        self.stack.addWidget(self.composer)
        self.body.addWidget(self.stack, 1)
        self.new_button.hide()
        theme.notifier().changed.connect(self._restyle)
        self._restyle(theme.current())

    def _restyle(self, c: theme.Colors) -> None:
        self.new_button.setIcon(icon("plus", c.text))

    def refresh(self) -> None:
        self.runner.run(
            lambda: len(list_accounts(self.ctx)), on_done=self._show_state, name="compose_state", owner=self
        )

    def on_changes(self, changes: Changes) -> None:
        if not self.isVisible():
            return  # refreshed when next shown
        if changes.touches(frozenset({ACCOUNTS, CAMPAIGNS, SNIPPETS})) or (changes.settings & COMPOSER_SETTINGS):
            self.refresh()

    def _show_state(self, account_count: int) -> None:
        self.stack.setCurrentWidget(self.composer if account_count else self.no_accounts)
        self.new_button.setVisible(bool(account_count))
        if account_count:
            self.composer.refresh()

    def request_switch(self, then: Callable[[], None]) -> None:
        """Run ``then`` once the user has decided about the post open in the composer (see
        :meth:`Composer.request_switch`); never when they cancel."""
        self.composer.request_switch(then)

    def open_post(self, post_id: int) -> None:
        """Load a post for editing (calendar, drafts, publishing page); asks first when the
        composer holds something unsaved."""
        self.stack.setCurrentWidget(self.composer)
        self.composer.open_post(post_id)

    def new_post(self) -> None:
        """Start a new post (asks first when the composer holds something unsaved)."""
        self.composer.new_post()
