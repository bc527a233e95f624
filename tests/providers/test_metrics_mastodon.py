"""Mastodon metrics, history and rate windows against a Mastodon-API server (mastodon-mock on 127.0.0.1).

A second user favourites, boosts and replies through the ordinary client API; the provider must
count what they did, leave out what the server does not report (``quotes_count`` before 4.5), find
the posts the account made outside the app, and hand every response's rate window to the
connection's observer — publishing included.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from providers.base import Connection, PostRequest, RateWindow
from providers.mastodon import BATCH_SIZE, MastodonProvider
from tests.servers.mastodon import MastodonMockServer, connection_for

pytestmark = pytest.mark.slow


@pytest.fixture
def provider() -> MastodonProvider:
    return MastodonProvider()


@pytest.fixture(autouse=True)
def no_leftover_faults(mastodon_server: MastodonMockServer) -> None:
    mastodon_server.clear_faults()


def key() -> str:
    return f"metrics-{uuid.uuid4()}"


class Windows:
    """An observer that records every window it is given (thread-safe, as the contract asks)."""

    def __init__(self) -> None:
        self.seen: list[RateWindow] = []
        self._lock = threading.Lock()

    def __call__(self, window: RateWindow) -> None:
        with self._lock:
            self.seen.append(window)


def test_a_second_users_favourite_boost_and_reply_are_counted(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    liked = provider.publish(mastodon_connection, PostRequest.single("a post people like"), key()).remote_id
    quiet = provider.publish(mastodon_connection, PostRequest.single("a post nobody saw"), key()).remote_id
    fan = mastodon_server.create_account()
    mastodon_server.favourite(fan, liked)
    mastodon_server.boost(fan, liked)
    mastodon_server.reply(fan, liked)

    metrics = provider.post_metrics(mastodon_connection, [liked, quiet])

    assert dict(metrics[liked].values) == {"likes": 1, "reposts": 1, "replies": 1}
    assert dict(metrics[quiet].values) == {"likes": 0, "reposts": 0, "replies": 0}
    # quotes is offered (Mastodon 4.5+), but this server leaves quotes_count out: not reported, not 0.
    assert "quotes" in provider.metrics_offered(mastodon_connection).post
    assert "quotes" not in metrics[liked].values


def test_followers_after_a_follow(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    before = provider.account_metrics(mastodon_connection).values
    mastodon_server.follow(mastodon_server.create_account(), mastodon_connection.remote_id)
    after = provider.account_metrics(mastodon_connection).values
    assert (before["followers"], after["followers"]) == (0, 1)
    assert after["following"] == 0


def test_metrics_for_more_posts_than_one_batch_holds(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    assert provider.metrics_batch_size == BATCH_SIZE
    token = mastodon_connection.secrets["access_token"]
    ids = [mastodon_server.post_status(token, f"bulk {i}")["id"] for i in range(BATCH_SIZE + 3)]
    fan = mastodon_server.create_account()
    mastodon_server.favourite(fan, ids[-1])
    metrics = provider.post_metrics(mastodon_connection, ids)
    assert set(metrics) == set(ids)
    assert metrics[ids[-1]].values["likes"] == 1
    assert sum(m.values["likes"] for m in metrics.values()) == 1


def test_recent_posts_finds_posts_made_outside_the_app(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    token = mastodon_connection.secrets["access_token"]
    fan = mastodon_server.create_account()
    theirs = mastodon_server.post_status(fan, "someone else's post")
    mastodon_server.boost(token, theirs["id"])  # a boost is not the account's own post
    first = mastodon_server.post_status(token, "Written in the web app")
    reply = mastodon_server.post_status(token, "And a follow-up", in_reply_to_id=first["id"])
    mastodon_server.favourite(fan, first["id"])

    found = provider.recent_posts(mastodon_connection, since=None)

    assert [p.remote_id for p in found] == [reply["id"], first["id"]]  # newest first, no boost
    newest, oldest = found
    assert (newest.reply_to, oldest.reply_to) == (first["id"], None)
    assert oldest.text == "Written in the web app"
    assert oldest.url == first["url"]
    assert oldest.published_at.tzinfo is not None
    assert abs(oldest.published_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert dict(oldest.metrics) == {"likes": 1, "reposts": 0, "replies": 1}


def test_recent_posts_pages_back_and_stops_at_limit_and_since(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    token = mastodon_connection.secrets["access_token"]
    ids = [mastodon_server.post_status(token, f"history {i}")["id"] for i in range(45)]  # more than a page of 40

    everything = provider.recent_posts(mastodon_connection, since=None)
    assert [p.remote_id for p in everything] == ids[::-1]
    assert [p.remote_id for p in provider.recent_posts(mastodon_connection, since=None, limit=42)] == ids[::-1][:42]

    cutoff = everything[9].published_at
    recent = provider.recent_posts(mastodon_connection, since=cutoff)
    assert all(p.published_at >= cutoff for p in recent)
    assert [p.remote_id for p in recent] == [p.remote_id for p in everything if p.published_at >= cutoff]
    future = datetime.now(UTC) + timedelta(days=1)
    assert provider.recent_posts(mastodon_connection, since=future) == []


def test_every_response_reports_its_rate_window_publishing_included(
    provider: MastodonProvider, mastodon_server: MastodonMockServer
) -> None:
    windows = Windows()
    conn = dataclasses.replace(connection_for(mastodon_server, mastodon_server.create_account()), observe_rate=windows)
    published = provider.publish(conn, PostRequest.single("observed"), key())
    after_publish = len(windows.seen)
    assert after_publish >= 1  # POST /api/v1/statuses
    provider.post_metrics(conn, [published.remote_id])
    provider.account_metrics(conn)
    provider.recent_posts(conn, since=None)
    assert len(windows.seen) >= after_publish + 3
    for window in windows.seen:
        assert window.limit == 1_000_000 and 0 <= window.remaining < window.limit
        assert window.scope == "default"
        assert window.resets_at is not None and window.resets_at > datetime.now(UTC) - timedelta(seconds=5)
    remaining = [w.remaining for w in windows.seen]
    assert remaining == sorted(remaining, reverse=True)  # each request used one


def test_an_observer_that_fails_does_not_fail_the_publish(
    provider: MastodonProvider, mastodon_server: MastodonMockServer
) -> None:
    def broken(window: RateWindow) -> None:
        raise RuntimeError("database is locked")

    conn = dataclasses.replace(connection_for(mastodon_server, mastodon_server.create_account()), observe_rate=broken)
    published = provider.publish(conn, PostRequest.single("still goes out"), key())
    assert provider.post_metrics(conn, [published.remote_id])[published.remote_id].values["likes"] == 0
