"""Fixture: a Mastodon-API server (mastodon-mock from PyPI) on 127.0.0.1.

``mastodon_server`` (session scope) starts ``python -m mastodon_mock serve`` as a subprocess on a
free loopback port with an in-memory database, a config file of our own (so no project
``pyproject.toml`` or ``.mastodon_mock.toml`` leaks in), polls ``/health`` until it answers, and
stops it at the end of the session. It offers:

- ``.url`` — ``http://127.0.0.1:PORT``
- ``.create_account(username=None) -> access_token`` — a fresh local account and its token
  (mock-only ``POST /api/v1/_mock/dev_user``; real Mastodon has no such endpoint)
- ``.inject_fault(...)`` / ``.clear_faults()`` — the mock's fault rules (``/api/v1/_mock/faults``)
- ``.post_status / .favourite / .boost / .reply / .follow`` — what a *second* user (or the account
  itself, outside the app) does through the ordinary client API, for metrics and history tests
- every response carries ``X-RateLimit-Limit/-Remaining/-Reset`` (the mock's opt-in rate limiter,
  per token, with a limit no test reaches; unlike real Mastodon it sends the reset as epoch
  seconds, not an ISO 8601 time — tests/fixtures/mastodon/rate_headers.json has the real shape)

Where mastodon-mock differs from real Mastodon (covered by tests/fixtures/mastodon instead):
it counts status length with ``len()`` (code points, URLs at full length, no CW), always reports
500 characters / 4 media, returns media as ready (200) at once, never answers 206 while processing,
serves unauthenticated reads without checking the token, and leaves ``quotes_count`` out of
statuses (as Mastodon before 4.5 does).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from providers.base import Connection
from tests.servers.fake_http import closed_port as closed_port  # re-exported for older imports
from tests.servers.fake_http import free_port

if TYPE_CHECKING:
    from desktop.services.context import AppContext

STARTUP_TIMEOUT = 30.0


@dataclass
class MastodonMockServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._client = httpx.Client(base_url=self.url, timeout=10.0)

    def create_account(self, username: str | None = None) -> str:
        """A new local account; returns its access token (scopes read write follow push)."""
        name = username or f"u{secrets.token_hex(5)}"
        response = self._client.post("/api/v1/_mock/dev_user", json={"username": name})
        response.raise_for_status()
        return str(response.json()["access_token"])

    def inject_fault(
        self,
        *,
        path: str | None = None,
        path_regex: str | None = None,
        methods: list[str] | None = None,
        effect: str = "status",
        status: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay_ms: int = 0,
        truncate: bool = True,
        count: int | None = 1,
    ) -> str:
        """Add a fault rule; ``effect`` is status | ratelimit | latency | malformed | timeout.
        Returns the rule id. ``count=None`` keeps it until :meth:`clear_faults`."""
        effect_spec: dict[str, Any] = {"type": effect, "delay_ms": delay_ms, "truncate": truncate}
        if status is not None:
            effect_spec["status"] = status
        if body is not None:
            effect_spec["body"] = body
        if headers:
            effect_spec["headers"] = headers
        rule: dict[str, Any] = {
            "match": {"path": path, "path_regex": path_regex, "methods": methods},
            "effect": effect_spec,
            "count": count,
        }
        response = self._client.post("/api/v1/_mock/faults", json=rule)
        response.raise_for_status()
        return str(response.json()["id"])

    def clear_faults(self) -> None:
        self._client.delete("/api/v1/_mock/faults").raise_for_status()

    # --- what other people (or the account itself, outside the app) do --------------------------

    def _json(self, method: str, path: str, token: str, **kw: Any) -> Any:
        response = self.api(method, path, token, **kw)
        assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def account_id(self, token: str) -> str:
        """The id of the account behind ``token`` (verify_credentials)."""
        return str(self._json("GET", "/api/v1/accounts/verify_credentials", token)["id"])

    def post_status(self, token: str, text: str, *, in_reply_to_id: str | None = None) -> dict[str, Any]:
        """A status posted straight through the API (``POST /api/v1/statuses``), not by the app."""
        data = {"status": text, **({"in_reply_to_id": in_reply_to_id} if in_reply_to_id else {})}
        return dict(self._json("POST", "/api/v1/statuses", token, data=data))

    def favourite(self, token: str, status_id: str) -> dict[str, Any]:
        """The user behind ``token`` favourites the status (``POST /api/v1/statuses/:id/favourite``)."""
        return dict(self._json("POST", f"/api/v1/statuses/{status_id}/favourite", token))

    def boost(self, token: str, status_id: str) -> dict[str, Any]:
        """The user behind ``token`` boosts the status (``POST /api/v1/statuses/:id/reblog``)."""
        return dict(self._json("POST", f"/api/v1/statuses/{status_id}/reblog", token))

    def reply(self, token: str, status_id: str, text: str = "Nice one!") -> dict[str, Any]:
        """The user behind ``token`` replies to the status."""
        return self.post_status(token, text, in_reply_to_id=status_id)

    def follow(self, token: str, account_id: str) -> None:
        """The user behind ``token`` follows the account (``POST /api/v1/accounts/:id/follow``)."""
        self._json("POST", f"/api/v1/accounts/{account_id}/follow", token)

    def api(self, method: str, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
        """A raw API call, for tests that check the server's state directly."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self._client.request(method, path, headers=headers, **kw)

    def stop(self) -> None:
        self._client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _write_config(directory: Path, port: int) -> Path:
    media = directory / "media"
    media.mkdir(parents=True, exist_ok=True)
    config = directory / "mastodon_mock.toml"
    config.write_text(
        f'domain = "127.0.0.1:{port}"\n'
        'url_scheme = "http"\n'
        f'media_storage_path = "{media.as_posix()}"\n'
        "[auth]\npermissive = false\n"
        "[faults]\nenabled = true\n"
        # Rate-limit headers on every response, as Mastodon sends them; no test comes near the limit.
        "[ratelimit]\nenabled = true\nlimit = 1000000\nwindow_seconds = 300\n"
        "[seed]\naccounts = []\n",
        encoding="utf-8",
    )
    return config


