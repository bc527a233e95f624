"""Bluesky metrics, history and rate windows against a real @atproto/pds on 127.0.0.1 and the
stand-in AppView that counts its records (see tests/servers/pds.py).

A second account likes, reposts, replies and follows by writing real records in its own repo;
the provider must count them through the PDS's own proxy and straight from the AppView, leave
out what the AppView does not report (``bookmarkCount``), find the posts the account made
outside the app, and hand every reply's rate window to the connection's observer.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from providers.base import Connection, MetricsOffer, PostRequest, RateWindow
from providers.bluesky import BlueskyProvider, MetricsUnavailable
from providers.bluesky.provider import GET_POSTS_BATCH, parse_at_uri
from tests.servers.pds import PdsServer, PdsUser

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1200)]


@pytest.fixture
def provider() -> BlueskyProvider:
    return BlueskyProvider()


@pytest.fixture
def conn(bluesky_account: tuple[Connection, str]) -> Connection:
    """Signed in through the provider; app.bsky.* goes through the PDS's proxy to the AppView."""
    return bluesky_account[0]


@pytest.fixture
def direct(conn: Connection, pds: PdsServer) -> Connection:
    """The same account reading the (stand-in) AppView directly, as with the public AppView."""
    return dataclasses.replace(conn, settings={**conn.settings, "appview": pds.appview_url})


@pytest.fixture
def itself(conn: Connection, pds: PdsServer) -> PdsUser:
    """The account acting outside the app (another client writing to its repo)."""
    return PdsUser(pds, conn.handle, conn.remote_id, conn.secrets["access_jwt"])


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


# --- post and account metrics ------------------------------------------------------------------


@pytest.mark.parametrize("via", ["pds proxy", "appview"])
def test_likes_reposts_and_replies_by_a_second_account_are_counted(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection, direct: Connection, via: str
) -> None:
    account = conn if via == "pds proxy" else direct
    liked = provider.publish(account, PostRequest.single("a post people like"), key()).remote_id
    quiet = provider.publish(account, PostRequest.single("a post nobody saw"), key()).remote_id
    fan, other = pds.user("fan"), pds.user("other")
    fan.like(liked)
    other.like(liked)
    fan.repost(liked)
    fan.reply(liked)

    metrics = provider.post_metrics(account, [liked, quiet])

    assert dict(metrics[liked].values) == {"likes": 2, "reposts": 1, "replies": 1, "quotes": 0}
    assert dict(metrics[quiet].values) == {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0}
    # saves are offered (bookmarkCount), but this AppView leaves them out: not reported, not 0.
    assert "saves" in provider.metrics_offered(account).post
    assert "saves" not in metrics[liked].values


def test_followers_after_a_follow(pds: PdsServer, provider: BlueskyProvider, direct: Connection) -> None:
    before = provider.account_metrics(direct).values
    pds.user("follower").follow(direct.remote_id)
    after = provider.account_metrics(direct).values
    assert (before["followers"], after["followers"]) == (0, 1)
    assert after["following"] == 0


def test_post_metrics_are_asked_in_batches_of_25(
    provider: BlueskyProvider, direct: Connection, itself: PdsUser
) -> None:
    assert provider.metrics_batch_size == GET_POSTS_BATCH == 25
    uris = [itself.post(f"bulk {i}")["uri"] for i in range(GET_POSTS_BATCH + 2)]
    windows = Windows()
    metrics = provider.post_metrics(dataclasses.replace(direct, observe_rate=windows), uris)
    assert set(metrics) == set(uris)
    assert len(windows.seen) == 2  # one getPosts per batch of 25


def test_metrics_offered_without_an_appview(provider: BlueskyProvider, conn: Connection) -> None:
    off = dataclasses.replace(conn, settings={**conn.settings, "appview": "none"})
    offer = provider.metrics_offered(off)
    assert offer == MetricsOffer(
        (), (), "No metrics: this Bluesky account has no AppView configured. Reconnect it and set one to count them."
    )
    with pytest.raises(MetricsUnavailable):
        provider.recent_posts(off, since=None)
    assert provider.metrics_offered(conn) == MetricsOffer(
        ("likes", "reposts", "replies", "quotes", "saves"), ("followers", "following", "posts")
    )


