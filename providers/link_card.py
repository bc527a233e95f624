"""Link cards: a web page's title, description and image, read from its OpenGraph / Twitter tags.

Pure Python + httpx (no Qt). Used by the composer's preview (through
``desktop.services.link_preview``) and by providers that attach a card to a post (Bluesky's
``app.bsky.embed.external``). Reading a page is best effort: a page that cannot be read gives
None, a page without the tags a card with what it has; nothing here raises for a bad page.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from providers.http import USER_AGENT

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 1_000_000
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_TITLE = 300
MAX_DESCRIPTION = 1000
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# <meta charset="x"> or <meta http-equiv="Content-Type" content="text/html; charset=x">, looked for
# in the first bytes the way the HTML spec's prescan does.
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class LinkCard:
    """What a page says about itself. ``url`` is the page's canonical address (``og:url`` when it
    gives one, else where the redirects ended); ``image`` is absolute, or ""."""

    url: str
    title: str = ""
    description: str = ""
    image: str = ""
    site_name: str = ""

    @property
    def host(self) -> str:
        """The page's host without ``www.``, for the card's footer."""
        host = urlsplit(self.url).hostname or ""
        return host[4:] if host.startswith("www.") else host

    @property
    def empty(self) -> bool:
        """True when the page said nothing a card could show (only its host is known)."""
        return not (self.title or self.description or self.image)


#: Which hosts pages may be read from (None: any). The test suite limits it to loopback (also in
#: subprocesses, through ``CAMPAIGN_DESK_LINK_CARDS_LOOPBACK_ONLY=1``), so a post or a preview
#: that links to a real site never reaches the internet from a test.
hosts_allowed: Callable[[str], bool] | None = None
LOOPBACK_ONLY_ENV = "CAMPAIGN_DESK_LINK_CARDS_LOOPBACK_ONLY"


def _check_host(request: httpx.Request) -> None:
    allowed = hosts_allowed
    if allowed is None and os.environ.get(LOOPBACK_ONLY_ENV) == "1":
        from providers.http import is_loopback_host

        allowed = is_loopback_host
    if allowed is not None and not allowed(request.url.host):
        raise httpx.ConnectError(f"Reading pages from {request.url.host} is turned off here", request=request)


def card_client(transport: httpx.BaseTransport | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """A client for reading public pages: our user agent, TLS verified, redirects followed by
    :func:`fetch_card` itself (so it can count them and check each hop's scheme). Unlike the
    networks' clients it allows plain http: a page is public and no credential is sent to it."""
    kw = {"transport": transport} if transport is not None else {}
    return httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept-Language": "*"},
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        event_hooks={"request": [_check_host]},
        **kw,  # type: ignore[arg-type]
    )


def untracked(url: str) -> str:
    """``url`` without its ``utm_*`` parameters: a preview fetch is not a campaign visit, so it
    must not show up in the campaign's web analytics."""
    parts = urlsplit(url)
    if "utm_" not in parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _web_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class _TooMany(Exception):
    pass


@contextmanager
def _open(client: httpx.Client, url: str, accept: str, timeout: float) -> Iterator[httpx.Response | None]:
    """The response at the end of at most MAX_REDIRECTS redirects (streamed, body unread), or
    None when the chain is too long, leaves http(s) or a hop has no Location."""
    response: httpx.Response | None = None
    try:
        for _ in range(MAX_REDIRECTS + 1):
            request = client.build_request("GET", url, headers={"Accept": accept}, timeout=timeout)
            response = client.send(request, stream=True)
            if response.status_code not in _REDIRECTS:
                break
            location = response.headers.get("location", "")
            response.close()
            response = None
            url = urljoin(url, location.strip())
            if not location or not _web_url(url):
                break
        else:
            raise _TooMany(url)
        yield response
    except _TooMany:
        log.info("Link preview: more than %d redirects", MAX_REDIRECTS)
        yield None
    finally:
        if response is not None:
            response.close()


def _mime(response: httpx.Response) -> tuple[str, str]:
    """(media type, charset) of the response's Content-Type."""
    raw = response.headers.get("content-type", "")
    mime, _, params = raw.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'")
    return mime.strip().lower(), charset


def _read(response: httpx.Response, max_bytes: int, deadline: float, *, until: bytes = b"") -> tuple[bytes, bool]:
    """At most ``max_bytes`` of the body, read until ``deadline`` (monotonic); (data, complete).
    Stops as soon as the cap or the deadline is passed: a huge or trickling page is cut off.
    With ``until`` (lower case), stops after the first chunk that contains it."""
    data = bytearray()
    # No chunk size: httpx would wait for a full chunk, and a trickling page would dodge the deadline.
    for chunk in response.iter_bytes():  # decoded: a compressed page is capped as it unpacks
        data += chunk
        if len(data) >= max_bytes:
            return bytes(data[:max_bytes]), False
        if until and until in bytes(data[-(len(chunk) + len(until)) :]).lower():
            return bytes(data), False
        if time.monotonic() > deadline:
            return bytes(data), False
    return bytes(data), True


