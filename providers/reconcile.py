"""What ``Provider.find_published`` is built from on networks without an idempotency key (X, Threads,
Mastodon past its key's hour, Facebook): each part's text as given, texts compared the way a network
gives them back, and the longest live prefix of a thread, found part by part.

How the first part and each reply are found is the network's own business (its timeline, its reply
edge, its thread context); a provider passes those finders to :func:`live_prefix`."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import httpx
import regex

from providers.base import PublishedPart
from providers.http import server_clock_offset
from providers.times import as_utc

#: How far before ``since`` the account's posts are read back: our clock and the network's may disagree.
CLOCK_SKEW = timedelta(minutes=2)
#: The most by which a clock found ahead of the network's widens that (see :func:`read_back_from`).
MAX_CLOCK_CORRECTION = timedelta(hours=1)
#: ``Date`` has whole seconds and the reply takes a moment: a difference this small is no difference.
CLOCK_NOISE = timedelta(seconds=2)

_SPACE = regex.compile(r"\s+")


def part_texts(text: str | Sequence[str]) -> list[str]:
    """``find_published``'s ``text``, one text per part: a post's text, or each part's for a thread."""
    return [text] if isinstance(text, str) else list(text)


def read_back_from(since: datetime, client: httpx.Client | None = None) -> datetime:
    """The earliest time a post made since ``since`` (naive: UTC; by our clock) can carry, by the
    network's clock: CLOCK_SKEW earlier, and earlier still by as much as our clock is ahead of the
    server ``client`` talks to (its replies' ``Date``). A clock minutes fast would otherwise look
    past the post a lost reply made, and the post would be sent a second time."""
    oldest = as_utc(since) - CLOCK_SKEW
    offset = server_clock_offset(client) if client is not None else None
    if offset is None or offset > -CLOCK_NOISE.total_seconds():  # in step, or the server ahead: as usual
        return oldest
    # At most MAX_CLOCK_CORRECTION: a server (or a proxy) sending a wild Date must not make an older
    # post with the same text pass for this one (the post would then never be sent).
    return oldest - min(timedelta(seconds=-offset), MAX_CLOCK_CORRECTION)


def comparable_text(text: str) -> str:
    """A post's text as reconciliation compares it: NFC, runs of white space as one space, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def live_prefix(
    texts: Sequence[str],
    done: Sequence[PublishedPart],
    first: Callable[[str], PublishedPart | None],
    reply: Callable[[PublishedPart, str, int], PublishedPart | None],
) -> list[PublishedPart] | None:
    """The longest prefix of a thread that is live: ``done``, else the first part as ``first(text)``
    finds it; then each further part as ``reply(parent, text, index)`` finds it among the replies to
    the part before, until one is missing. None when not even the first part is live."""
    parts = list(done)
    if not parts:
        found = first(texts[0])
        if found is None:
            return None
        parts.append(found)
    while len(parts) < len(texts):
        found = reply(parts[-1], texts[len(parts)], len(parts))
        if found is None:
            break
        parts.append(found)
    return parts