# --- history -----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["pds proxy", "appview"])
def test_recent_posts_finds_posts_made_outside_the_app(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection, direct: Connection, itself: PdsUser, via: str
) -> None:
    account = conn if via == "pds proxy" else direct
    fan = pds.user("fan")
    theirs = fan.post("someone else's post")
    itself.repost(theirs["uri"])  # a repost is not the account's own post
    fan_parent = fan.post("a question")
    first = itself.post("Written in another app")
    in_app = provider.publish(account, PostRequest.single("Published by the app"), key())
    answer = itself.reply(fan_parent["uri"], "An answer to someone")
    fan.like(first["uri"])

    found = provider.recent_posts(account, since=None)

    assert [p.remote_id for p in found] == [answer["uri"], in_app.remote_id, first["uri"]]  # newest first
    newest, app_post, oldest = found
    assert newest.reply_to == fan_parent["uri"]
    assert (app_post.reply_to, oldest.reply_to) == (None, None)
    assert oldest.text == "Written in another app"
    assert oldest.url == f"https://bsky.app/profile/{conn.handle}/post/{parse_at_uri(first['uri'])[2]}"
    assert app_post.url == in_app.url
    assert oldest.published_at.tzinfo is not None
    assert abs(oldest.published_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert dict(oldest.metrics) == {"likes": 1, "reposts": 0, "replies": 0, "quotes": 0}


def test_recent_posts_pages_with_the_cursor_and_stops_at_limit_and_since(
    provider: BlueskyProvider, direct: Connection, itself: PdsUser
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # More than one page of 100, with known, distinct times (the oldest first).
    made = [
        itself.post(f"history {i}", created_at=(start + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"))
        for i in range(103)
    ]
    newest_first = [m["uri"] for m in reversed(made)]

    assert [p.remote_id for p in provider.recent_posts(direct, since=None, limit=500)] == newest_first
    assert [p.remote_id for p in provider.recent_posts(direct, since=None, limit=5)] == newest_first[:5]
    since = start + timedelta(minutes=100)
    recent = provider.recent_posts(direct, since=since)
    assert [p.remote_id for p in recent] == newest_first[:3]
    assert [p.published_at for p in recent] == [start + timedelta(minutes=m) for m in (102, 101, 100)]


# --- rate windows ------------------------------------------------------------------------------


def test_every_appview_reply_reports_its_rate_window(
    pds: PdsServer, provider: BlueskyProvider, direct: Connection
) -> None:
    windows = Windows()
    observed = dataclasses.replace(direct, observe_rate=windows)
    published = provider.publish(observed, PostRequest.single("observed"), key())
    before = len(windows.seen)  # the PDS in dev mode sends no rate-limit headers; the AppView does
    provider.post_metrics(observed, [published.remote_id])
    provider.account_metrics(observed)
    provider.recent_posts(observed, since=None)
    appview = [w for w in windows.seen[before:] if w.scope.startswith("127.0.0.1:")]
    assert len(appview) == 3
    host = httpx.URL(pds.appview_url)
    for window in appview:
        assert window.scope == f"{host.host}:{host.port} 3000;w=300"
        assert window.limit == 3000 and 0 <= window.remaining < 3000
        assert window.resets_at is not None
        assert datetime.now(UTC) - timedelta(seconds=5) < window.resets_at <= datetime.now(UTC) + timedelta(seconds=301)


# --- the stand-in AppView's own shapes -------------------------------------------------------------


def test_stand_in_author_feed_marks_reposts_and_pages_with_a_cursor(pds: PdsServer, itself: PdsUser) -> None:
    fan = pds.user("fan")
    theirs = fan.post("theirs")
    mine = [itself.post(f"mine {i}")["uri"] for i in range(3)]
    itself.repost(theirs["uri"])
    feed: list[dict[str, object]] = []
    cursor = None
    with httpx.Client(base_url=pds.appview_url, timeout=30) as client:
        for _ in range(10):
            params = {"actor": itself.did, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = client.get("/xrpc/app.bsky.feed.getAuthorFeed", params=params).json()
            feed.extend(page["feed"])
            cursor = page.get("cursor")
            if not cursor:
                break
    assert [item["post"]["uri"] for item in feed] == [theirs["uri"], *reversed(mine)]  # type: ignore[index]
    assert feed[0]["reason"]["$type"] == "app.bsky.feed.defs#reasonRepost"  # type: ignore[index]
    assert feed[0]["reason"]["by"]["did"] == itself.did  # type: ignore[index]
    assert all("reason" not in item for item in feed[1:])


def test_stand_in_post_thread_has_parents_and_replies(pds: PdsServer, itself: PdsUser) -> None:
    fan = pds.user("fan")
    root = itself.post("root")
    middle = fan.reply(root["uri"], "middle")
    leaf = itself.post("leaf", reply_to=itself.subject(middle["uri"]), root=itself.subject(root["uri"]))
    with httpx.Client(base_url=pds.appview_url, timeout=30) as client:
        thread = client.get("/xrpc/app.bsky.feed.getPostThread", params={"uri": middle["uri"]}).json()["thread"]
        missing = client.get("/xrpc/app.bsky.feed.getPostThread", params={"uri": middle["uri"] + "x"})
    assert thread["$type"] == "app.bsky.feed.defs#threadViewPost"
    assert thread["post"]["uri"] == middle["uri"] and thread["post"]["replyCount"] == 1
    assert thread["parent"]["post"]["uri"] == root["uri"]
    assert [r["post"]["uri"] for r in thread["replies"]] == [leaf["uri"]]
    assert (missing.status_code, missing.json()["error"]) == (400, "NotFound")
