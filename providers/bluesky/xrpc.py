"""XRPC calls and the mapping of Bluesky's error replies to the typed provider errors.

What a PDS really answers (checked against @atproto/pds 0.5.35):

- bad or expired access token: HTTP **400** ``{"error": "InvalidToken" | "ExpiredToken"}``
  (not 401); a revoked refresh token: 400 ``ExpiredToken`` "Token has been revoked";
- no token: 401 ``AuthMissing``; wrong password on createSession: 401 ``AuthenticationRequired``;
- a record that fails its lexicon (e.g. 301 graphemes): 400 ``InvalidRequest`` with the reason;
- ``getRecord`` of a missing key: 400 ``RecordNotFound``; unknown handle: 400 ``HandleNotFound``;
- ``createRecord`` on a record key that already exists: **500** ``InternalServerError``;
- rate limits: 429 ``RateLimitExceeded`` with ``RateLimit-Reset`` (epoch seconds).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from providers.base import AuthExpired, RateWindow, Transient
from providers.http import check_url, json_body, make_client, raise_for_status, report_rate, send

NETWORK = "Bluesky"
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})


def error_name(response: httpx.Response) -> str:
    """The XRPC ``error`` field of an error reply, or "" if there is none."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    return ""


def raise_for_xrpc(response: httpx.Response, *, action: str = "") -> None:
    """Map an XRPC error reply to AuthExpired / RateLimited / Rejected / Transient. 2xx is quiet."""
    if response.status_code < 400:
        return
    name = error_name(response)
    if response.status_code == 400 and name in TOKEN_ERRORS:
        words = message_of(response)
        raise AuthExpired("Bluesky sign-in has expired; the account needs a fresh session.", network_message=words)
    if response.status_code == 401:
        raise AuthExpired(
            "Bluesky no longer accepts this account's sign-in. Reconnect it with a new app password.",
            network_message=message_of(response),
        )
    raise_for_status(response, network=NETWORK)


def message_of(response: httpx.Response) -> str | None:
    """The XRPC ``message`` (else ``error``) of an error reply."""
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or "") or None
    return None


def expect_object(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a successful reply; a reply that is not one is Transient."""
    data = json_body(response)
    if not isinstance(data, dict):
        raise Transient("Bluesky sent an unexpected reply.", network_message=str(data)[:120])
    return data


class ClientPool:
    """One httpx client per host, shared by calls (and threads: httpx clients are thread-safe),
    so each request does not pay for a new TLS context and connection."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport
        self._clients: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    def get(self, base_url: str) -> httpx.Client:
        base_url = check_url(base_url)
        with self._lock:
            client = self._clients.get(base_url)
            if client is None:
                kw: dict[str, Any] = {"transport": self._transport} if self._transport is not None else {}
                client = self._clients[base_url] = make_client(base_url, **kw)
            return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


class Xrpc:
    """Calls to one XRPC host (a PDS, an entryway or an AppView), as one account (``token``).

    ``observe_rate`` (the account's, from its Connection) is given the rate-limit window of every
    reply. The pooled client is shared by accounts, so this is done here, per call, rather than
    by a hook on the client. Each window's scope names the host, since a PDS and an AppView count
    separately: ``"pds.example 3000;w=300"`` (host, then the ``RateLimit-Policy``)."""

    def __init__(
        self,
        client: httpx.Client,
        token: str | None = None,
        observe_rate: Callable[[RateWindow], None] | None = None,
    ) -> None:
        self.client = client
        self.token = token
        self.observe_rate = observe_rate

    def _observed(self, response: httpx.Response) -> httpx.Response:
        if self.observe_rate is not None:
            url = self.client.base_url if self.client.base_url.host else response.request.url
            report_rate(response, self.observe_rate, host=f"{url.host}:{url.port}" if url.port else url.host)
        return response

    def __enter__(self) -> Xrpc:
        return self

    def __exit__(self, *exc: object) -> None:
        pass  # the client belongs to the pool

    def _headers(self, token: str | None) -> dict[str, str]:
        token = token if token is not None else self.token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get_raw(self, nsid: str, params: Any = None, *, token: str | None = None) -> httpx.Response:
        return self._observed(
            send(self.client, "GET", f"/xrpc/{nsid}", network=NETWORK, params=params, headers=self._headers(token))
        )

    def post_raw(
        self,
        nsid: str,
        body: Any = None,
        *,
        content: bytes | None = None,
        content_type: str = "",
        token: str | None = None,
    ) -> httpx.Response:
        headers = self._headers(token)
        if content is not None:
            headers["Content-Type"] = content_type or "application/octet-stream"
            return self._observed(
                send(self.client, "POST", f"/xrpc/{nsid}", network=NETWORK, content=content, headers=headers)
            )
        return self._observed(send(self.client, "POST", f"/xrpc/{nsid}", network=NETWORK, json=body, headers=headers))

    def query(self, nsid: str, params: Any = None, *, token: str | None = None) -> dict[str, Any]:
        r = self.get_raw(nsid, params, token=token)
        raise_for_xrpc(r)
        return expect_object(r)

    def procedure(
        self,
        nsid: str,
        body: Any = None,
        *,
        content: bytes | None = None,
        content_type: str = "",
        token: str | None = None,
    ) -> dict[str, Any]:
        r = self.post_raw(nsid, body, content=content, content_type=content_type, token=token)
        raise_for_xrpc(r)
        if not r.content:
            return {}
        return expect_object(r)
