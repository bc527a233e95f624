"""Saved snippets and hashtag groups the composer can insert, kept in the settings table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.services import app_settings

if TYPE_CHECKING:
    from desktop.services.context import AppContext

KEY = "snippets"


class SnippetError(Exception):
    pass


@dataclass(frozen=True)
class Snippet:
    name: str
    text: str

    @property
    def is_hashtags(self) -> bool:
        """A hashtag group: every word is a #tag."""
        words = self.text.split()
        return bool(words) and all(w.startswith("#") for w in words)


def list_snippets(ctx: AppContext) -> list[Snippet]:
    """Saved snippets, sorted by name (case-insensitive)."""
    raw = app_settings.get(ctx, KEY) or []
    found = [Snippet(str(d.get("name", "")), str(d.get("text", ""))) for d in raw if isinstance(d, dict)]
    return sorted(found, key=lambda s: s.name.casefold())


def add_snippet(ctx: AppContext, name: str, text: str) -> Snippet:
    """Save a snippet; a snippet with the same name (any case) is replaced."""
    name, text = name.strip(), text.strip()
    if not name:
        raise SnippetError("A snippet needs a name.")
    if not text:
        raise SnippetError("A snippet needs some text.")
    kept = [s for s in list_snippets(ctx) if s.name.casefold() != name.casefold()]
    snippet = Snippet(name, text)
    _save(ctx, [*kept, snippet])
    return snippet


def remove_snippet(ctx: AppContext, name: str) -> bool:
    """Forget a snippet; False if there was none by that name."""
    current = list_snippets(ctx)
    kept = [s for s in current if s.name.casefold() != name.strip().casefold()]
    _save(ctx, kept)
    return len(kept) != len(current)


def _save(ctx: AppContext, snippets: list[Snippet]) -> None:
    app_settings.put(ctx, KEY, [{"name": s.name, "text": s.text} for s in snippets])
