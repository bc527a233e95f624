"""Fixture: a checking authorization layer in front of mastodon-mock, and a test "browser".

mastodon-mock implements ``/api/v1/apps``, ``/oauth/authorize`` and ``/oauth/token`` and
advertises S256, but its token endpoint checks neither ``code_verifier`` nor ``redirect_uri``,
and its codes are guessable (``mockcode_<username>``). :class:`CheckingProxy` listens on its own
127.0.0.1 port, forwards everything to the mock, and enforces what a real server (Doorkeeper,
RFC 6749 §4.1.3, RFC 7636 §4.6) does:

- ``GET /oauth/authorize`` must carry ``code_challenge`` with ``code_challenge_method=S256``, a
  ``client_id`` the server registered and a ``redirect_uri`` registered for it;
- the code the browser is sent back with is a fresh random one (the mock's is kept server-side),
  valid once;
- ``POST /oauth/token`` must name the same ``client_id`` (with its ``client_secret``) and
  ``redirect_uri``, and a ``code_verifier`` whose S256 is the challenge; otherwise
  ``400 invalid_grant`` as Doorkeeper answers.

:class:`TestBrowser` plays the user's browser with httpx: it opens the authorize URL, picks the
account on the mock's consent page, and follows the redirect to the app's loopback listener.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.servers.mastodon import MastodonMockServer


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


@dataclass
class _Grant:
    upstream_code: str
    client_id: str
    redirect_uri: str
    challenge: str


@dataclass
class CheckingProxy:
    upstream: str
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)  # client_id -> registration
    grants: dict[str, _Grant] = field(default_factory=dict)  # our code -> what it was issued for
    pending: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (client_id, state)
    refusals: list[str] = field(default_factory=list)  # why token requests were refused
    token_requests: int = 0
    app_registrations: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._client = httpx.Client(base_url=self.upstream, timeout=10.0, follow_redirects=False)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    # --- the checks ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        if method == "POST" and path == "/api/v1/apps":
            response = self._forward(method, path, query, headers, body)
            if response.status_code == 200:
                app = response.json()
                with self._lock:
                    self.apps[app["client_id"]] = app
                    self.app_registrations += 1
            return response
        if method == "GET" and path == "/oauth/authorize":
            return self._authorize(method, path, query, headers, body)
        if method == "POST" and path == "/oauth/authorize":
            return self._consent(method, path, query, headers, body)
        if method == "POST" and path == "/oauth/token":
            return self._token(method, path, query, headers, body)
        return self._forward(method, path, query, headers, body)

    def _authorize(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        q = {k: v[0] for k, v in parse_qs(query).items()}
        app = self.apps.get(q.get("client_id", ""))
        if app is None:
            return _error(401, "invalid_client", "Client authentication failed due to unknown client.")
        if q.get("redirect_uri") not in app["redirect_uris"]:
            return _error(400, "invalid_redirect_uri", "The redirect uri included is not valid.")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return _error(400, "invalid_request", "Code challenge is required (S256).")
        with self._lock:
            self.pending[(q["client_id"], q.get("state", ""))] = q
        return self._forward(method, path, query, headers, body)

    def _consent(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        with self._lock:
            asked = self.pending.pop((form.get("client_id", ""), form.get("state", "")), None)
        if asked is None or asked.get("redirect_uri") != form.get("redirect_uri"):
            return _error(400, "invalid_request", "No authorization request to answer.")
        response = self._forward(method, path, query, headers, body)
        location = response.headers.get("location", "")
        parts = urlsplit(location)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        ours = secrets.token_urlsafe(24)
        with self._lock:
            self.grants[ours] = _Grant(
                params["code"], asked["client_id"], asked["redirect_uri"], asked["code_challenge"]
            )
        params["code"] = ours
        return httpx.Response(302, headers={"location": urlunsplit(parts._replace(query=urlencode(params)))})

    def _token(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        with self._lock:
            self.token_requests += 1
        if form.get("grant_type") != "authorization_code":
            return self._forward(method, path, query, headers, body)
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        with self._lock:
            grant = self.grants.pop(form.get("code", ""), None)  # a code is good once
        app = self.apps.get(client_id)
        why = ""
        if grant is None:
            why = "unknown or used code"
        elif app is None or app["client_secret"] != client_secret:
            why = "client authentication failed"
        elif grant.client_id != client_id:
            why = "code issued to another client"
        elif form.get("redirect_uri") != grant.redirect_uri:
            why = "redirect_uri differs from the authorization request"
        elif s256(form.get("code_verifier", "")) != grant.challenge:
            why = "code_verifier does not match the code_challenge"
        if why:
            self.refusals.append(why)
            return _error(
                400,
                "invalid_grant",
                "The provided authorization grant is invalid, expired, revoked, does not match the redirection "
                "URI used in the authorization request, or was issued to another client.",
            )
        assert grant is not None
        form["code"] = grant.upstream_code
        return self._forward(method, path, query, headers, urlencode(form).encode())

    def _forward(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        keep = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length", "connection")}
        upstream = self._client.request(
            method, path + (f"?{query}" if query else ""), headers=keep, content=body or None
        )
        return httpx.Response(
            upstream.status_code,
            headers={k: v for k, v in upstream.headers.items() if k.lower() in ("content-type", "location")},
            content=upstream.content,
        )


def _error(status: int, error: str, description: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": description})


def _handler(proxy: CheckingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = proxy.handle(self.command, parts.path, parts.query, headers, body)
            content = response.content
            self.send_response(response.status_code)
            for k, v in response.headers.items():
                if k.lower() in ("content-type", "location"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class TestBrowser:
    """Plays the user's browser: ``open(url)`` is what the app calls instead of the system one."""

    __test__ = False  # not a test class

    def __init__(self, username: str) -> None:
        self.username = username
        self.opened: list[str] = []
        self.pages: list[httpx.Response] = []  # what the app's listener answered
        #: Change the redirect before it reaches the app: ``tamper(location) -> location``.
        self.tamper: Any = None
        #: Also send this second redirect to the listener after the first.
        self.second_redirect: str | None = None
        #: Instead of consenting, come back with ``error=access_denied``.
        self.deny = False
        #: Do nothing at all (the user walked away; timeout and cancel tests).
        self.idle = False

    def open(self, url: str) -> None:
        self.opened.append(url)
        if self.idle:
            return
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        with httpx.Client(timeout=10.0, follow_redirects=False) as http:
            if self.deny:
                location = f"{q['redirect_uri']}?" + urlencode(
                    {
                        "error": "access_denied",
                        "error_description": "The resource owner denied the request.",
                        "state": q["state"],
                    }
                )
            else:
                consent = http.get(url)
                assert consent.status_code == 200, consent.text
                server = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
                form = {k: q.get(k, "") for k in ("redirect_uri", "client_id", "scope", "state")}
                answer = http.post(f"{server}/oauth/authorize", data={**form, "username": self.username})
                assert answer.status_code == 302, answer.text
                location = answer.headers["location"]
            if self.tamper is not None:
                location = self.tamper(location)
            self.pages.append(http.get(location))
            if self.second_redirect is not None:
                self.pages.append(
                    http.get(self.second_redirect.format(redirect_uri=q["redirect_uri"], state=q["state"]))
                )


@pytest.fixture
def checking_mastodon(mastodon: MastodonMockServer) -> Iterator[CheckingProxy]:
    """mastodon-mock behind the checking layer; ``.url`` is the server the app signs in to."""
    proxy = CheckingProxy(mastodon.url)
    try:
        yield proxy
    finally:
        proxy.close()
