"""Threads API plumbing: the Graph-style error replies mapped to typed errors.

Threads answers errors as the Graph API does (https://developers.facebook.com/docs/graph-api/guides/error-handling):
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``. The ``code`` decides, not the
HTTP status (Graph sends most errors as 400): 190 (and 102) the token expired or was revoked; 4, 17, 32,
341 and 613 too many calls; 10 and 200-299 a permission missing from the sign-in; 1 and 2 a passing
fault; 368 and 506 (duplicate post) refusals of the content.
"""

from __future__ import annotations

from typing import Any

import httpx

from providers.base import AuthExpired, RateLimited, Rejected, Transient
from providers.http import json_body, retry_after_from, send

NETWORK = "Threads"
API_URL = "https://graph.threads.net"
VERSION = "v1.0"

RATE_CODES = frozenset({4, 17, 32, 341, 613})
AUTH_CODES = frozenset({102, 190})
TRANSIENT_CODES = frozenset({1, 2})


def graph_error(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of a Graph error reply, or {} when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def error_words(response: httpx.Response) -> str | None:
    """Threads' own words: ``error_user_msg`` else ``message``; else the first 300 characters of a
    body that is not a Graph error."""
    error = graph_error(response)
    for key in ("error_user_msg", "message"):
        value = error.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    text = response.text.strip() if response.content else ""
    return text[:300] or None


def _code(error: dict[str, Any]) -> int | None:
    code = error.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    if isinstance(code, str) and code.isdigit():
        return int(code)
    return None


def raise_for_threads(response: httpx.Response, *, network: str = NETWORK) -> None:
    """Map a Threads (or other Graph API) error reply to a typed error; 2xx returns quietly. See the
    module docstring."""
    status = response.status_code
    if status < 400:
        return
    error = graph_error(response)
    code = _code(error)
    words = error_words(response)
    if code in AUTH_CODES or (status == 401 and code is None):
        raise AuthExpired(f"{network} no longer accepts this account's sign-in.", network_message=words)
    if code in RATE_CODES or status == 429:
        raise RateLimited(
            f"{network} rate limit reached.", retry_after=retry_after_from(response.headers), network_message=words
        )
    if code is not None and (code == 10 or 200 <= code <= 299):
        raise AuthExpired(
            f"{network} needs a permission this sign-in did not grant. Reconnect the account and allow it.",
            network_message=words,
        )
    if code in TRANSIENT_CODES or status >= 500 or status in (408, 425):
        raise Transient(f"{network} is having trouble (HTTP {status}).", network_message=words)
    if status == 401:
        raise AuthExpired(f"{network} no longer accepts this account's sign-in.", network_message=words)
    raise Rejected(f"{network} refused this (HTTP {status}).", network_message=words)


def call(client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    """Send, map errors, return the 2xx response."""
    response = send(client, method, url, network=NETWORK, **kw)
    raise_for_threads(response)
    return response


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    body = json_body(response)
    if not isinstance(body, dict):
        raise Transient(f"Threads sent an unexpected reply to {what}.")
    return body


def path(*segments: str) -> str:
    """``/v1.0/a/b``: the versioned path of a node or edge."""
    return "/" + "/".join((VERSION, *segments))
