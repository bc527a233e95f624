"""The sidebar's pages, listed without importing them.

Start-up paints the window from :data:`PAGE_SPECS` (title, subtitle, icon) before the data layer
is imported; a page's module is imported, and the page built, when it is first shown
(:class:`PageSet`). Until then its place in the window is a :class:`PageFrame`: the same
header, and "Loading…" if building it takes long. tests/gui/test_lazy_pages.py holds each spec
to its class's own attributes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from desktop.ui.pages.base import Page

#: A frame whose page is not built this long after it was shown says "Loading…".
LOADING_AFTER_MS = 400


@dataclass(frozen=True)
class PageSpec:
    """What the sidebar and the shell need to know about a page before its module is imported."""

    key: str
    title: str
    icon_name: str
    subtitle: str
    target: str  # "module:Class"

    def load(self) -> type[Page]:
        module, _, name = self.target.partition(":")
        cls: type[Page] = getattr(importlib.import_module(module), name)
        return cls


#: In sidebar order; Ctrl+1… follow it.
PAGE_SPECS: tuple[PageSpec, ...] = (
    PageSpec(
        "calendar",
        "Calendar",
        "calendar",
        "Everything scheduled, published or failed, by day.",
        "desktop.ui.pages.calendar:CalendarPage",
    ),
    PageSpec(
        "queue",
        "Queue",
        "queue",
        "Weekly posting slots per account; “Add to queue” takes the next free one.",
        "desktop.ui.pages.queue:QueuePage",
    ),
    PageSpec(
        "compose",
        "Compose",
        "compose",
        "Write once, tailor it per network, and schedule it.",
        "desktop.ui.pages.compose:ComposePage",
    ),
    PageSpec(
        "drafts",
        "Drafts",
        "drafts",
        "Ideas and unfinished posts. Drag one onto the calendar to schedule it.",
        "desktop.ui.pages.drafts:DraftsPage",
    ),
    PageSpec(
        "campaigns",
        "Campaigns",
        "campaigns",
        "Group posts to plan them together and compare their results.",
        "desktop.ui.pages.campaigns:CampaignsPage",
    ),
    PageSpec(
        "analytics",
        "Analytics",
        "analytics",
        "Likes, reposts, replies and followers across networks, by campaign.",
        "desktop.ui.pages.analytics:AnalyticsPage",
    ),
    PageSpec(
        "publishing",
        "Publishing",
        "send",
        "What went out, what will retry, and what needs you.",
        "desktop.ui.pages.publishing:PublishingPage",
    ),
    PageSpec(
        "accounts",
        "Accounts",
        "accounts",
        "The social accounts Campaign Desk publishes to.",
        "desktop.ui.pages.accounts:AccountsPage",
    ),
    PageSpec(
        "settings",
        "Settings",
        "settings",
        "How Campaign Desk looks, which time zone it plans in, and how it stores and publishes.",
        "desktop.ui.pages.settings:SettingsPage",
    ),
)
SPECS_BY_KEY: dict[str, PageSpec] = {spec.key: spec for spec in PAGE_SPECS}


def page_layout(widget: QWidget, title: str, subtitle: str) -> tuple[QVBoxLayout, QHBoxLayout]:
    """``widget``'s column as every page has it (and its frame, until the page is built, so the
    header stays where it is when the page comes): the margins, and the header row with the
    title and, under it, the subtitle. Returns the column (the body goes below the header) and
    the header row (actions go at its right)."""
    outer = QVBoxLayout(widget)
    outer.setContentsMargins(28, 22, 28, 22)
    outer.setSpacing(14)
    header = QHBoxLayout()
    titles = QVBoxLayout()
    titles.setSpacing(2)
    heading = QLabel(title)
    heading.setProperty("role", "title")
    titles.addWidget(heading)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setProperty("role", "subtitle")
        sub.setWordWrap(True)  # at the minimum window size it wraps, so the header's buttons keep their text
        titles.addWidget(sub)
    header.addLayout(titles, 1)
    outer.addLayout(header)
    return outer, header


class PageFrame(QWidget):
    """A page's place before the page is built: its header (as the page draws it), and
    "Loading…" only when the page takes a while to come."""

    def __init__(self, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"frame-{spec.key}")
        outer, _header = page_layout(self, spec.title, spec.subtitle)  # the header, as the page draws it
        self.loading = QLabel()  # takes the body's room from the start, so the header stays put
        self.loading.setProperty("role", "muted")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.loading, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LOADING_AFTER_MS)
        self._timer.timeout.connect(lambda: self.loading.setText("Loading…"))

    def showEvent(self, event: object) -> None:  # type: ignore[override]
        self._timer.start()
        super().showEvent(event)  # type: ignore[arg-type]

    def hideEvent(self, event: object) -> None:  # type: ignore[override]
        self._timer.stop()
        super().hideEvent(event)  # type: ignore[arg-type]


class PageSet(Mapping[str, "Page"]):
    """The pages by key, each built the first time it is asked for (``pages["queue"]``).

    Iterating gives every key; :meth:`built` answers without building."""

    def __init__(self, build: Callable[[PageSpec], Page]) -> None:
        self._build = build
        self._built: dict[str, Page] = {}

    def __getitem__(self, key: str) -> Page:
        if key not in self._built:
            spec = SPECS_BY_KEY[key]  # KeyError for an unknown page, as a dict would
            self._built[key] = self._build(spec)
        return self._built[key]

    def __iter__(self) -> Iterator[str]:
        return iter(SPECS_BY_KEY)

    def __len__(self) -> int:
        return len(SPECS_BY_KEY)

    def __contains__(self, key: object) -> bool:
        return key in SPECS_BY_KEY

    def built(self, key: str) -> Page | None:
        """The page if it has been built, else None (nothing is built)."""
        return self._built.get(key)

    def built_keys(self) -> list[str]:
        return list(self._built)
