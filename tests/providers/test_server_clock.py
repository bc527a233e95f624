"""Reading posts back after a lost reply when our clock and the network's disagree.

``find_published`` compares the network's post times with ``since``, which is our clock's. A clock
minutes fast used to look past the post a lost reply had made, and the post went out twice. The
provider's client now reads the server's clock from its replies' ``Date`` (RFC 9110 §6.6.1), asking
with one ``HEAD`` when it has had no reply yet, and reads back that much further (capped)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from providers.http import make_client, server_clock_offset
from providers.reconcile import CLOCK_SKEW, MAX_CLOCK_CORRECTION, read_back_from
from tests.providers.test_mastodon_fixtures import CONN, Server, status_with

SINCE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _dated(seconds_from_ours: float | None) -> httpx.MockTransport:
    """A server whose every reply says its clock is ``seconds_from_ours`` from ours (None: no Date)."""

    def reply(request: httpx.Request) -> httpx.Response:
        headers = {}
        if seconds_from_ours is not None:
            server_now = datetime.fromtimestamp(time.time() + seconds_from_ours, UTC)
            headers["Date"] = format_datetime(server_now, usegmt=True)
        return httpx.Response(404, headers=headers, json={})

    return httpx.MockTransport(reply)


def test_a_server_behind_our_clock_widens_the_read_back_by_as_much() -> None:
    with make_client("https://social.example", transport=_dated(-600)) as client:
        oldest = read_back_from(SINCE, client)
    assert SINCE - CLOCK_SKEW - timedelta(seconds=602) <= oldest <= SINCE - CLOCK_SKEW - timedelta(seconds=598)


def test_a_server_ahead_or_in_step_reads_back_the_usual_skew() -> None:
    for ahead in (0, 600):
        with make_client("https://social.example", transport=_dated(ahead)) as client:
            assert read_back_from(SINCE, client) == SINCE - CLOCK_SKEW


def test_a_wild_server_date_widens_at_most_an_hour() -> None:
    with make_client("https://social.example", transport=_dated(-5 * 365 * 86400)) as client:
        assert read_back_from(SINCE, client) == SINCE - CLOCK_SKEW - MAX_CLOCK_CORRECTION


def test_no_date_or_no_client_keeps_the_usual_skew_and_asks_once() -> None:
    asked: list[str] = []

    def reply(request: httpx.Request) -> httpx.Response:
        asked.append(request.method)
        return httpx.Response(200, json={})

    with make_client("https://social.example", transport=httpx.MockTransport(reply)) as client:
        assert read_back_from(SINCE, client) == SINCE - CLOCK_SKEW
        assert asked == ["HEAD"]
    assert read_back_from(SINCE) == SINCE - CLOCK_SKEW


def test_the_clock_comes_from_the_last_reply_without_asking() -> None:
    with make_client("https://social.example", transport=_dated(-120)) as client:
        client.get("/api/v1/instance")
        offset = server_clock_offset(client)
    assert offset is not None and -122 <= offset <= -118


def test_mastodon_finds_a_status_its_lost_reply_made_while_our_clock_ran_ten_minutes_fast() -> None:
    """The first attempt's reply was lost; our clock is 10 minutes ahead of the server's, so the
    status carries a time 10 minutes before the attempt as we saw it. It is found, not sent again."""
    ours_now = datetime.now(UTC)
    attempt = ours_now - timedelta(seconds=30)  # when we sent it, by our clock
    made = attempt - timedelta(minutes=10)  # the same moment, by the server's

    def timeline(request: httpx.Request) -> httpx.Response:
        statuses = [status_with("42", created_at=made.isoformat().replace("+00:00", "Z"), text="Spring sale")]
        return httpx.Response(200, json=statuses if not request.url.params.get("max_id") else [])

    server = Server().on("GET", "/api/v1/accounts/1/statuses", timeline)
    transport = server.transport()

    def with_date(request: httpx.Request) -> httpx.Response:
        response = transport.handle_request(request)
        response.headers["Date"] = format_datetime(datetime.now(UTC) - timedelta(minutes=10), usegmt=True)
        return response

    from providers.mastodon import MastodonProvider

    provider = MastodonProvider(transport=httpx.MockTransport(with_date), sleep=lambda _: None)
    found = provider.find_published(CONN, "k", "Spring sale", attempt)
    assert found is not None and found.remote_id == "42"
