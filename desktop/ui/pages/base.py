"""What every sidebar page shares: a title row, and refresh-on-show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from desktop.ui.pages import page_layout

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.changes import Changes
    from desktop.ui.tasks import TaskRunner


class Page(QWidget):
    """A sidebar page. Subclasses set the class attributes and build their content."""

    key: str = ""
    title: str = ""
    icon_name: str = ""
    subtitle: str = ""
    #: Long pages (Settings) scroll; the others fit their content to the window.
    scrollable: bool = False
    #: Which :mod:`desktop.ui.changes` kinds this page shows; a change to one refreshes it
    #: when visible (a hidden page is refreshed by the main window when it is next shown).
    watches: frozenset[str] = frozenset()

    #: Ask the main window to show another page by key.
    navigate = Signal(str)
    #: Ask the main window to open a post in the composer.
    edit_post = Signal(int)

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.setObjectName(f"page-{self.key}")
        runner.changed.connect(self.on_changes)
        outer, header = page_layout(self, self.title, self.subtitle)
        self.header_actions = QHBoxLayout()
        self.header_actions.setSpacing(8)
        header.addLayout(self.header_actions)
        self.body = QVBoxLayout()
        self.body.setSpacing(12)
        if self.scrollable:
            content = QWidget()
            content.setObjectName("PageContent")
            self.body.setContentsMargins(0, 0, 8, 0)
            content.setLayout(self.body)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(content)
            scroll.viewport().setAutoFillBackground(False)
            content.setAutoFillBackground(False)
            outer.addWidget(scroll, 1)
            self.scroll_area: QScrollArea | None = scroll
        else:
            outer.addLayout(self.body, 1)
            self.scroll_area = None

    def refresh(self) -> None:
        """Reload what the page shows (called when it becomes visible). Off the GUI thread."""

    def on_changes(self, changes: Changes) -> None:
        """Something changed (an operation finished): refresh if it is what this page shows and
        the page is visible. Pages that can update in place override this."""
        if changes.touches(self.watches) and self.isVisible():
            self.refresh()
