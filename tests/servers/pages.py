"""A loopback web server with the pages link previews meet: OpenGraph and Twitter tags, a bare
<title>, a redirect chain, an oversized page, a slow one, a trickling one, JSON instead of HTML,
ISO-8859-1 text, and images (one too large, and a page pointing at it).

``with serve_pages() as pages:`` starts it on 127.0.0.1 (a free port) in a thread and stops it
after. ``pages.url("/og")`` addresses a page; ``pages.events(path)`` is the server's own log of
what it did for that path (bytes written, whether the client hung up first, after how long), so
tests check size caps and timeouts from the server's side, not from a stopwatch.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.servers.fake_http import serving

BIG_PAGE_BYTES = 50_000_000
SLOW_SECONDS = 10.0
TRICKLE_SECONDS = 20.0
OG_TITLE = 'Spring launch & the "new" range'
OG_DESCRIPTION = "Twelve new colours, recycled packaging – and free shipping until May."
LATIN1_TITLE = "Café crème brûlée à Noël"


def png(width: int, height: int, *, noise: bool = False) -> bytes:
    """An RGB PNG with a diagonal blue-to-orange gradient (``noise``: incompressible pixels)."""
    rows = bytearray()
    seed = 12345
    for y in range(height):
        rows.append(0)
        for x in range(width):
            if noise:
                seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
                rows += seed.to_bytes(4, "little")[:3]
            else:
                t = (x / max(1, width - 1) + y / max(1, height - 1)) / 2
                rows += bytes((int(40 + 215 * t), int(110 + 60 * t), int(230 - 190 * t)))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + chunk(b"IEND", b"")
    )


OG_PAGE = f"""<!doctype html>
<html><head>
<meta charset="utf-8">
<title>Fallback title</title>
<meta property="og:title" content="Spring launch &amp; the &quot;new&quot; range">
<meta property="og:description" content="Twelve new colours, recycled packaging &ndash; and
    free shipping until May.">
<meta property="og:image" content="/static/spring.png">
<meta property="og:site_name" content="Example Shop">
<meta property="og:url" content="/og">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="Not the OpenGraph title">
<meta name="description" content="Not the OpenGraph description">
</head><body><svg><title>An icon</title></svg><h1>{OG_TITLE}</h1></body></html>
""".encode()

TWITTER_PAGE = b"""<!doctype html><html><head>
<title>Plain title</title>
<meta name="twitter:title" content="Card title from Twitter tags">
<meta name="twitter:description" content="Described for Twitter.">
<meta name="twitter:image" content="https://cdn.example.org/card.jpg">
</head><body></body></html>"""

TITLE_PAGE = b"""<html><head><title>
   Only   a title &amp; nothing else </title></head><body><p>Hello</p></body></html>"""

BIG_IMAGE_PAGE = b"""<html><head><meta property="og:title" content="A page with a huge picture">
<meta property="og:image" content="/static/big.png"></head></html>"""

LATIN1_PAGE = f"""<html><head><title>{LATIN1_TITLE}</title>
<meta name="description" content="Déjà vu, naïve façade"></head></html>""".encode("iso-8859-1")

LATIN1_META_PAGE = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<title>{LATIN1_TITLE}</title></head></html>""".encode("iso-8859-1")

#: The pages answered as they are: path → (status, body, content type).
FIXED: dict[str, tuple[int, bytes, str]] = {
    "/og": (200, OG_PAGE, "text/html; charset=utf-8"),
    "/twitter": (200, TWITTER_PAGE, "text/html"),
    "/title-only": (200, TITLE_PAGE, "text/html; charset=utf-8"),
    "/og-big-image": (200, BIG_IMAGE_PAGE, "text/html"),
    "/latin1": (200, LATIN1_PAGE, "text/html; charset=ISO-8859-1"),
    "/latin1-meta": (200, LATIN1_META_PAGE, "text/html"),
    "/data.json": (200, b'{"title": "not a page"}', "application/json"),
    "/missing": (404, b"<title>Not found</title>", "text/html"),
    "/static/not-an-image": (200, b"plain text", "text/plain"),
}


