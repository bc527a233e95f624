"""Meta's Graph API error replies and usage headers, mapped to typed errors: shared by the networks
that answer as the Graph API does (Facebook Pages, Threads, Instagram).

Errors (https://developers.facebook.com/docs/graph-api/guides/error-handling):
``{"error": {"message", "type", "code", "error_subcode", "error_user_title", "error_user_msg",
"fbtrace_id"}}``. The ``code`` decides, not the HTTP status (Graph sends most errors as 400): 190 (and
102) the token expired or was revoked; 4, 17, 32, 341, 613 and 80001 too many calls; 10 and 200-299 a
permission missing from the sign-in; 1 and 2 a passing fault; 368 and 506 (duplicate post) and any other
code refusals of the content.

Rate limits (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/): the usage headers
``X-App-Usage`` and ``X-Page-Usage`` (``{"call_count", "total_cputime", "total_time"}``, percentages of the
limit) and ``X-Business-Use-Case-Usage`` (``{"<business-object-id>": [{"type", "call_count",
"total_cputime", "total_time", "estimated_time_to_regain_access"}]}``, the last in minutes). A rate-limit
error waits ``Retry-After`` where sent, else the longest ``estimated_time_to_regain_access``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from providers.base import AuthExpired, RateLimited, RateWindow, Rejected, Transient
from providers.http import MAX_RETRY_AFTER, json_body, retry_after_from, send

RATE_CODES = frozenset({4, 17, 32, 341, 613, 80001})
AUTH_CODES = frozenset({102, 190})
TRANSIENT_CODES = frozenset({1, 2})
USAGE_HEADERS = ("x-business-use-case-usage", "x-page-usage", "x-app-usage")

log = logging.getLogger(__name__)


def graph_error(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of a Graph error reply, or {} when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def error_words(response: httpx.Response) -> str | None:
    """The network's own words: ``error_user_msg`` else ``message``; else the first 300 characters of a
    body that is not a Graph error."""
    error = graph_error(response)
    for key in ("error_user_msg", "message"):
        value = error.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    text = response.text.strip() if response.content else ""
    return text[:300] or None


def _number(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def error_code(response: httpx.Response) -> tuple[int | None, int | None]:
    """``(code, error_subcode)`` of a Graph error reply; None where it has none."""
    error = graph_error(response)
    return _number(error.get("code")), _number(error.get("error_subcode"))


def _usage_entries(headers: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    """Every usage object in the usage headers: the flat X-App-Usage/X-Page-Usage ones and each entry
    of X-Business-Use-Case-Usage. A header that is not JSON is skipped."""
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        if any(key in data for key in ("call_count", "total_time", "total_cputime")):
            yield data
            continue
        for entries in data.values():
            if isinstance(entries, list):
                yield from (e for e in entries if isinstance(e, dict))


def _regain_minutes(entry: Mapping[str, Any]) -> float | None:
    value = entry.get("estimated_time_to_regain_access")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def regain_access_after(headers: Mapping[str, str]) -> float | None:
    """Seconds until access comes back, from the usage headers' ``estimated_time_to_regain_access``
    (minutes; the longest one), capped like ``Retry-After``; None when no header says."""
    minutes = [m for e in _usage_entries(headers) if (m := _regain_minutes(e)) is not None]
    return min(MAX_RETRY_AFTER, max(minutes) * 60.0) if minutes else None


def usage_windows(headers: Mapping[str, str]) -> list[RateWindow]:
    """The usage headers as rate windows of 100 (percent): one per header object, ``remaining`` the share
    of its most used measure (calls, CPU time, total time) still free, the scope naming the header (and
    the business use case type). ``resets_at`` only where Graph gives ``estimated_time_to_regain_access``."""
    windows: list[RateWindow] = []
    now = datetime.now(UTC)
    for name in USAGE_HEADERS:
        scope = name.removeprefix("x-").removesuffix("-usage")
        for entry in _usage_entries({name: headers.get(name) or ""}):
            shares = [
                v
                for k in ("call_count", "total_cputime", "total_time")
                if isinstance(v := entry.get(k), int | float) and not isinstance(v, bool)
            ]
            if not shares:
                continue
            used = min(100, max(0, int(max(shares))))
            wait = _regain_minutes(entry)
            kind = entry.get("type")
            windows.append(
                RateWindow(
                    limit=100,
                    remaining=100 - used,
                    resets_at=now + timedelta(minutes=wait) if wait else None,
                    scope=f"{scope} {kind}" if isinstance(kind, str) and kind else scope,
                )
            )
    return windows


def observe_usage(response: httpx.Response, observe: Callable[[RateWindow], None]) -> None:
    """Report the response's usage headers to ``observe`` (advisory, like ``providers.http.report_rate``:
    an observer that fails never turns a request that went through into a failure)."""
    for window in usage_windows(response.headers):
        try:
            observe(window)
        except Exception:  # advisory
            log.warning("Recording a Graph usage window failed", exc_info=True)


def raise_for_graph(response: httpx.Response, *, network: str) -> None:
    """Map a Graph API error reply to a typed error; 2xx returns quietly. See the module docstring."""
    status = response.status_code
    if status < 400:
        return
    code, _subcode = error_code(response)
    words = error_words(response)
    if code in AUTH_CODES or (status == 401 and code is None):
        raise AuthExpired(f"{network} no longer accepts this account's sign-in.", network_message=words)
    if code in RATE_CODES or status == 429:
        wait = retry_after_from(response.headers)
        if wait is None:
            wait = regain_access_after(response.headers)
        raise RateLimited(f"{network} rate limit reached.", retry_after=wait, network_message=words)
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


def call_graph(client: httpx.Client, method: str, url: str, *, network: str, **kw: Any) -> httpx.Response:
    """Send, map a Graph error reply to a typed error, return the 2xx response."""
    response = send(client, method, url, network=network, **kw)
    raise_for_graph(response, network=network)
    return response


def json_object(response: httpx.Response, what: str, *, network: str) -> dict[str, Any]:
    """The reply's JSON object; Transient when it is not valid JSON or not an object."""
    body = json_body(response)
    if not isinstance(body, dict):
        raise Transient(f"{network} sent an unexpected reply to {what}.")
    return body


