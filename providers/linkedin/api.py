"""LinkedIn's HTTP conventions: versioned REST headers, URN encoding and its error JSON."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from providers.base import AuthExpired, RateLimited, Rejected, Transient
from providers.http import error_message, json_body, retry_after_from, send

NETWORK = "LinkedIn"
API_URL = "https://api.linkedin.com"
OAUTH_URL = "https://www.linkedin.com"
#: "All APIs require the request header LinkedIn-Version: {Version in YYYYMM format}. All APIs
#: require the request header X-Restli-Protocol-Version: 2.0.0"
#: (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api?view=li-lms-2026-01).
VERSION = "202605"
REST_HEADERS = {"LinkedIn-Version": VERSION, "X-Restli-Protocol-Version": "2.0.0"}


def enc(urn: str) -> str:
    """A URN as one path segment or query value (Rest.li 2.0 wants ``:`` and ``,`` encoded)."""
    return quote(urn, safe="")


def raise_for_linkedin(response: httpx.Response) -> None:
    """LinkedIn's errors (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling:
    ``{"message", "serviceErrorCode", "status"}``) as the typed provider errors.

    - 401: the token expired or was revoked → AuthExpired.
    - 403 that names permissions (``ACCESS_DENIED``, "Not enough permissions"): the token lacks a
      scope or the member lost the page role → AuthExpired, so the user reconnects with it; any other
      403 refuses this content → Rejected.
    - 429: "Rate limited requests will receive a 429 response" and the daily limits "reset at
      midnight UTC" (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits);
      LinkedIn sends no Retry-After as a rule, so retry_after is None (the caller's backoff) unless
      a Retry-After header is there.
    - 5xx → Transient; other 4xx → Rejected with LinkedIn's message.
    """
    status = response.status_code
    if status < 400:
        return
    words = error_message(response)
    if status == 401:
        raise AuthExpired(
            "LinkedIn no longer accepts this account's sign-in; please reconnect it.", network_message=words
        )
    if status == 403:
        code = _service_code(response)
        lowered = (words or "").lower()
        if code == "ACCESS_DENIED" or "permission" in lowered or "scope" in lowered:
            raise AuthExpired(
                "LinkedIn says this sign-in lacks a permission for this account; reconnect it and allow "
                "posting (for a page, you need to be its administrator or content admin).",
                network_message=words,
            )
        raise Rejected("LinkedIn refused this action (HTTP 403).", network_message=words)
    if status == 429:
        raise RateLimited(
            "LinkedIn's daily limit for this app or account is reached.",
            retry_after=retry_after_from(response.headers),
            network_message=words,
        )
    if status >= 500 or status in (408, 425):
        raise Transient(f"LinkedIn is having trouble (HTTP {status}).", network_message=words)
    raise Rejected(f"LinkedIn refused the request (HTTP {status}).", network_message=words)


def _service_code(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("code") or "") if isinstance(data, dict) else ""


def call(client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    response = send(client, method, url, network=NETWORK, **kw)
    raise_for_linkedin(response)
    return response


def get_object(client: httpx.Client, url: str, what: str, **kw: Any) -> dict[str, Any]:
    data = json_body(call(client, "GET", url, **kw))
    if not isinstance(data, dict):
        raise Transient(f"LinkedIn sent an unexpected reply to {what}.")
    return data
