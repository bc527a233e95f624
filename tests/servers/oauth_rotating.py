"""Fixture: an OAuth token endpoint that rotates refresh tokens, and a provider that uses it.

Like X, Threads and LinkedIn with rotation on: every ``grant_type=refresh_token`` request spends
the refresh token it names and returns a new pair; the second use of an old refresh token fails
with ``400 invalid_grant`` (RFC 6749 §5.2). ``GET /me`` answers 200 for the newest access token
only, 401 otherwise, so a client that kept an old token is told so.

:class:`RotatingProvider` is the smallest Provider that acts through it (``refresh`` and one
read); the credential refresher under test is the app's own.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from providers.base import (
    AccountMetrics,
    AuthExpired,
    AuthKind,
    ConnectedAccount,
    Connection,
    Limits,
    OAuthSpec,
    PostMetrics,
    PostRequest,
    Provider,
    ProviderInfo,
    Published,
    refresh_oauth_tokens,
)


@dataclass
class RotatingTokenServer:
    valid_refresh: set[str] = field(default_factory=set)
    access: str = ""
    refreshes: int = 0  # successful ones
    refused: int = 0  # old refresh tokens presented again
    posts: list[str] = field(default_factory=list)  # bodies published

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def issue(self) -> dict[str, Any]:
        """A first token pair (what the browser sign-in would have given)."""
        with self._lock:
            return self._new_pair()

    def _new_pair(self) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(16)
        self.valid_refresh = {refresh}
        self.access = secrets.token_urlsafe(16)
        return {"access_token": self.access, "refresh_token": refresh, "expires_in": 7200, "token_type": "bearer"}

    def token(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if form.get("grant_type") != "refresh_token":
                return 400, {"error": "unsupported_grant_type"}
            if form.get("refresh_token") not in self.valid_refresh:
                self.refused += 1
                return 400, {"error": "invalid_grant", "error_description": "Value passed for the token was invalid."}
            self.refreshes += 1
            time.sleep(0.05)  # a real endpoint takes a moment: widens the window a racing refresh would hit
            return 200, self._new_pair()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(server: RotatingTokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length).decode()
            if self.path == "/posts":  # publishing: the newest access token only
                if self.headers.get("authorization") != f"Bearer {server.access}":
                    self._send(401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401})
                    return
                server.posts.append(raw)
                self._send(201, {"id": str(len(server.posts))})
                return
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            self._send(*server.token(form))

        def do_GET(self) -> None:
            if self.headers.get("authorization") == f"Bearer {server.access}":
                self._send(200, {"id": "1", "name": "rotating"})
            else:
                self._send(401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class RotatingProvider(Provider):
    info = ProviderInfo(
        id="rotating",
        name="Rotating",
        auth_kind=AuthKind.OAUTH2,
        connect_fields=(),
        limits=Limits(max_chars=280),
        counting="code points",
        oauth=OAuthSpec(
            authorize_url="https://rotating.example/authorize",
            token_url="https://rotating.example/token",
            scopes=("write",),
            developer_app_url="https://rotating.example/developers",
            developer_app_help=(
                "Create an app at the Rotating developer portal, turn on OAuth 2.0 with PKCE, and add the "
                "redirect URI below."
            ),
        ),
    )

    def measure(self, text: str, limits: Limits | None = None) -> int:
        return len(text)

    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        raise NotImplementedError

    def me(self, conn: Connection) -> dict[str, Any]:
        response = httpx.get(
            f"{conn.server_url}/me", headers={"Authorization": f"Bearer {conn.secrets['access_token']}"}
        )
        if response.status_code == 401:
            raise AuthExpired("Rotating: the access token expired.", network_message=response.json()["detail"])
        response.raise_for_status()
        return dict(response.json())

    def refresh(self, conn: Connection) -> Mapping[str, str]:
        """Through the shared helper, at this fixture's own token endpoint."""
        assert self.info.oauth is not None
        spec = replace(self.info.oauth, token_url="{server}/token")
        return refresh_oauth_tokens(spec, conn.secrets, server_url=conn.server_url, network=self.info.name)

    def publish(self, conn: Connection, post: PostRequest, idempotency_key: str, **kw: Any) -> Published:
        response = httpx.post(
            f"{conn.server_url}/posts",
            content=post.parts[0].text.encode(),
            headers={"Authorization": f"Bearer {conn.secrets['access_token']}"},
        )
        if response.status_code == 401:
            raise AuthExpired("Rotating: the access token expired.", network_message=response.json()["detail"])
        response.raise_for_status()
        remote_id = str(response.json()["id"])
        return Published(remote_id=remote_id, url=f"{conn.server_url}/posts/{remote_id}")

    def find_published(self, conn: Connection, idempotency_key: str, text: Any, since: datetime, **kw: Any) -> None:
        return None

    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        raise NotImplementedError

    def account_metrics(self, conn: Connection) -> AccountMetrics:
        raise NotImplementedError

    def delete(self, conn: Connection, remote_id: str) -> None:
        raise NotImplementedError


@pytest.fixture
def rotating_server() -> Iterator[RotatingTokenServer]:
    server = RotatingTokenServer()
    try:
        yield server
    finally:
        server.close()


class UnfinishedProvider(RotatingProvider):
    """A network whose provider is not complete yet (``available=False``)."""

    info = replace(RotatingProvider.info, id="unfinished", name="Unfinished", available=False)
