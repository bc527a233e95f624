"""providers/http.py: URL safety, Retry-After / rate-limit reset parsing, and error mapping."""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import AuthExpired, RateLimited, RateWindow, Rejected, Transient
from providers.http import (
    MAX_RETRY_AFTER,
    USER_AGENT,
    InsecureURL,
    check_url,
    error_message,
    json_body,
    make_client,
    parse_retry_after,
    raise_for_status,
    rate_window_from,
    report_rate,
    retry_after_from,
    send,
)

NOW = 1_800_000_000.0  # a fixed "now" (2027-01-15T08:00:00Z)


# --- check_url -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://mastodon.social/", "https://mastodon.social"),
        ("mastodon.social", "https://mastodon.social"),
        ("  https://example.com/path/  ", "https://example.com/path"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("http://LOCALHOST:8080", "http://LOCALHOST:8080"),
        ("http://127.0.0.1", "http://127.0.0.1"),
        ("http://[::1]:2583", "http://[::1]:2583"),
        ("http://127.8.9.10", "http://127.8.9.10"),
    ],
)
def test_check_url_accepts(url: str, expected: str) -> None:
    assert check_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://mastodon.social",
        "http://192.168.1.10",
        "http://10.0.0.1:3000",
        "http://localhost.example.com",
        "http://pds.localhost",  # *.localhost may resolve off this machine: https only
        "http://a.b.localhost:2583",
        "http://localhost.",
        "http://0.0.0.0:8080",
        "http://128.0.0.1",
        "http://[2001:db8::1]",
        "ftp://example.com",
        "https://",
        "javascript:alert(1)",
        "mastodon.social:abc",  # a bad port fails here, not later inside httpx
    ],
)
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(InsecureURL):
        check_url(url)


def test_client_refuses_plain_http_requests_to_other_hosts_even_without_base_url() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with make_client(transport=transport) as client, pytest.raises(InsecureURL):
        client.get("http://example.com/api")


def test_client_sends_our_user_agent() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    with make_client("https://example.com", transport=transport) as client:
        client.get("/x")
    assert seen[0].headers["User-Agent"] == USER_AGENT


# --- Retry-After and reset headers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("-5", 0.0),
        (format_datetime(datetime.fromtimestamp(NOW + 90, UTC), usegmt=True), 90.0),
        (format_datetime(datetime.fromtimestamp(NOW - 90, UTC), usegmt=True), 0.0),  # in the past
        ("soon", None),
        ("", None),
        (None, None),
        # finite, never negative, capped at 24 h: safe to add to a datetime
        ("inf", 86400.0),
        ("Infinity", 86400.0),
        ("-inf", 0.0),
        ("nan", None),
        ("1e12", 86400.0),
        ("9" * 400, 86400.0),  # float() of this is inf
        ("86401", 86400.0),
        ("3600", 3600.0),
        ("1.5", 1.5),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 86400.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),
        ("Sun, 06 Nov 1994 08:49:37", 0.0),  # no zone: read as GMT
        ("Mon, 32 Foo 2027 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"Retry-After": "30", "X-RateLimit-Reset": str(int(NOW) + 300)}, 30.0),  # Retry-After wins
        # Mastodon: ISO 8601 with milliseconds and Z
        ({"X-RateLimit-Reset": datetime.fromtimestamp(NOW + 200, UTC).isoformat().replace("+00:00", "Z")}, 200.0),
        ({"X-RateLimit-Reset": "2027-01-15T08:05:00.000Z"}, 300.0),
        ({"X-RateLimit-Reset": "2027-01-15T08:05:00+00:00"}, 300.0),
        ({"X-RateLimit-Reset": "2027-01-15T08:05:00"}, 300.0),  # naive means UTC
        ({"X-RateLimit-Reset": str(int(NOW) + 45)}, 45.0),  # epoch seconds (X, mock servers)
        ({"RateLimit-Reset": "12"}, 12.0),  # IETF draft: delta seconds
        ({"RateLimit-Reset": str(int(NOW) + 60)}, 60.0),  # Bluesky: epoch seconds
        ({"X-Rate-Limit-Reset": str(int(NOW) + 15)}, 15.0),
        ({"X-RateLimit-Reset": "2020-01-01T00:00:00Z"}, 0.0),  # already passed
        ({"X-RateLimit-Reset": "not a time"}, None),
        ({}, None),
        ({"Retry-After": "inf"}, 86400.0),
        ({"Retry-After": "1e12"}, 86400.0),
        ({"Retry-After": "nan", "RateLimit-Reset": "12"}, 12.0),  # no usable Retry-After: the next header
        ({"X-RateLimit-Reset": "9999-12-31T23:59:59Z"}, 86400.0),
        ({"RateLimit-Reset": "inf"}, 86400.0),
        ({"RateLimit-Reset": "nan"}, None),
        ({"X-RateLimit-Reset": str(int(NOW) + 10 * 86400)}, 86400.0),
    ],
)
def test_retry_after_from(headers: dict[str, str], expected: float | None) -> None:
    result = retry_after_from(httpx.Headers(headers), now=NOW)
    assert result == (pytest.approx(expected, abs=0.01) if expected is not None else None)


