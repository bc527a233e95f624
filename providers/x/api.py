"""X API v2 plumbing: clients and the mapping of X's error replies to typed errors.

X answers errors with an RFC 7807 problem (``{"title", "detail", "type", "status"}``), or with an
``errors`` array of problems (``{"message"}``/``{"detail"}``) beside or instead of ``data``
(https://docs.x.com/x-api/fundamentals/response-codes-and-errors). Rate windows come in
``x-rate-limit-limit``/``-remaining``/``-reset`` (epoch seconds) on every response
(https://docs.x.com/x-api/fundamentals/rate-limits).
"""

from __future__ import annotations

from typing import Any

import httpx

from providers.base import AuthExpired, RateLimited, Rejected, Transient
from providers.http import json_body, retry_after_from, send

NETWORK = "X"
API_URL = "https://api.x.com"


def problem_words(response: httpx.Response) -> str | None:
    """X's own words from an error reply: the problem's ``detail`` (else ``title``), and the
    ``message``/``detail`` of each entry of an ``errors`` array; the body's first 300 characters when
    it is not JSON."""
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:300] or None
    return words_of(data)


def words_of(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    parts: list[str] = []

    def add(value: object) -> None:
        if isinstance(value, str) and value.strip() and value.strip() not in parts:
            parts.append(value.strip())

    add(data.get("detail") or data.get("title"))
    errors = data.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict):
            add(error.get("message") or error.get("detail") or error.get("title"))
    return "; ".join(parts) or None


def problem_type(response: httpx.Response) -> str:
    """The problem's ``type`` URI (``…/problems/client-forbidden``), or ""."""
    try:
        data = response.json()
    except ValueError:
        return ""
    kind = data.get("type") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else ""


def raise_for_x(response: httpx.Response, *, action: str = "") -> None:
    """Map an X error reply to a typed error; 2xx returns quietly.

    401 → AuthExpired (the app refreshes the token once, then asks to reconnect); 429 →
    RateLimited with the wait from ``x-rate-limit-reset``; 5xx → Transient; 403 ``client-forbidden``
    → Rejected (the developer app's access level does not include this endpoint; reconnecting does
    not help); 403 on a media upload with only the generic problem (``about:blank``) → AuthExpired
    (the token lacks ``media.write``: reconnecting grants it); other 4xx, a duplicate text among
    them (X's words for it are printed in no reference, so they are shown, never matched) →
    Rejected with X's words."""
    status = response.status_code
    if status < 400:
        return
    words = problem_words(response)
    if status == 401:
        raise AuthExpired("X no longer accepts this account's sign-in.", network_message=words)
    if status == 429:
        raise RateLimited(
            "X rate limit reached.", retry_after=retry_after_from(response.headers), network_message=words
        )
    if status >= 500 or status in (408, 425):
        raise Transient(f"X is having trouble (HTTP {status}).", network_message=words)
    if status == 403:
        kind = problem_type(response)
        if kind.endswith("/client-forbidden"):
            raise Rejected(
                "Your X developer app's access level does not allow this. Check its access in the X developer portal.",
                network_message=words,
            )
        if action == "media" and kind in ("", "about:blank"):
            raise AuthExpired(
                "This X sign-in may not upload media. Reconnect the account to grant media uploads.",
                network_message=words,
            )
        raise Rejected("X refused this action (HTTP 403).", network_message=words)
    if status == 404:
        raise Rejected("X does not know this post or account (HTTP 404).", network_message=words)
    raise Rejected(f"X refused the request (HTTP {status}).", network_message=words)


def call(client: httpx.Client, method: str, url: str, *, action: str = "", **kw: Any) -> httpx.Response:
    """Send, map errors, return the (2xx) response."""
    response = send(client, method, url, network=NETWORK, **kw)
    raise_for_x(response, action=action)
    return response


def data_object(response: httpx.Response, what: str) -> dict[str, Any]:
    """The reply's ``data`` object, or Transient when X sent something else."""
    body = json_body(response)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise Transient(f"X sent an unexpected reply to {what}.", network_message=words_of(body))
    return data
