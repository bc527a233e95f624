"""LinkedIn's "little" text format for a post's ``commentary``.

https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format?view=li-lms-2026-05
(also held at ?view=li-lms-2024-11): "Characters reserved for little elements must be escaped to be
treated as plaintext" and "All reserved characters need to be escaped with a backslash, even if those
characters are not used in one of the supported elements". Unescaped, LinkedIn cuts the post at the
first one. The reserved characters are ``| { } @ [ ] ( ) < > # \\ * _ ~``.

Hashtags: a ``#`` is reserved, so ``#launch`` typed by the user is written with the documented
HashtagTemplate ``{hashtag|#|launch}`` (the page's own example: ``{hashtag|#|Technology}``), which
LinkedIn shows as the clickable hashtag the user meant; a ``#`` that starts no word is escaped as
``\\#``. An ``@`` is always escaped: a mention needs the person's URN (``@[Name](urn:li:person:…)``),
which typed text does not carry, so ``@name`` posts as typed, not as a mention.
"""

from __future__ import annotations

import regex

RESERVED = frozenset("|{}@[]()<>#\\*_~")

# A hashtag: '#' (U+0023 or the fullwidth U+FF03, both allowed by the template) not preceded by a
# letter, digit or another '#', followed by letters and digits. Underscores are left out of the tag
# (they are reserved and the template's value would need them escaped too).
_HASHTAG = regex.compile(r"(?<![\p{L}\p{N}#＃])([#＃])([\p{L}\p{M}\p{N}]+)")
_TEMPLATE = regex.compile(r"\{hashtag\|([#＃])\|([^|{}]+)\}")


def escape_plain(text: str) -> str:
    """Every reserved character backslash-escaped: ``text`` as plain text."""
    return "".join("\\" + ch if ch in RESERVED else ch for ch in text)


def to_commentary(text: str) -> str:
    """The user's ``text`` as little ``commentary``: hashtags as HashtagTemplates, everything else
    shown exactly as typed."""
    out: list[str] = []
    last = 0
    for m in _HASHTAG.finditer(text):
        out.append(escape_plain(text[last : m.start()]))
        out.append(f"{{hashtag|{m.group(1)}|{m.group(2)}}}")
        last = m.end()
    out.append(escape_plain(text[last:]))
    return "".join(out)


def from_commentary(commentary: str) -> str:
    """The text a ``commentary`` shows (the inverse of :func:`to_commentary`, near enough to compare
    a post LinkedIn returns with the text we sent): templates back to ``#tag``, escapes removed,
    mentions ``@[Name](urn)`` shown as ``Name``."""
    text = _TEMPLATE.sub(lambda m: m.group(1) + m.group(2), commentary)
    text = regex.sub(r"@\[([^\]]*)\]\((urn:li:[^)]*)\)", r"\1", text)
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in RESERVED:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2