def start_mastodon_mock(directory: Path) -> MastodonMockServer:
    """Start mastodon-mock on a free port and wait until ``/health`` answers."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    config = _write_config(directory, port)
    log_path = directory / "server.log"
    log = log_path.open("wb")
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mastodon_mock",
            "serve",
            "--config",
            str(config),
            "--in-memory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=directory,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mastodon-mock exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return MastodonMockServer(url=url, process=process, log_path=log_path)
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling interval while the server boots, not an assertion
    process.kill()
    raise RuntimeError(f"mastodon-mock did not answer within {STARTUP_TIMEOUT:.0f} s:\n{log_path.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def mastodon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MastodonMockServer]:
    """A running mastodon-mock shared by the session (each test makes its own account)."""
    try:
        import mastodon_mock  # noqa: F401
    except ImportError:
        pytest.skip("mastodon-mock is not installed (pip install -e '.[test]')")
    for attempt in range(3):  # a free port can be taken between probing and binding
        try:
            server = start_mastodon_mock(tmp_path_factory.mktemp("mastodon-mock"))
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield server
    finally:
        server.stop()


def connection_for(server: MastodonMockServer, token: str) -> Connection:
    """A Connection for the account behind ``token``, built through the provider's own connect."""
    from providers.mastodon import MastodonProvider

    account = MastodonProvider().connect({"instance": server.url, "access_token": token})
    return Connection(
        server_url=account.server_url, remote_id=account.remote_id, handle=account.handle, secrets=account.secrets
    )


def account_statuses(server: MastodonMockServer, remote_id: str, token: str) -> list[dict[str, Any]]:
    """Every status of the account, by paging its statuses list on the server directly."""
    found: list[dict[str, Any]] = []
    params = {"limit": "40"}
    while True:
        response = server.api("GET", f"/api/v1/accounts/{remote_id}/statuses", token, params=params)
        response.raise_for_status()
        page = response.json()
        if not page:
            return found
        found.extend(page)
        params["max_id"] = page[-1]["id"]


def count_statuses(server: MastodonMockServer, conn: Connection) -> int:
    """How many statuses the account has, read from the server directly."""
    return len(account_statuses(server, conn.remote_id, conn.secrets["access_token"]))


@pytest.fixture
def mastodon_connection(mastodon_server: MastodonMockServer) -> Connection:
    """A live Connection for a fresh account on the session's mastodon-mock."""
    return connection_for(mastodon_server, mastodon_server.create_account())


# --- accounts connected through the app (need a ``ctx`` fixture where they are used) ------------


@dataclass
class MastodonAccount:
    id: int
    token: str
    remote_id: str
    server: MastodonMockServer

    def statuses(self) -> list[dict[str, Any]]:
        return account_statuses(self.server, self.remote_id, self.token)


@pytest.fixture
def mastodon(mastodon_server: MastodonMockServer) -> Iterator[MastodonMockServer]:
    mastodon_server.clear_faults()
    yield mastodon_server
    mastodon_server.clear_faults()


def connect_mastodon(ctx: AppContext, server: MastodonMockServer) -> MastodonAccount:
    from desktop.services import accounts

    token = server.create_account()
    row = accounts.connect_account(ctx, "mastodon", {"instance": server.url, "access_token": token})
    handle = accounts.open_account(ctx, row.id)
    return MastodonAccount(row.id, token, handle.connection.remote_id, server)


@pytest.fixture
def masto(ctx: AppContext, mastodon: MastodonMockServer) -> MastodonAccount:
    return connect_mastodon(ctx, mastodon)
