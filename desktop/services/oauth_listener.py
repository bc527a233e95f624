"""The one-shot loopback listener that catches a browser sign-in's redirect (RFC 8252 §7.3).

It binds 127.0.0.1 (a free port unless one is asked for), accepts exactly one redirect to its
path whose ``state`` matches, answers the browser with a plain page, ignores anything after that
(and any redirect with another ``state``), and is closed by its owner. No Qt.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:16px system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;color:#222}}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""


def page(title: str, text: str) -> bytes:
    return _PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")


@dataclass(frozen=True)
class Redirect:
    """What the browser brought back: the query parameters of the one accepted redirect."""

    params: Mapping[str, str] = field(repr=False)

    @property
    def code(self) -> str:
        return self.params.get("code", "")

    @property
    def error(self) -> str:
        return self.params.get("error", "")

    @property
    def error_description(self) -> str:
        return self.params.get("error_description", "")


class LoopbackListener:
    """Listens on ``http://127.0.0.1:PORT{path}`` for one redirect carrying ``state``."""

    def __init__(self, state: str, *, path: str = "/callback", port: int = 0, preferred_port: int = 0) -> None:
        self.state = state
        self.path = path
        self._result: Redirect | None = None
        self._received = threading.Event()
        self._lock = threading.Lock()
        #: Redirects refused because their state did not match (for tests and diagnostics).
        self.refused = 0
        #: Redirects that came after the accepted one and were ignored.
        self.ignored = 0
        self._server = self._bind(port, preferred_port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="oauth-listener", daemon=True)
        self._thread.start()

    def _bind(self, port: int, preferred_port: int) -> ThreadingHTTPServer:
        handler = _handler_for(self._on_redirect)
        if port:  # the network matches the redirect URI exactly: this port or nothing
            return ThreadingHTTPServer(("127.0.0.1", port), handler)
        if preferred_port:  # the port a cached registration names, if it is still free
            try:
                return ThreadingHTTPServer(("127.0.0.1", preferred_port), handler)
            except OSError:
                pass
        return ThreadingHTTPServer(("127.0.0.1", 0), handler)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def _on_redirect(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        if path != self.path:
            return 404, page("Not found", "This address is not part of the sign-in.")
        with self._lock:
            if self._result is not None:
                self.ignored += 1
                return 200, page("Already signed in", "This sign-in was already finished. You can close this tab.")
            if params.get("state") != self.state:
                self.refused += 1
                return 400, page(
                    "Sign-in link not recognised",
                    "Campaign Desk is not waiting for this sign-in. Start again from the app.",
                )
            self._result = Redirect(dict(params))
            self._received.set()
        if params.get("error"):
            why = params.get("error_description") or params["error"].replace("_", " ")
            return 200, page("Sign-in not finished", f"The sign-in was not completed: {why}. You can close this tab.")
        if not params.get("code"):
            return 400, page("Sign-in not finished", "The network sent no sign-in code. Start again from the app.")
        return 200, page("Signed in", "You can close this tab and go back to Campaign Desk.")

    def wait(self, timeout: float, cancelled: Callable[[], bool]) -> Redirect | None:
        """The accepted redirect, or None when ``timeout`` seconds passed or ``cancelled()``."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            if cancelled():
                return None
            # wake up often enough that Cancel feels immediate; not a timing assumption
            if self._received.wait(min(0.1, remaining)):
                return self._result
        return self._result

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _handler_for(on_redirect: Callable[[str, dict[str, str]], tuple[int, bytes]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            status, body = on_redirect(parts.path, params)
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the query carries the code: never log it

    return Handler