@dataclass
class PageServer:
    """The running server: its base URL and its log."""

    base: str
    log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    spring_png: bytes = b""

    def url(self, path: str) -> str:
        return self.base + path

    def record(self, path: str, **event: Any) -> None:
        with self.lock:
            self.log.append({"path": path, **event})

    def events(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.log if e["path"] == path]

    def requested(self) -> list[str]:
        with self.lock:
            return [e["path"] for e in self.log if e.get("event") == "request"]

    def wait_for(self, path: str, event: str, timeout: float = 30.0) -> dict[str, Any]:
        """The first ``event`` logged for ``path``, waiting for the handler thread to log it."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = [e for e in self.events(path) if e.get("event") == event]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"the server logged no {event!r} for {path}: {self.events(path)}")


def _client_gone(sock: socket.socket) -> bool:
    """True when the client closed its end (readable with nothing to read)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _handler(server: PageServer) -> type[BaseHTTPRequestHandler]:
    images = {"/static/spring.png": server.spring_png, "/static/big.png": png(700, 500, noise=True)}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            server.record(self.path, event="request", accept=self.headers.get("Accept", ""))
            path = urlsplit(self.path).path  # a query (UTM tags, say) does not change the page
            if path in FIXED:
                self._send(*FIXED[path])
            elif path.startswith("/redirect/"):
                left = int(path.rsplit("/", 1)[1])
                target = f"/redirect/{left - 1}" if left > 1 else "/og"
                self._send(302, b"", "text/html", Location=target)
            elif path == "/to-ftp":
                self._send(301, b"", "text/html", Location="ftp://127.0.0.1/file")
            elif path in ("/big", "/big-no-head"):
                self._big(path)
            elif path == "/slow":
                self._slow()
            elif path == "/trickle":
                self._trickle()
            elif path in images:
                self._send(200, images[path], "image/png")
            else:
                self._send(404, b"", "text/plain")

        def _big(self, path: str) -> None:
            """A page far over any cap: its title first (in a head that ends at once, or never
            for /big-no-head), then filler; logs how much got out."""
            head = b"<html><head><title>A very long page</title>" + (b"</head><body>" if path == "/big" else b"")
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(BIG_PAGE_BYTES))
            self.end_headers()
            sent, filler = 0, b"<p>" + b"x" * 65_529 + b"</p>"
            try:
                self.wfile.write(head)
                sent = len(head)
                while sent < BIG_PAGE_BYTES:
                    piece = filler[: BIG_PAGE_BYTES - sent]
                    self.wfile.write(piece)
                    sent += len(piece)
            except OSError:
                server.record(path, event="hung up", sent=sent)
                return
            server.record(path, event="finished", sent=sent)

        def _slow(self) -> None:
            """Answers only after SLOW_SECONDS, unless the client gives up first (logged)."""
            start = time.monotonic()
            while time.monotonic() - start < SLOW_SECONDS:
                if _client_gone(self.connection):
                    server.record("/slow", event="hung up", after=time.monotonic() - start)
                    return
                time.sleep(0.02)
            try:
                self._send(200, b"<title>Too late</title>", "text/html")
            except OSError:
                pass
            server.record("/slow", event="answered", after=time.monotonic() - start)

        def _trickle(self) -> None:
            """Headers at once, then one byte every 50 ms for TRICKLE_SECONDS (each read is
            quick, so only a deadline on the whole fetch stops it)."""
            start = time.monotonic()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            sent = 0
            try:
                self.wfile.write(b"<html><head><title>Trickle</title>")
                self.wfile.flush()
                while time.monotonic() - start < TRICKLE_SECONDS:
                    if _client_gone(self.connection):
                        raise BrokenPipeError
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    sent += 1
                    time.sleep(0.05)
            except OSError:
                server.record("/trickle", event="hung up", after=time.monotonic() - start, sent=sent)
                return
            server.record("/trickle", event="finished", after=time.monotonic() - start, sent=sent)

    return Handler


@contextmanager
def serve_pages() -> Iterator[PageServer]:
    """Run the page server on 127.0.0.1 for the duration of the ``with``."""
    pages = PageServer(base="", spring_png=png(600, 315))
    with serving(_handler(pages), "page-server") as base:
        pages.base = base
        yield pages