def graph_pages(
    client: httpx.Client,
    url: str,
    params: Mapping[str, Any],
    what: str,
    *,
    network: str,
    max_pages: int,
    cursors_only: bool = False,
) -> Iterator[dict[str, Any]]:
    """Each item of a paged edge (``data``), at most ``max_pages`` pages: while ``paging.next`` is there,
    the next page by ``paging.cursors.after``, or by the parameters of ``next`` where there are no cursors
    (https://developers.facebook.com/docs/graph-api/results); ``cursors_only`` stops there instead. The
    request stays on the caller's client, so the token goes in its header, never in ``next``'s query."""
    query = dict(params)
    for _ in range(max_pages):
        body = json_object(call_graph(client, "GET", url, network=network, params=query), what, network=network)
        data = body.get("data")
        if not isinstance(data, list):
            raise Transient(f"{network} sent an unexpected reply to {what}.")
        yield from (item for item in data if isinstance(item, dict))
        paging = body.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        if not data or not isinstance(following, str) or not following:
            return
        cursors = paging.get("cursors") if isinstance(paging, dict) else None
        after = cursors.get("after") if isinstance(cursors, dict) else None
        if isinstance(after, str) and after:
            query["after"] = after
        elif cursors_only:
            return
        else:  # paging by ``next`` alone (offset paging): its parameters, never its access_token
            query = {k: v for k, v in parse_qsl(urlsplit(following).query) if k != "access_token"}


@dataclass(frozen=True)
class GraphApi:
    """One network that answers as the Graph API does: its name (for messages) and the API version
    every path names. Its requests map errors as :func:`raise_for_graph` does."""

    network: str
    version: str

    def call(self, client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
        """Send, map errors, return the 2xx response."""
        return call_graph(client, method, url, network=self.network, **kw)

    def json_object(self, response: httpx.Response, what: str) -> dict[str, Any]:
        return json_object(response, what, network=self.network)

    def path(self, *segments: str) -> str:
        """``/{version}/a/b``: the versioned path of a node or edge."""
        return "/" + "/".join((self.version, *segments))
