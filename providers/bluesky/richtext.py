"""Rich-text facets: links, mentions and hashtags located by UTF-8 **byte** offsets.

Bluesky posts carry plain text plus ``app.bsky.richtext.facet`` annotations whose ``byteStart``
(inclusive) and ``byteEnd`` (exclusive) index the UTF-8 encoding of the text. Python indexes
strings by code point, so every offset is converted with :func:`byte_offset`. Detection follows
the official client's rules (``@atproto/api`` ``detectFacets``): a mention or link starts the
text or follows whitespace or ``(``; trailing punctuation is not part of a link or tag (all of it,
where the official client drops one character; and a ``)`` only when the link opened no ``(``).

Long links are shown shortened, as the official app does before it posts (social-app
``shortenLinks``/``toShortUrl``): the text shows the host and the first 13 characters of the
path, query and fragment followed by ``...`` when those are longer than 15, and the link facet
carries the full URI. A short link is left as written. :func:`display` is the text a post
carries; :func:`measure <providers.bluesky.provider.BlueskyProvider.measure>` counts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from providers.base import count_graphemes

FACET = "app.bsky.richtext.facet"

_MENTION = regex.compile(r"(?:^|\s|\()(@)([a-zA-Z0-9.-]+)(?:\b)")
_HANDLE = regex.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
_LINK = regex.compile(r"(?:^|\s|\()(https?://\S+)", regex.IGNORECASE)
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(rf"(?:^|\s)([#＃]((?!\ufe0f)[^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+[^\s{_INVISIBLE}]*))")
_TRAILING_PUNCT = regex.compile(r"\p{P}+$")
_LINK_TRAILING = ".,;:!?\"'*"
_AUTHORITY = regex.compile(r"^(https?://)([^/?#]*)(.*)$", regex.IGNORECASE | regex.DOTALL)
#: toShortUrl: a path (with query and fragment) longer than this is cut to SHORT_KEEP characters.
SHORT_PATH = 15
SHORT_KEEP = 13
ELLIPSIS = "..."  # the official app's three dots
MAX_TAG_GRAPHEMES = 64
MAX_TAG_BYTES = 640


@dataclass(frozen=True)
class Span:
    """A detected feature: code-point span [start, end) in the text, kind and value."""

    start: int
    end: int
    kind: str  # "link" | "mention" | "tag"
    value: str  # the URI, the handle (without @), or the tag (without #)


def byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of code point ``index`` in ``text``."""
    return len(text[:index].encode("utf-8"))


def detect(text: str) -> list[Span]:
    """Links, mentions and hashtags in ``text``, in order, never overlapping."""
    spans: list[Span] = []
    for m in _LINK.finditer(text):
        start, end = m.span(1)
        while end > start and text[end - 1] in _LINK_TRAILING:
            end -= 1
        while end > start and text[end - 1] == ")" and text.count("(", start, end) < text.count(")", start, end):
            end -= 1
            while end > start and text[end - 1] in _LINK_TRAILING:
                end -= 1
        uri = text[start:end]
        if len(uri) > len("https://"):
            spans.append(Span(start, end, "link", uri))
    for m in _MENTION.finditer(text):
        handle = m.group(2).rstrip(".-")
        if not _HANDLE.match(handle):
            continue
        start = m.start(1)
        spans.append(Span(start, start + 1 + len(handle), "mention", handle.lower()))
    for m in _TAG.finditer(text):
        start = m.start(1)
        tag = _TRAILING_PUNCT.sub("", m.group(2))
        if not tag or count_graphemes(tag) > MAX_TAG_GRAPHEMES or len(tag.encode()) > MAX_TAG_BYTES:
            continue
        spans.append(Span(start, start + 1 + len(tag), "tag", tag))
    spans.sort(key=lambda s: (s.start, -s.end))
    kept: list[Span] = []
    for s in spans:  # a link wins over a "#fragment" or "@user" inside it
        if kept and s.start < kept[-1].end:
            continue
        kept.append(s)
    return kept


def short_url(uri: str) -> str:
    """How the official app shows a link: ``host`` + the first 13 characters of path, query and
    fragment + ``...`` when those are longer than 15 characters; a short link as written."""
    m = _AUTHORITY.match(uri)
    if m is None:
        return uri
    host = m.group(2).rsplit("@", 1)[-1]
    path = "" if m.group(3) == "/" else m.group(3)
    if len(path) <= SHORT_PATH:
        return uri
    return host + path[:SHORT_KEEP] + ELLIPSIS


def display(text: str) -> tuple[str, list[Span]]:
    """The text a post carries (long links shortened) and its features located in that text;
    a link span's value is still the full URI."""
    out: list[str] = []
    spans: list[Span] = []
    last = shift = 0
    for s in detect(text):
        shown = short_url(s.value) if s.kind == "link" else text[s.start : s.end]
        out.append(text[last : s.start])
        out.append(shown)
        start = s.start + shift
        spans.append(Span(start, start + len(shown), s.kind, s.value))
        shift += len(shown) - (s.end - s.start)
        last = s.end
    out.append(text[last:])
    return "".join(out), spans


def display_text(text: str) -> str:
    """``text`` as posted: long links shortened (see :func:`display`)."""
    return display(text)[0]


def facets(text: str, resolve_handle: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """The ``facets`` array for ``text`` as posted (:func:`display_text`): byte offsets into the
    shortened text, link URIs in full. ``resolve_handle`` maps a handle to a DID, or None when
    it does not exist (such a mention is left as plain text)."""
    out: list[dict[str, Any]] = []
    text, spans = display(text)
    for s in spans:
        feature: dict[str, Any]
        if s.kind == "link":
            feature = {"$type": f"{FACET}#link", "uri": s.value}
        elif s.kind == "tag":
            feature = {"$type": f"{FACET}#tag", "tag": s.value}
        else:
            did = resolve_handle(s.value)
            if not did:
                continue
            feature = {"$type": f"{FACET}#mention", "did": did}
        out.append(
            {
                "$type": FACET,
                "index": {"byteStart": byte_offset(text, s.start), "byteEnd": byte_offset(text, s.end)},
                "features": [feature],
            }
        )
    return out
