"""What a user action changed, so pages refresh what they show from that (Anki's operations).

An operation runs through :meth:`desktop.ui.tasks.TaskRunner.run` with ``changes=``; when it
succeeds the runner emits ``changed(Changes)``. Every :class:`~desktop.ui.pages.base.Page`
listens: a visible page whose ``watches`` intersect the change refreshes at once, a hidden one
refreshes when it is next shown (the main window refreshes a page on show). Nothing polls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

POSTS = "posts"  # posts, variants, their states and times (schedule, edit, cancel, retry, publish)
ACCOUNTS = "accounts"  # connect, remove, reconnect, account details
CAMPAIGNS = "campaigns"  # add, edit, archive, delete
SLOTS = "slots"  # posting-queue time slots
SETTINGS = "settings"  # app settings; which keys in ``Changes.settings``
METRICS = "metrics"  # a metrics sync stored new numbers
SNIPPETS = "snippets"

KINDS = frozenset({POSTS, ACCOUNTS, CAMPAIGNS, SLOTS, SETTINGS, METRICS, SNIPPETS})


@dataclass(frozen=True)
class Changes:
    """A set of things that changed. ``settings`` names the app_settings keys written;
    ``source`` is the object that made the change (a page may skip reloading what it just did)."""

    kinds: frozenset[str] = frozenset()
    settings: frozenset[str] = frozenset()
    source: object | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        unknown = self.kinds - KINDS
        if unknown:
            raise ValueError(f"unknown change kinds: {sorted(unknown)}")

    def touches(self, kinds: frozenset[str] | set[str]) -> bool:
        return bool(self.kinds & kinds)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.kinds | other.kinds, self.settings | other.settings, self.source or other.source)

    def __bool__(self) -> bool:
        return bool(self.kinds)


def changes(*kinds: str, settings: tuple[str, ...] | frozenset[str] = (), source: object | None = None) -> Changes:
    """``changes(POSTS, CAMPAIGNS)``; a settings write: ``changes(settings=("close_to_tray",))``."""
    all_kinds = frozenset(kinds) | (frozenset({SETTINGS}) if settings else frozenset())
    return Changes(all_kinds, frozenset(settings), source)
