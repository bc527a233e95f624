"""Metrics and history calls of both providers against recorded, documented payloads
(tests/fixtures/<network>/), replayed through httpx.MockTransport: what the loopback servers cannot
show — a count the network leaves out, reposts and other authors in a feed, Link-header paging, and
the error replies (401, 429 with Retry-After, malformed JSON, a reply of the wrong shape).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from providers.base import (
    AuthExpired,
    Connection,
    MetricsOffer,
    PostRequest,
    Provider,
    ProviderError,
    RateLimited,
    RateWindow,
    Transient,
)
from providers.bluesky import BlueskyProvider
from providers.mastodon import MastodonProvider
from tests.providers.fixture_replay import Handler, load_fixture

MASTODON = Connection("https://mastodon.social", "1", "@Gargron@mastodon.social", {"access_token": "t"})
BLUESKY = Connection(
    "https://pds.example",
    "did:plc:shop",
    "shop.bsky.social",
    {"access_jwt": "a", "refresh_jwt": "r"},
    {"service": "https://bsky.social", "appview": "https://appview.example"},
)


def mastodon(handler: Handler) -> MastodonProvider:
    return MastodonProvider(transport=httpx.MockTransport(handler))


def bluesky(handler: Handler) -> BlueskyProvider:
    return BlueskyProvider(transport=httpx.MockTransport(handler))


# --- Mastodon ---------------------------------------------------------------------------------


def test_mastodon_history_pages_by_link_header_and_leaves_out_boosts() -> None:
    pages = load_fixture("mastodon", "account_statuses.json")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path == "/api/v1/accounts/1/statuses"
        assert request.url.params["exclude_reblogs"] == "true"
        if request.url.params.get("max_id") == "101":
            return httpx.Response(200, json=pages["page2"])
        link = '<https://mastodon.social/api/v1/accounts/1/statuses?limit=40&max_id=101>; rel="next"'
        return httpx.Response(200, json=pages["page1"], headers={"Link": link})

    found = mastodon(handler).recent_posts(MASTODON, since=datetime(2027, 1, 12, tzinfo=UTC))

    assert [p.remote_id for p in found] == ["103", "101", "100"]  # no boost (102), no DM (100.5), stops before 99
    reply, sale, yesterday = found
    assert reply.reply_to == "90" and sale.reply_to is None
    assert dict(reply.metrics) == {"likes": 4, "reposts": 1, "replies": 0, "quotes": 2}  # a 4.5 server
    assert dict(sale.metrics) == {"likes": 12, "reposts": 2, "replies": 1}  # quotes not reported
    assert sale.text == "Spring sale starts today\nEverything 20% off"
    assert yesterday.text == "Yesterday's post"
    assert sale.url == "https://mastodon.social/@Gargron/101"
    assert sale.published_at == datetime(2027, 1, 15, 7, 30, tzinfo=UTC)
    assert [r.url.params.get("max_id") for r in seen] == [None, "101"]


def test_mastodon_metrics_leave_out_what_the_server_does_not_report() -> None:
    status = load_fixture("mastodon", "status.json")
    partial = {**status, "id": "2", "favourites_count": None}
    del partial["replies_count"]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[status, partial])

    metrics = mastodon(handler).post_metrics(MASTODON, ["1", "2"])
    assert dict(metrics["1"].values) == {"likes": 112, "reposts": 98, "replies": 7}
    assert dict(metrics["2"].values) == {"reposts": 98}


def test_mastodon_offers_quotes_and_its_batch_size() -> None:
    provider = MastodonProvider()
    assert provider.metrics_offered(MASTODON) == MetricsOffer(
        ("likes", "reposts", "replies", "quotes"), ("followers", "following", "posts")
    )
    assert provider.metrics_batch_size == 20


# --- Bluesky ----------------------------------------------------------------------------------


def test_bluesky_history_skips_reposts_and_other_authors_and_follows_the_cursor() -> None:
    pages = load_fixture("bluesky", "author_feed.json")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.host == "appview.example"
        assert request.url.path == "/xrpc/app.bsky.feed.getAuthorFeed"
        assert (request.url.params["actor"], request.url.params["filter"]) == ("did:plc:shop", "posts_with_replies")
        assert request.url.params["limit"] == "100"
        page = pages["page2"] if request.url.params.get("cursor") == pages["page1"]["cursor"] else pages["page1"]
        return httpx.Response(200, json=page)

    found = bluesky(handler).recent_posts(BLUESKY, since=datetime(2027, 1, 10, tzinfo=UTC))

    assert [p.remote_id.rsplit("/", 1)[1] for p in found] == ["3lreply", "3lsale", "3lold"]
    reply, sale, old = found
    assert reply.reply_to == "at://did:plc:fan/app.bsky.feed.post/3lq"
    assert sale.reply_to is None and sale.text == "Spring sale starts today"
    assert sale.url == "https://bsky.app/profile/shop.bsky.social/post/3lsale"
    assert sale.published_at == datetime(2027, 1, 15, 6, 30, tzinfo=UTC)  # record.createdAt, in UTC
    assert dict(sale.metrics) == {"likes": 21, "reposts": 5, "replies": 2, "quotes": 1, "saves": 3}
    assert dict(old.metrics) == {"likes": 3, "reposts": 1, "replies": 0}  # an AppView without quotes/bookmarks
    assert [r.url.params.get("cursor") for r in seen] == [None, pages["page1"]["cursor"]]


def test_bluesky_metrics_leave_out_what_the_appview_does_not_report() -> None:
    old = load_fixture("bluesky", "author_feed.json")["page2"]["feed"][0]["post"]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("getProfile"):
            return httpx.Response(200, json={"did": "did:plc:shop", "handle": "shop.bsky.social", "followersCount": 5})
        return httpx.Response(200, json={"posts": [old]})

    provider = bluesky(handler)
    assert dict(provider.post_metrics(BLUESKY, [old["uri"]])[old["uri"]].values) == {
        "likes": 3,
        "reposts": 1,
        "replies": 0,
    }
    assert dict(provider.account_metrics(BLUESKY).values) == {"followers": 5}


def test_bluesky_publish_reports_the_pds_rate_windows() -> None:
    """Every XRPC reply while acting for the account, the writes included, goes to the observer,
    named by host so the PDS's window and the AppView's stay apart."""
    headers = {
        "RateLimit-Limit": "5000",
        "RateLimit-Remaining": "4997",
        "RateLimit-Reset": "1800003600",
        "RateLimit-Policy": "5000;w=3600",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("getRecord"):
            return httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate record"})
        uri = "at://did:plc:shop/app.bsky.feed.post/3kabc"
        return httpx.Response(200, json={"uri": uri, "cid": "bafy"}, headers=headers)

    seen: list[RateWindow] = []
    conn = Connection(
        BLUESKY.server_url, BLUESKY.remote_id, BLUESKY.handle, BLUESKY.secrets, BLUESKY.settings, seen.append
    )
    bluesky(handler).publish(conn, PostRequest.single("hello"), "key-1")
    assert [(w.scope, w.limit, w.remaining) for w in seen] == [("pds.example 5000;w=3600", 5000, 4997)]


# --- error replies of the metrics calls, both networks ------------------------------------------

MALFORMED = httpx.Response(200, content=b"<html>Bad gateway</html>", headers={"Content-Type": "text/html"})

ERRORS: list[tuple[str, httpx.Response, type[ProviderError]]] = [
    ("401", httpx.Response(401, json={"error": "The access token is invalid"}), AuthExpired),
    (
        "429 Retry-After",
        httpx.Response(429, json={"error": "Too many requests"}, headers={"Retry-After": "120"}),
        RateLimited,
    ),
    ("malformed JSON", MALFORMED, Transient),
    ("503", httpx.Response(503, text="Service Unavailable"), Transient),
]

CALLS: list[tuple[str, Callable[[Handler], Provider], Connection, Callable[[Provider, Connection], object]]] = [
    ("mastodon post_metrics", mastodon, MASTODON, lambda p, c: p.post_metrics(c, ["1"])),
    ("mastodon account_metrics", mastodon, MASTODON, lambda p, c: p.account_metrics(c)),
    ("mastodon recent_posts", mastodon, MASTODON, lambda p, c: p.recent_posts(c, since=None)),
    (
        "bluesky post_metrics",
        bluesky,
        BLUESKY,
        lambda p, c: p.post_metrics(c, ["at://did:plc:shop/app.bsky.feed.post/x"]),
    ),
    ("bluesky account_metrics", bluesky, BLUESKY, lambda p, c: p.account_metrics(c)),
    ("bluesky recent_posts", bluesky, BLUESKY, lambda p, c: p.recent_posts(c, since=None)),
]


@pytest.mark.parametrize(("reply", "response", "error"), ERRORS, ids=[e[0] for e in ERRORS])
@pytest.mark.parametrize(("call", "make", "conn", "run"), CALLS, ids=[c[0] for c in CALLS])
def test_metrics_calls_map_error_replies(
    reply: str,
    response: httpx.Response,
    error: type[ProviderError],
    call: str,
    make: Callable[[Handler], Provider],
    conn: Connection,
    run: Callable[[Provider, Connection], object],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(response.status_code, headers=response.headers, content=response.content)

    with pytest.raises(error) as err:
        run(make(handler), conn)
    assert str(err.value)  # a sentence for the user, never empty
    if error is RateLimited:
        assert err.value.retry_after == 120  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("call", "body"),
    [
        ("mastodon recent_posts", {"error": "not a list"}),
        ("bluesky post_metrics", {"posts": "not a list"}),
        ("bluesky recent_posts", {"feed": None}),
    ],
)
def test_a_reply_of_the_wrong_shape_is_transient(call: str, body: object) -> None:
    _, make, conn, run = next(c for c in CALLS if c[0] == call)
    with pytest.raises(Transient):
        run(make(lambda request: httpx.Response(200, json=body)), conn)


def test_a_bluesky_expired_token_through_the_pds_proxy_is_auth_expired() -> None:
    via_pds = Connection(
        BLUESKY.server_url, BLUESKY.remote_id, BLUESKY.handle, BLUESKY.secrets, {"appview": BLUESKY.server_url}
    )
    expired = httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})
    provider = bluesky(lambda request: expired)
    for run in (
        lambda: provider.post_metrics(via_pds, ["at://did:plc:shop/app.bsky.feed.post/x"]),
        lambda: provider.account_metrics(via_pds),
        lambda: provider.recent_posts(via_pds, since=None),
    ):
        with pytest.raises(AuthExpired):
            run()