def _codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    # The HTML spec reads a page labelled latin-1 or ascii as windows-1252 (a superset browsers use).
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def decode_html(data: bytes, header_charset: str = "") -> str:
    """The page's text: BOM, then the header's charset, then a ``<meta>`` charset, then UTF-8
    if it is valid, else windows-1252 (the HTML spec's order, simplified)."""
    for bom, bom_codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(bom_codec, errors="replace")
    codec = _codec(header_charset) if header_charset else None
    if codec is None:
        found = _META_CHARSET.search(data[:4096])
        codec = _codec(found.group(1).decode("ascii", "replace")) if found else None
        if codec and codec.startswith("utf-16"):
            codec = "utf-8"  # a meta tag read as ASCII cannot be UTF-16; the spec says UTF-8
    if codec:
        try:
            return data.decode(codec, errors="replace")
        except LookupError:  # a bytes-to-bytes codec such as "base64" or "zlib": not a charset
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end == len(data) and exc.start >= len(data) - 3:  # the cap cut a character in two
            return data.decode("utf-8", errors="replace")
        return data.decode("cp1252", errors="replace")


class _CardParser(HTMLParser):
    """Collects ``<meta property|name=… content=…>`` and the ``<title>`` text (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self._in_svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._in_svg += 1  # an inline SVG's <title> is not the page's
        elif tag == "title" and not self._in_svg and not self.title:
            self._in_title = True
        elif tag == "meta":
            a = {k.lower(): (v or "") for k, v in attrs}
            key = (a.get("property") or a.get("name") or "").strip().lower()
            if key and "content" in a and key not in self.meta:
                self.meta[key] = a["content"]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._in_svg:
            self._in_svg -= 1
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def first(self, *keys: str) -> str:
        for key in keys:
            value = _SPACE.sub(" ", self.meta.get(key, "")).strip()
            if value:
                return value
        return ""


def _clip(text: str, limit: int) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_card(html_text: str, page_url: str) -> LinkCard:
    """The card a page's markup describes; relative image and canonical URLs resolve against
    ``page_url`` (where the page was read from, after redirects)."""
    parser = _CardParser()
    try:
        parser.feed(html_text)
        parser.close()
    except Exception:  # html.parser is lenient; this is the last line of defence for odd markup
        log.info("Link preview: unparseable markup at %s", page_url, exc_info=True)
    title = parser.first("og:title", "twitter:title") or parser.title
    description = parser.first("og:description", "twitter:description", "description")
    image = parser.first("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    image = urljoin(page_url, image) if image else ""
    canonical = parser.first("og:url")
    canonical = urljoin(page_url, canonical) if canonical else ""
    return LinkCard(
        url=canonical if _web_url(canonical) else page_url,
        title=_clip(title, MAX_TITLE),
        description=_clip(description, MAX_DESCRIPTION),
        image=image if _web_url(image) else "",
        site_name=_clip(parser.first("og:site_name", "application-name"), MAX_TITLE),
    )


def fetch_card(
    client: httpx.Client, url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES
) -> LinkCard | None:
    """The card of the page at ``url`` (http or https only), or None when it cannot be read: not
    a web address, more than 5 redirects, an error status, not HTML, a timeout or a network
    failure. At most ``max_bytes`` are read (streamed; the rest is never downloaded) and the
    whole fetch, redirects included, stops after about ``timeout`` seconds."""
    if not _web_url(url):
        return None
    deadline = time.monotonic() + timeout
    try:
        with _open(client, url.strip(), "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1", timeout) as response:
            if response is None or response.status_code != 200:
                return None
            mime, charset = _mime(response)
            if mime not in HTML_TYPES:
                return None
            # The tags a card needs are in the head: the body is never downloaded.
            data, _complete = _read(response, max_bytes, deadline, until=b"</head")
            final_url = str(response.url)
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        log.info("Link preview of %s failed: %s", url, type(exc).__name__)
        return None
    return parse_card(decode_html(data, charset), final_url)


def fetch_image(
    client: httpx.Client, url: str, max_bytes: int = DEFAULT_MAX_BYTES, *, timeout: float = DEFAULT_TIMEOUT
) -> tuple[bytes, str] | None:
    """(bytes, media type) of the image at ``url``, or None: not http(s), not ``image/*``, larger
    than ``max_bytes`` (refused from its Content-Length, or cut off while reading: a partial
    image is no image), a timeout or a network failure."""
    if not _web_url(url):
        return None
    deadline = time.monotonic() + timeout
    try:
        with _open(client, url.strip(), "image/*", timeout) as response:
            if response is None or response.status_code != 200:
                return None
            mime, _ = _mime(response)
            if not mime.startswith("image/"):
                return None
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                return None
            data, complete = _read(response, max_bytes + 1, deadline)
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        log.info("Link preview image %s failed: %s", url, type(exc).__name__)
        return None
    if not complete or len(data) > max_bytes or not data:
        return None
    return data, mime
