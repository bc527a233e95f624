"""The one place that builds HTTP clients and turns responses into typed errors."""

from __future__ import annotations

import ipaddress
import json
import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from providers.base import AuthExpired, ProviderError, RateLimited, Rejected, Transient

try:
    from importlib.metadata import version as _dist_version

    APP_VERSION = _dist_version("campaign-desk")
except Exception:  # not installed (e.g. running from a source tree)
    APP_VERSION = "0.0.0"

USER_AGENT = f"CampaignDesk/{APP_VERSION} (+https://campaign-desk.app)"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=60.0, pool=10.0)


class InsecureURL(ProviderError):
    """A plain-http URL to a host that is not this machine."""


def is_loopback_host(host: str) -> bool:
    """This computer only: ``localhost`` itself, 127.0.0.0/8 or ::1.

    Not ``*.localhost``: RFC 6761 asks resolvers to keep those local, but not every resolver,
    proxy or hosts file does, so such a name may reach another machine in clear text.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Return ``url`` normalised (no trailing slash) if it is https, or http to loopback.

    Raises :class:`InsecureURL` otherwise, so credentials never travel in clear text.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InsecureURL(f"Not a web address: {url!r}")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise InsecureURL(f"Not a web address: {url!r}") from None
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureURL(
            f"{url} uses plain http. Use https:// — plain http is only allowed for this computer (localhost)."
        )
    return url.rstrip("/")


def _guard_request(request: httpx.Request) -> None:
    if request.url.scheme == "http" and not is_loopback_host(request.url.host):
        raise InsecureURL(f"Refusing plain-http request to {request.url.host}")


def make_client(base_url: str = "", *, timeout: httpx.Timeout | float | None = None, **kw: Any) -> httpx.Client:
    """An httpx client with our timeouts, user agent and TLS verification (always on).

    Plain ``http://`` is accepted only for loopback addresses (local and test servers).
    """
    if base_url:
        base_url = check_url(base_url)
    headers = {"User-Agent": USER_AGENT, **kw.pop("headers", {})}
    kw.pop("verify", None)  # TLS verification is not negotiable
    return httpx.Client(
        base_url=base_url,
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers=headers,
        follow_redirects=False,
        event_hooks={"request": [_guard_request]},
        **kw,
    )


# --- reading responses ------------------------------------------------------------------------

MAX_RETRY_AFTER = 24 * 60 * 60.0  # seconds: a longer wait is treated as a day, then asked again


def _wait(seconds: float) -> float | None:
    """A finite wait in [0, MAX_RETRY_AFTER]; None for NaN (no usable answer)."""
    if math.isnan(seconds):
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date.

    Always finite, never negative, and capped at :data:`MAX_RETRY_AFTER` (24 hours), so a
    caller can add it to a datetime safely: "inf", "1e12" or a date in year 9999 mean 24 h;
    a negative number or a date already past means 0. None when the value is missing, "nan"
    or not a number or date at all.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return _wait(float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return _wait(when.timestamp() - current)


def _parse_reset(value: str, now: float) -> float | None:
    """A rate-limit reset: epoch seconds, delta seconds, or an ISO 8601 time (Mastodon); the
    wait it means, finite and capped like :func:`parse_retry_after`."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return _wait(when.timestamp() - now)
    # Large numbers are epoch timestamps (X-RateLimit-Reset, Bluesky RateLimit-Reset);
    # small ones are delta seconds (IETF RateLimit-Reset draft).
    if number > 1_000_000_000:
        return _wait(number - now)
    return _wait(number)


def retry_after_from(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait, from ``Retry-After`` or the rate-limit reset headers: finite, never
    negative, at most :data:`MAX_RETRY_AFTER` (24 h); None when no header says."""
    current = now if now is not None else time.time()
    seconds = parse_retry_after(headers.get("retry-after"), now=current)
    if seconds is not None:
        return seconds
    for name in ("ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset"):
        raw = headers.get(name)
        if raw:
            parsed = _parse_reset(raw, current)
            if parsed is not None:
                return parsed
    return None


def json_body(response: httpx.Response) -> Any:
    """The response's JSON, or :class:`Transient` if the server sent something else."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        snippet = response.text[:120].strip() if response.content else "an empty body"
        raise Transient(
            f"The server sent a reply that is not valid JSON (HTTP {response.status_code}).",
            network_message=snippet or None,
        ) from None


def error_message(response: httpx.Response) -> str | None:
    """The network's own error words from a JSON error body, if any."""
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:300] or None
    if isinstance(data, dict):
        parts = []
        for key in ("error", "message", "error_description", "detail"):
            val = data.get(key)
            if isinstance(val, str) and val and val not in parts:
                parts.append(val)
        if parts:
            return ": ".join(parts)
    return None


def raise_for_status(response: httpx.Response, *, network: str) -> None:
    """Map an HTTP error response to the typed provider errors. 2xx returns quietly."""
    status = response.status_code
    if status < 400:
        return
    words = error_message(response)
    if status == 401:
        raise AuthExpired(f"{network} no longer accepts this account's sign-in.", network_message=words)
    if status == 429:
        raise RateLimited(
            f"{network} rate limit reached.",
            retry_after=retry_after_from(response.headers),
            network_message=words,
        )
    if status >= 500 or status in (408, 425):
        raise Transient(f"{network} is having trouble (HTTP {status}).", network_message=words)
    if status == 403:
        raise Rejected(f"{network} refused this action (HTTP 403).", network_message=words)
    raise Rejected(f"{network} refused the post (HTTP {status}).", network_message=words)


def send(client: httpx.Client, method: str, url: str, *, network: str, **kw: Any) -> httpx.Response:
    """Send a request, turning connection failures and timeouts into :class:`Transient`."""
    try:
        return client.request(method, url, **kw)
    except httpx.TimeoutException as exc:
        raise Transient(f"{network} did not answer in time.", network_message=type(exc).__name__) from None
    except httpx.TransportError as exc:
        raise Transient(f"Could not reach {network}.", network_message=str(exc) or type(exc).__name__) from None