# --- mapping responses to typed errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (200, None),
        (202, None),
        (206, None),
        (301, None),
        (400, Rejected),
        (401, AuthExpired),
        (403, Rejected),
        (404, Rejected),
        (408, Transient),
        (413, Rejected),
        (422, Rejected),
        (425, Transient),
        (429, RateLimited),
        (500, Transient),
        (502, Transient),
        (503, Transient),
        (504, Transient),
    ],
)
def test_raise_for_status(status: int, error: type[Exception] | None) -> None:
    response = httpx.Response(status, json={"error": "The network's words"})
    if error is None:
        raise_for_status(response, network="Net")
        return
    with pytest.raises(error) as caught:
        raise_for_status(response, network="Net")
    assert type(caught.value) is error
    assert caught.value.network_message == "The network's words"  # type: ignore[attr-defined]
    assert "Net" in str(caught.value)


def test_rate_limited_carries_retry_after() -> None:
    response = httpx.Response(429, headers={"Retry-After": "42"}, json={"error": "Too many requests"})
    with pytest.raises(RateLimited) as caught:
        raise_for_status(response, network="Net")
    assert caught.value.retry_after == pytest.approx(42)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"error":"invalid_grant","error_description":"Token expired"}', "invalid_grant: Token expired"),
        (b'{"error":"InvalidToken","message":"Bad token"}', "InvalidToken: Bad token"),
        (b'{"detail":"Nope"}', "Nope"),
        (b'{"other":1}', None),
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        (b"", None),
    ],
)
def test_error_message(body: bytes, expected: str | None) -> None:
    assert error_message(httpx.Response(400, content=body)) == expected


@pytest.mark.parametrize("body", [b'{"id": "1", "url":', b"<html>captive portal</html>", b"", b"\xff\xfe\x00"])
def test_malformed_json_is_transient(body: bytes) -> None:
    with pytest.raises(Transient):
        json_body(httpx.Response(200, content=body))


def test_json_body() -> None:
    assert json_body(httpx.Response(200, json={"a": [1]})) == {"a": [1]}


# --- transport failures against real sockets ----------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_connection_refused_is_transient() -> None:
    with make_client(f"http://127.0.0.1:{_closed_port()}") as client, pytest.raises(Transient) as caught:
        send(client, "GET", "/api/v1/instance", network="Net")
    assert "Could not reach Net" in str(caught.value)


def test_read_timeout_is_transient(silent_server: int) -> None:
    with make_client(f"http://127.0.0.1:{silent_server}", timeout=0.3) as client, pytest.raises(Transient) as caught:
        send(client, "GET", "/api/v1/instance", network="Net")
    assert "did not answer in time" in str(caught.value)
    assert caught.value.network_message == "ReadTimeout"


