"""UTM tags on the links of a campaign's posts, without touching anything else the user wrote.

A link is an ``http://`` or ``https://`` URL with a dotted host that starts the text or follows
whitespace or ``(`` — the links both Mastodon and Bluesky make clickable (neither links a bare
``example.com``), so what is tagged is exactly what the networks count as a link. Trailing
punctuation (``.,:;!?'"*``) and a ``)`` that closes the user's own parenthesis are not part of it.

Each campaign link gets ``utm_source`` (the campaign's, else the network id: ``mastodon``,
``bluesky``), ``utm_medium`` (else ``social``), ``utm_campaign`` (else a slug of the campaign's
name) and ``utm_term``/``utm_content`` when the campaign sets them. Existing query strings and
fragments are kept (the tags go before ``#``); a link that already has any ``utm_*`` parameter,
and a link the user opted out (``Post.no_utm``), is left exactly as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import regex

#: In the order they are added.
UTM_KEYS = ("source", "medium", "campaign", "term", "content")
DEFAULT_MEDIUM = "social"
EXAMPLE_URL = "https://example.com/page"

_LINK = regex.compile(
    r"(?:(?<=^|[\s(]))https?://"
    r"(?:[\p{L}\p{N}-]+\.)+[\p{L}\p{N}-]{2,}(?::\d{1,5})?"  # a dotted host (IDN as written), optional port
    r"(?:[/?#][^\s<>\"]*)?",
    regex.IGNORECASE,
)
_TRAILING = ".,:;!?'\"*"
_PARTS = regex.compile(r"^(?P<base>[^?#]*)(?P<query>\?[^#]*)?(?P<fragment>#.*)?$", regex.DOTALL)
_SLUG_GAP = regex.compile(r"[^\p{L}\p{N}]+")


@dataclass(frozen=True)
class Link:
    """A link found in a text: code-point span [start, end) and the URL as written."""

    start: int
    end: int
    url: str


def find_links(text: str) -> list[Link]:
    """The links in ``text``, in order (see the module docstring for what counts)."""
    found = []
    for m in _LINK.finditer(text):
        start, end = m.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        # A closing parenthesis belongs to the URL only if the URL opened one.
        while end > start and text[end - 1] == ")" and text.count("(", start, end) < text.count(")", start, end):
            end -= 1
            while end > start and text[end - 1] in _TRAILING:
                end -= 1
        url = text[start:end]
        if "://" in url and len(url) > url.index("://") + 3:
            found.append(Link(start, end, url))
    return found


def links_in(texts: Iterable[str]) -> list[str]:
    """Each distinct link in ``texts``, in order of first appearance."""
    return list(dict.fromkeys(link.url for text in texts for link in find_links(text)))


def has_utm(url: str) -> bool:
    """Whether ``url``'s query already carries a ``utm_*`` parameter."""
    m = _PARTS.match(url)
    query = (m.group("query") or "")[1:] if m else ""
    return any(pair.split("=", 1)[0].lower().startswith("utm_") for pair in query.split("&") if pair)


def tag_url(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` (``{"utm_source": "mastodon", …}``) appended to its query, before any
    ``#fragment``; values percent-encoded. Unchanged when there is nothing to add or ``url``
    already carries a ``utm_*`` parameter."""
    pairs = [(k, v) for k, v in params.items() if v]
    m = _PARTS.match(url)
    if not pairs or m is None or has_utm(url):
        return url
    added = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    query = m.group("query") or ""
    if not query:
        query = "?" + added
    elif query in ("?",) or query.endswith("&"):
        query += added
    else:
        query += "&" + added
    return m.group("base") + query + (m.group("fragment") or "")


def tag_text(text: str, params: Mapping[str, str], *, skip: Iterable[str] = ()) -> str:
    """``text`` with every link tagged (see :func:`tag_url`), except those in ``skip``. Only the
    URL substrings change: every other character is kept as written."""
    if not params:
        return text
    skipped = set(skip)
    out, last = [], 0
    for link in find_links(text):
        if link.url in skipped:
            continue
        out.append(text[last : link.start])
        out.append(tag_url(link.url, params))
        last = link.end
    out.append(text[last:])
    return "".join(out)


def slug(name: str) -> str:
    """A campaign name as a ``utm_campaign`` value: lower case, words joined by ``-``."""
    return _SLUG_GAP.sub("-", name.strip().lower()).strip("-")


def params_for(campaign: Any, network_id: str) -> dict[str, str]:
    """The ``utm_*`` parameters for a campaign's links on one network, in order.

    ``campaign`` is a :class:`~desktop.store.models.Campaign`, a ``CampaignRow`` (whose ``utm``
    dict has keys ``source``, ``medium``…), or a mapping of ``{"name": …, "source": …, …}``.
    Empty fields take the defaults: source = the network id, medium = ``social``, campaign =
    a slug of the campaign's name; term and content only when set."""
    name, values = _fields(campaign)
    out = {
        "utm_source": values.get("source") or network_id,
        "utm_medium": values.get("medium") or DEFAULT_MEDIUM,
        "utm_campaign": values.get("campaign") or slug(name),
    }
    for key in ("term", "content"):
        if values.get(key):
            out[f"utm_{key}"] = values[key]
    return {k: v for k, v in out.items() if v}


def _fields(campaign: Any) -> tuple[str, dict[str, str]]:
    if isinstance(campaign, Mapping):
        name = str(campaign.get("name") or "")
        utm = campaign.get("utm")
        source = utm if isinstance(utm, Mapping) else campaign
        return name, {k: str(source.get(k) or source.get(f"utm_{k}") or "").strip() for k in UTM_KEYS}
    name = str(getattr(campaign, "name", "") or "")
    utm = getattr(campaign, "utm", None)
    if isinstance(utm, Mapping):  # a CampaignRow
        return name, {k: str(utm.get(k) or "").strip() for k in UTM_KEYS}
    return name, {k: str(getattr(campaign, f"utm_{k}", "") or "").strip() for k in UTM_KEYS}


def example_link(campaign: Any, network_id: str) -> str:
    """What ``https://example.com/page`` becomes in this campaign's posts on ``network_id``."""
    return tag_url(EXAMPLE_URL, params_for(campaign, network_id))


def tag_parts(texts: Sequence[str], params: Mapping[str, str], *, skip: Iterable[str] = ()) -> list[str]:
    """Each part of a thread tagged (see :func:`tag_text`)."""
    skipped = tuple(skip)
    return [tag_text(t, params, skip=skipped) for t in texts]


def tagged_counterpart(url: str, originals: Sequence[str], tagged: Sequence[str]) -> str | None:
    """The tagged form of ``url`` as it stands in ``tagged`` (the same parts as ``originals`` with
    their links tagged), or None when ``url`` is not a link in ``originals``. Tagging changes
    only links, so the n-th link of a part is the n-th link of its tagged form."""
    for before, after in zip(originals, tagged, strict=False):
        a, b = find_links(before), find_links(after)
        if len(a) != len(b):
            continue
        for x, y in zip(a, b, strict=True):
            if x.url == url:
                return y.url
    return None
