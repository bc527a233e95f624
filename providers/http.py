"""The one place that builds HTTP clients and turns responses into typed errors."""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import math
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from providers.base import AuthExpired, Connection, ProviderError, RateLimited, RateWindow, Rejected, Transient

if TYPE_CHECKING:
    import ssl

try:
    from importlib.metadata import version as _dist_version

    APP_VERSION = _dist_version("campaign-desk")
except Exception:  # not installed (e.g. running from a source tree)
    APP_VERSION = "0.0.0"

log = logging.getLogger(__name__)

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


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every client shares. Loading the CA bundle costs tens of
    milliseconds of CPU; a publishing pass sending a hundred posts paid it a hundred times."""
    return httpx.create_ssl_context()


def make_client(
    base_url: str = "",
    *,
    timeout: httpx.Timeout | float | None = None,
    observe_rate: Callable[[RateWindow], None] | None = None,
    bearer: str | None = None,
    **kw: Any,
) -> httpx.Client:
    """An httpx client with our timeouts, user agent and TLS verification (always on).

    Plain ``http://`` is accepted only for loopback addresses (local and test servers).
    ``observe_rate`` is given the rate-limit window of every response (see :func:`report_rate`);
    only for a client that acts for one account. ``bearer``: an OAuth 2.0 access token sent as
    ``Authorization: Bearer`` (RFC 6750 §2.1) on every request, so it never reaches a URL or a log.
    """
    if base_url:
        base_url = check_url(base_url)
    headers = {"User-Agent": USER_AGENT, **kw.pop("headers", {})}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    kw.pop("verify", None)  # TLS verification is not negotiable
    clock: list[float] = []
    hooks: dict[str, list[Callable[..., Any]]] = {"request": [_guard_request], "response": [_clock_hook(clock)]}
    if observe_rate is not None:
        hooks["response"].append(lambda response: report_rate(response, observe_rate))
    client = httpx.Client(
        base_url=base_url,
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers=headers,
        follow_redirects=False,
        event_hooks=hooks,
        verify=tls_context(),
        **kw,
    )
    _server_clocks[client] = clock
    return client


def account_token(conn: Connection, whose: str) -> str:
    """The access token the vault keeps for the account; AuthExpired ("This {whose} has no access
    token…") when it keeps none."""
    token = conn.secrets.get("access_token")
    if not token:
        raise AuthExpired(f"This {whose} has no access token; please reconnect it.")
    return token


# --- the network's clock ----------------------------------------------------------------------

#: Each client's server clock minus ours, in seconds, from the last reply that carried ``Date``.
_server_clocks: weakref.WeakKeyDictionary[httpx.Client, list[float]] = weakref.WeakKeyDictionary()


def _clock_hook(seen: list[float]) -> Callable[[httpx.Response], None]:
    def note(response: httpx.Response) -> None:
        """Remember how far the server's clock (the reply's ``Date``, RFC 9110 §6.6.1) is from ours."""
        date = response.headers.get("date")
        try:
            server = parsedate_to_datetime(date) if date else None
        except (TypeError, ValueError, IndexError):
            server = None
        if server is not None and server.tzinfo is not None:
            seen[:] = [server.timestamp() - time.time()]

    return note


def server_clock_offset(client: httpx.Client) -> float | None:
    """The client's server's clock minus ours, in seconds (negative: ours is ahead), from the last
    reply it had; with none yet, asked with one ``HEAD`` of its base address (any reply carries
    ``Date``). None for a client not made by :func:`make_client`, without a base address, or whose
    server cannot be asked or sends no usable ``Date``. Reading posts back after a lost reply needs it:
    a post carries the network's time, the ``since`` it is compared with ours."""
    seen = _server_clocks.get(client)
    if seen is None or not client.base_url.host:
        return None
    if not seen:
        try:
            client.head(str(client.base_url)).close()
        except httpx.HTTPError:
            return None
    return seen[0] if seen else None


def account_client(
    conn: Connection, base_url: str, *, whose: str, transport: httpx.BaseTransport | None
) -> httpx.Client:
    """A client acting for one account: its access token as the bearer of every request, the rate
    window of every response (publishing included) reported to ``conn.observe_rate``."""
    return make_client(base_url, transport=transport, bearer=account_token(conn, whose), observe_rate=conn.observe_rate)


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


def _count(value: str | None) -> int | None:
    """A non-negative whole number of requests from a header value, else None."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit() or len(value) > 12:  # isdigit: no sign, no fraction, no "nan"
        return None
    return int(value)


def _structured_params(item: str) -> tuple[str, dict[str, str]]:
    """(name, parameters) of one structured-field list item: ``"name";r=5;t=30`` or ``100;w=60``."""
    head, *params = (piece.strip() for piece in item.split(";"))
    out: dict[str, str] = {}
    for param in params:
        key, _, val = param.partition("=")
        if key:
            out[key.strip().lower()] = val.strip().strip('"')
    return head.strip('"'), out


def _policy_scope(policy: str | None) -> str:
    """A name for the window from ``RateLimit-Policy``: the quoted policy name of the IETF draft
    (``"burst";q=100;w=60`` → "burst"), else the policy itself (atproto: ``3000;w=300``)."""
    if not policy:
        return "default"
    first = policy.split(",")[0].strip()
    if not first:
        return "default"
    if first.startswith('"'):
        name, _ = _structured_params(first)
        return name or "default"
    return first[:80]


def rate_window_from(headers: Mapping[str, str], *, now: datetime | None = None) -> RateWindow | None:
    """The rate-limit window a response's headers describe, or None when they describe none.

    Reads Mastodon's ``X-RateLimit-Limit/-Remaining/-Reset`` (the reset an ISO 8601 time; the
    headers describe whichever of the account's limits is nearest to being hit), the atproto PDS
    and IETF-draft ``RateLimit-Limit/-Remaining/-Reset`` with ``RateLimit-Policy`` (the reset in
    epoch seconds on a PDS, delta seconds in the draft: numbers past 10⁹ are taken as epoch
    seconds), and the draft's later combined ``RateLimit: "name";r=…;t=…`` with
    ``RateLimit-Policy: "name";q=…;w=…``. The reset is capped at 24 hours ahead. Malformed or
    inconsistent values (not whole numbers, more remaining than the limit) give None, never an
    exception: a window we cannot read is a window we do not know.
    """
    current = now if now is not None else datetime.now(UTC)
    if current.tzinfo is None:
        current = current.replace(tzinfo=UTC)
    if not isinstance(headers, httpx.Headers):
        headers = httpx.Headers(headers)  # header names are case-insensitive
    policy = headers.get("ratelimit-policy")
    for prefix in ("ratelimit-", "x-ratelimit-", "x-rate-limit-"):
        raw_limit, raw_remaining = headers.get(prefix + "limit"), headers.get(prefix + "remaining")
        if raw_limit is None and raw_remaining is None:
            continue
        limit, remaining = _count(raw_limit), _count(raw_remaining)
        raw_reset = headers.get(prefix + "reset")
        scope = _policy_scope(policy) if prefix == "ratelimit-" else "default"
        return _window(limit, remaining, raw_reset, scope, current)
    combined = headers.get("ratelimit")
    if combined:
        name, params = _structured_params(combined.split(",")[0].strip())
        limit = None
        for item in (policy or "").split(","):
            policy_name, policy_params = _structured_params(item.strip())
            if policy_name == name:
                limit = _count(policy_params.get("q"))
                break
        return _window(limit, _count(params.get("r")), params.get("t"), name or "default", current)
    return None


def _window(
    limit: int | None, remaining: int | None, raw_reset: str | None, scope: str, now: datetime
) -> RateWindow | None:
    if limit is None or remaining is None or limit <= 0 or remaining > limit:
        return None
    resets_at = None
    if raw_reset is not None:
        wait = _parse_reset(raw_reset, now.timestamp()) if raw_reset.strip() else None
        if wait is None:
            return None
        resets_at = now + timedelta(seconds=wait)
    return RateWindow(limit=limit, remaining=remaining, resets_at=resets_at, scope=scope)


def report_rate(response: httpx.Response, observe: Callable[[RateWindow], None] | None, *, host: str = "") -> None:
    """Pass the response's rate-limit window, if it carries one, to ``observe``. With ``host``,
    the window's scope names it (``"host"`` or ``"host policy"``), for a provider whose calls go to
    servers that count separately (a Bluesky PDS and its AppView).

    Observing is advisory: an observer that fails (a busy database, say) is logged and ignored,
    so it can never turn a post that went out into a failure."""
    if observe is None:
        return
    window = rate_window_from(response.headers)
    if window is None:
        return
    if host:
        window = replace(window, scope=host if window.scope == "default" else f"{host} {window.scope}")
    try:
        observe(window)
    except Exception:  # advisory, see the docstring: the request itself succeeded
        log.warning("Recording a rate-limit window failed", exc_info=True)


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
