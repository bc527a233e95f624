"""The composer's "Links" row: which of the post's links get the campaign's UTM tags.

Shown only when the post has a campaign and a link. A menu lists each link with an "Add UTM
tags" tick; unticking it puts the link in ``ComposeDoc.no_utm`` (saved as ``Post.no_utm``).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from desktop.ui.compose.style import glyph

#: Links longer than this are shortened in the menu (the tooltip has them whole).
SHOWN_CHARS = 60
#: A campaign name longer than this is shortened in the summary (the tooltip has it whole).
CAMPAIGN_CHARS = 28


def _shown(url: str) -> str:
    bare = url.split("://", 1)[-1]
    return bare if len(bare) <= SHOWN_CHARS else bare[: SHOWN_CHARS - 1] + "…"


class LinksRow(QWidget):
    """ "UTM tags: 2 of 3 links · Links ▾", with one "Add UTM tags" tick per link."""

    #: (url, tagged): the user ticked or unticked a link.
    toggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LinksRow")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 0, 10, 0)
        row.setSpacing(8)
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.button = QToolButton()
        self.button.setText("Links ▾")
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.button.setToolTip("Choose which links get the campaign's UTM tags")
        self.menu = QMenu(self.button)
        self.button.setMenu(self.menu)
        row.addWidget(self.summary, 1)
        row.addWidget(self.button)
        self.links: list[str] = []
        self.skipped: set[str] = set()
        self.hide()

    def set_links(self, links: Sequence[str], skipped: Sequence[str], campaign: str | None) -> None:
        """Show ``links`` (each once, in order) with those in ``skipped`` unticked; hidden without
        a campaign or a link."""
        self.links = list(links)
        self.skipped = {u for u in skipped if u in self.links}
        self.setVisible(bool(campaign) and bool(self.links))
        named = campaign or ""
        self.summary.setToolTip(f"UTM tags come from the campaign “{named}”" if named else "")
        if len(named) > CAMPAIGN_CHARS:
            campaign = named[: CAMPAIGN_CHARS - 1].rstrip() + "…"
        tagged = len(self.links) - len(self.skipped)
        total = len(self.links)
        what = "link" if total == 1 else "links"
        if tagged == total:
            words = f"UTM tags from “{campaign}” on {'the' if total == 1 else f'all {total}'} {what}."
        elif tagged == 0:
            words = f"No UTM tags: {'the' if total == 1 else f'all {total}'} {what} left as written."
        else:
            words = f"UTM tags from “{campaign}” on {tagged} of {total} links."
        self.summary.setText(words)
        self.menu.clear()
        header = self.menu.addAction("Add UTM tags to:")
        header.setEnabled(False)
        for url in self.links:
            action = QAction(_shown(url), self.menu)
            action.setCheckable(True)
            action.setChecked(url not in self.skipped)
            action.setToolTip(url)
            action.setData(url)
            action.toggled.connect(lambda on, u=url: self.toggled.emit(u, on))
            self.menu.addAction(action)
        self.menu.setToolTipsVisible(True)

    def set_icon_color(self, color: str) -> None:
        self.button.setIcon(glyph("link", color))
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