def test_retry_after_is_always_safe_to_add_to_a_datetime() -> None:
    from datetime import timedelta

    for value in ("inf", "1e12", "1e308", "Fri, 31 Dec 9999 23:59:59 GMT", "999999999999999999999"):
        seconds = parse_retry_after(value, now=NOW)
        assert seconds is not None and math.isfinite(seconds) and 0 <= seconds <= MAX_RETRY_AFTER
        assert datetime.now(UTC) + timedelta(seconds=seconds) > datetime.now(UTC)


def test_rate_limited_with_an_infinite_retry_after_carries_the_cap() -> None:
    response = httpx.Response(429, headers={"Retry-After": "inf"})
    with pytest.raises(RateLimited) as caught:
        raise_for_status(response, network="Mastodon")
    assert caught.value.retry_after == MAX_RETRY_AFTER


# --- rate_window_from: recorded header sets (tests/fixtures/<network>/rate_headers.json) ---------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RATE_NOW = datetime.fromtimestamp(NOW, UTC)


def _rate_cases() -> list[Any]:
    cases = []
    for network in ("mastodon", "bluesky"):
        data = json.loads((FIXTURES / network / "rate_headers.json").read_text(encoding="utf-8"))
        cases.extend(pytest.param(case, id=f"{network}: {case['name']}") for case in data["cases"])
    return cases


@pytest.mark.parametrize("case", _rate_cases())
def test_rate_window_from_recorded_headers(case: dict[str, Any]) -> None:
    window = rate_window_from(case["headers"], now=RATE_NOW)  # a plain dict, names in any case
    assert rate_window_from(httpx.Headers(case["headers"]), now=RATE_NOW) == window
    expect = case["expect"]
    if expect is None:
        assert window is None
        return
    resets_at = datetime.fromisoformat(expect["resets_at"]) if expect["resets_at"] else None
    assert window == RateWindow(expect["limit"], expect["remaining"], resets_at, expect["scope"])


def test_rate_window_reset_is_utc_and_relative_to_now() -> None:
    window = rate_window_from({"RateLimit-Limit": "10", "RateLimit-Remaining": "3", "RateLimit-Reset": "30"})
    assert window is not None and window.resets_at is not None
    assert window.resets_at.utcoffset() == timedelta(0)
    assert abs((window.resets_at - datetime.now(UTC)).total_seconds() - 30) < 5


def test_report_rate_names_the_host_and_survives_a_failing_observer(caplog: pytest.LogCaptureFixture) -> None:
    headers = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "7", "RateLimit-Policy": "3000;w=300"}
    response = httpx.Response(200, headers=headers, request=httpx.Request("GET", "http://127.0.0.1:1/xrpc/x"))
    seen: list[RateWindow] = []
    report_rate(response, seen.append, host="appview.example")
    report_rate(response, seen.append)
    report_rate(httpx.Response(200, request=response.request), seen.append)  # no window: not called
    assert [(w.scope, w.remaining) for w in seen] == [("appview.example 3000;w=300", 7), ("3000;w=300", 7)]

    def broken(window: RateWindow) -> None:
        raise RuntimeError("database is locked")

    report_rate(response, broken)  # must not raise: the request itself succeeded
    assert "Recording a rate-limit window failed" in caplog.text


def test_client_reports_every_response_to_its_observer() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        status = 429 if request.url.path == "/limited" else 200
        return httpx.Response(status, headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0"})

    seen: list[RateWindow] = []
    with make_client("http://127.0.0.1:9", transport=httpx.MockTransport(answer), observe_rate=seen.append) as c:
        c.get("/ok")
        c.get("/limited")
    assert [(w.limit, w.remaining) for w in seen] == [(300, 0), (300, 0)]
