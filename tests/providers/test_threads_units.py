"""Threads provider: counting, the media refusal, threads, reconciliation, quota and sign-in against the
stateful fake (tests/servers/threads_fake.py), and documented exchanges and errors
(tests/fixtures/threads) replayed through httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import providers.base as base
from providers.base import (
    AuthExpired,
    Connection,
    MediaItem,
    PostPart,
    PostRequest,
    PublishedPart,
    RateLimited,
    RateWindow,
    Rejected,
)
from providers.threads import ThreadsProvider
from providers.threads.provider import BROWSER_SIGN_IN, MEDIA_REFUSAL, threads_length
from tests.providers.test_threads_contract import threads_connection
from tests.servers.threads_fake import ThreadsFake, running_threads_fake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "threads"
CONN = Connection(
    server_url="https://graph.threads.net",
    remote_id="1234567",
    handle="threadsapitestuser",
    secrets={"access_token": "t"},
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def fake() -> Iterator[ThreadsFake]:
    with running_threads_fake() as running:
        yield running


def provider() -> ThreadsProvider:
    return ThreadsProvider(sleep=lambda _: None)


# --- counting and validate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("", 0),
        ("Hello, world!", 13),
        ("e\u0301", 1),  # one grapheme, not an emoji
        ("ñandú", 5),
        ("👍", 4),  # an emoji counts as its UTF-8 bytes
        ("👍🏽", 8),
        ("🇫🇷", 8),
        ("Go 🚀!", 8),
    ],
)
def test_length_counts_emoji_as_utf8_bytes(text: str, length: int) -> None:
    assert threads_length(text) == length
    assert ThreadsProvider().measure(text) == length


def test_500_characters_fit_and_emoji_push_over() -> None:
    p = ThreadsProvider()
    assert p.validate(PostRequest.single("a" * 500)) == []
    codes = {pr.code for pr in p.validate(PostRequest.single("a" * 497 + "👍"))}
    assert codes == {"too_long"}


def test_validate_refuses_media_with_a_plain_reason(tmp_path: Path) -> None:
    image = MediaItem(tmp_path / "a.png", "image/png", alt_text="a dot", size=100)
    post = PostRequest(parts=(PostPart("First"), PostPart("Second", (image,))))
    problems = ThreadsProvider().validate(post)
    assert [(pr.code, pr.message, pr.part) for pr in problems] == [("media_needs_public_url", MEDIA_REFUSAL, 1)]


def test_a_thread_of_text_parts_is_valid() -> None:
    post = PostRequest(parts=tuple(PostPart(f"Part {i}") for i in range(5)))
    assert ThreadsProvider().validate(post) == []


# --- publishing, threads, reconciliation over the fake ------------------------------------------


def test_publish_with_media_is_refused_without_a_request(fake: ThreadsFake, tmp_path: Path) -> None:
    conn = threads_connection(fake)
    before = len(fake.requests)
    image = MediaItem(tmp_path / "a.png", "image/png", size=100)
    with pytest.raises(Rejected) as refused:
        provider().publish(conn, PostRequest.single("pic", [image]), "k")
    assert refused.value.message == MEDIA_REFUSAL
    assert len(fake.requests) == before and fake.posts_of(conn.remote_id) == []


def test_thread_parts_reply_to_each_other_and_are_reported_one_by_one(fake: ThreadsFake) -> None:
    conn = threads_connection(fake)
    seen: list[PublishedPart] = []
    post = PostRequest(parts=(PostPart("one"), PostPart("two"), PostPart("three")))
    published = provider().publish(conn, post, "k", on_part=seen.append)
    assert [p.index for p in seen] == [0, 1, 2]
    ids = published.part_ids
    assert [fake.media[i]["reply_to"] for i in ids] == ["", ids[0], ids[1]]
    assert all(url.startswith("https://www.threads.net/@") for url in published.part_urls)
    # Created as TEXT containers, published by creation_id, the token only in the Authorization header.
    posted = [(m, p) for m, p, _, _ in fake.requests if m == "POST"]
    assert posted[0] == ("POST", f"/v1.0/{conn.remote_id}/threads")
    assert posted[1] == ("POST", f"/v1.0/{conn.remote_id}/threads_publish")
    token = conn.secrets["access_token"]
    assert all(token not in path for _, path, _, _ in fake.requests)


def test_publish_resumes_after_done_parts(fake: ThreadsFake) -> None:
    conn = threads_connection(fake)
    post = PostRequest(parts=(PostPart("one"), PostPart("two")))
    first = provider().publish(conn, PostRequest.single("one"), "k")
    resumed = provider().publish(conn, post, "k", done=first.parts)
    assert resumed.part_ids[0] == first.remote_id
    assert fake.media[resumed.part_ids[1]]["reply_to"] == first.remote_id
    assert len(fake.posts_of(conn.remote_id)) == 2


def test_find_published_returns_the_live_prefix_of_a_thread(fake: ThreadsFake) -> None:
    conn = threads_connection(fake)
    since = datetime.now(UTC) - timedelta(seconds=5)
    live = provider().publish(conn, PostRequest(parts=(PostPart("alpha"), PostPart("beta"))), "k")
    found = provider().find_published(conn, "k", ["alpha", "beta", "gamma"], since)
    assert found is not None and found.part_ids == live.part_ids
    # Another account's reply with the same text is not ours.
    other = threads_connection(fake)
    theirs = dict(fake.media[live.part_ids[1]], id="999", owner=other.remote_id, username=other.handle)
    fake.media["999"] = dict(theirs, reply_to=live.part_ids[1], text="gamma")
    again = provider().find_published(conn, "k", ["alpha", "beta", "gamma"], since)
    assert again is not None and len(again.part_ids) == 2
    assert provider().find_published(conn, "k", "never posted", since) is None


def test_quota_used_up_stops_before_a_container_is_made(fake: ThreadsFake) -> None:
    windows: list[RateWindow] = []
    conn = threads_connection(fake)
    conn = Connection(conn.server_url, conn.remote_id, conn.handle, conn.secrets, observe_rate=windows.append)
    fake.quota_total = 1
    provider().publish(conn, PostRequest.single("the one"), "k1")
    assert {w.scope: (w.limit, w.remaining) for w in windows} == {"posts": (1, 1), "replies": (1000, 1000)}
    with pytest.raises(RateLimited):
        provider().publish(conn, PostRequest.single("one too many"), "k2")
    assert len(fake.containers) == 1


def test_metrics_and_delete(fake: ThreadsFake) -> None:
    conn = threads_connection(fake)
    published = provider().publish(conn, PostRequest.single("measure me"), "k")
    fake.media[published.remote_id]["likes"] = 7
    metrics = provider().post_metrics(conn, [published.remote_id, "404404"])
    assert set(metrics) == {published.remote_id}
    assert metrics[published.remote_id].values == {
        "impressions": 0,
        "likes": 7,
        "replies": 0,
        "reposts": 0,
        "quotes": 0,
    }
    provider().delete(conn, published.remote_id)
    assert fake.posts_of(conn.remote_id) == []


def test_recent_posts_lists_top_level_posts_newest_first(fake: ThreadsFake) -> None:
    conn = threads_connection(fake)
    p = provider()
    first = p.publish(conn, PostRequest.single("older"), "a")
    second = p.publish(conn, PostRequest(parts=(PostPart("newer"), PostPart("reply"))), "b")
    posts = p.recent_posts(conn, since=datetime.now(UTC) - timedelta(minutes=1))
    assert [r.remote_id for r in posts] == [second.remote_id, first.remote_id]
    assert posts[0].text == "newer" and posts[0].url.startswith("https://www.threads.net/@")


# --- sign-in ------------------------------------------------------------------------------------------


def test_browser_sign_in_exchanges_for_a_long_lived_token_and_refreshes(fake: ThreadsFake) -> None:
    short = fake.create_account("brand")
    p = ThreadsProvider(api_url=fake.url, wall_clock=lambda: 1_000_000.0)
    tokens = {"access_token": short, "client_id": "990602627938098", "client_secret": fake.client_secret}
    [account] = p.accounts_from_tokens("", tokens)
    assert account.handle == "brand" and account.server_url == fake.url
    assert account.secrets["access_token"] != short
    assert account.secrets["expires_at"] == str(1_000_000 + 5183944)
    assert account.secrets["client_secret"] == fake.client_secret
    conn = Connection(account.server_url, account.remote_id, account.handle, account.secrets)
    renewed = p.refresh(conn)
    assert renewed["access_token"] not in (short, account.secrets["access_token"])
    with pytest.raises(AuthExpired):  # the old token was replaced
        p.refresh(conn)


def test_sign_in_with_a_wrong_app_secret_is_refused(fake: ThreadsFake) -> None:
    p = ThreadsProvider(api_url=fake.url)
    with pytest.raises(base.ProviderError):
        p.accounts_from_tokens("", {"access_token": fake.create_account(), "client_secret": "wrong"})


def test_browser_sign_in_is_not_offered_and_its_spec_names_the_documented_endpoints() -> None:
    # Meta takes only https redirect URIs, so the loopback listener cannot receive the code.
    assert ThreadsProvider.info.oauth is None
    assert ThreadsProvider.info.auth_kind is base.AuthKind.ACCESS_TOKEN
    assert BROWSER_SIGN_IN.authorize_url == "https://threads.net/oauth/authorize"
    assert BROWSER_SIGN_IN.token_url == "https://graph.threads.net/oauth/access_token"
    assert BROWSER_SIGN_IN.client_secret_required and BROWSER_SIGN_IN.scope_separator == ","


def test_connect_checks_a_pasted_token(fake: ThreadsFake) -> None:
    token = fake.create_account("brand.studio")
    account = ThreadsProvider(api_url=fake.url).connect({"access_token": f"  {token} "})
    assert (account.handle, account.display_name, account.secrets) == (
        "brand.studio",
        "Brand.Studio",
        {"access_token": token},
    )
    with pytest.raises(AuthExpired):
        ThreadsProvider(api_url=fake.url).connect({"access_token": "garbage"})
    with pytest.raises(Rejected):
        ThreadsProvider(api_url=fake.url).connect({"access_token": " "})


# --- documented exchanges, replayed ---------------------------------------------------------------


def _replay(routes: dict[tuple[str, str], httpx.Response]) -> tuple[ThreadsProvider, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return routes.get((request.method, request.url.path), httpx.Response(404, json={}))

    return ThreadsProvider(transport=httpx.MockTransport(handle), sleep=lambda _: None), sent


def test_documented_publish_exchange() -> None:
    ex = fixture("exchanges.json")
    limit = {"data": [ex["publishing_limit"]["data"][0] | ex["reply_limit"]["data"][0]]}
    p, sent = _replay(
        {
            ("GET", "/v1.0/1234567/threads_publishing_limit"): httpx.Response(200, json=limit),
            ("POST", "/v1.0/1234567/threads"): httpx.Response(200, json={"id": "17889615691921648"}),
            ("GET", "/v1.0/17889615691921648"): httpx.Response(200, json=ex["status_finished"]),
            ("POST", "/v1.0/1234567/threads_publish"): httpx.Response(200, json=ex["publish"]),
            ("GET", "/v1.0/1234567"): httpx.Response(200, json={"permalink": "https://www.threads.net/@t/post/abc"}),
        }
    )
    published = p.publish(CONN, PostRequest.single("Hello"), "k")
    assert published.remote_id == "1234567" and published.url == "https://www.threads.net/@t/post/abc"
    create = next(r for r in sent if r.method == "POST" and r.url.path.endswith("/threads"))
    assert dict(httpx.QueryParams(create.content.decode())) == {"media_type": "TEXT", "text": "Hello"}
    assert create.headers["authorization"] == "Bearer t"
    publish = next(r for r in sent if r.url.path.endswith("/threads_publish"))
    assert publish.url.params["creation_id"] == "17889615691921648"


def test_container_error_status_is_rejected_with_threads_words() -> None:
    ex = fixture("exchanges.json")
    p, _ = _replay(
        {
            ("GET", "/v1.0/1234567/threads_publishing_limit"): httpx.Response(200, json=ex["publishing_limit"]),
            ("POST", "/v1.0/1234567/threads"): httpx.Response(200, json={"id": "17889615691921648"}),
            ("GET", "/v1.0/17889615691921648"): httpx.Response(200, json=ex["status_error"]),
        }
    )
    with pytest.raises(Rejected) as refused:
        p.publish(CONN, PostRequest.single("Hello"), "k")
    assert refused.value.network_message == "FAILED_DOWNLOADING_VIDEO"


def test_documented_insights_and_delete() -> None:
    ex = fixture("exchanges.json")
    p, _ = _replay(
        {
            ("GET", "/v1.0/1234567/insights"): httpx.Response(200, json=ex["media_insights"]),
            ("DELETE", "/v1.0/1234567"): httpx.Response(200, json=ex["delete"]),
        }
    )
    # Only what Threads reported: views, reposts and quotes were not in the reply, so not 0.
    assert p.post_metrics(CONN, ["1234567"])["1234567"].values == {"likes": 100, "replies": 10}
    p.delete(CONN, "1234567")


def test_documented_profile_and_token_exchange() -> None:
    ex = fixture("exchanges.json")
    p, sent = _replay(
        {
            ("GET", "/access_token"): httpx.Response(200, json=ex["long_lived"]),
            ("GET", "/v1.0/me"): httpx.Response(200, json=ex["me"]),
        }
    )
    [account] = p.accounts_from_tokens("", {"access_token": "short", "client_secret": "s3cret"})
    assert (account.remote_id, account.handle, account.display_name) == (
        "1234567",
        "threadsapitestuser",
        "Threads API Test User",
    )
    assert account.secrets["access_token"] == "<LONG_LIVED_USER_ACCESS_TOKEN>"
    exchange = sent[0]
    assert exchange.url.params["grant_type"] == "th_exchange_token"
    assert exchange.headers["authorization"] == "Bearer short"
    assert "short" not in str(exchange.url)


@pytest.mark.parametrize("case", fixture("errors.json")["cases"], ids=lambda c: c["name"])
def test_documented_errors_map_to_typed_errors(case: dict[str, Any]) -> None:
    response = httpx.Response(case["status"], headers=case.get("headers", {}), content=case["body"].encode())
    p, _ = _replay({("GET", "/v1.0/1234567/threads_insights"): response})
    with pytest.raises(getattr(base, case["raises"])) as raised:
        p.account_metrics(CONN)
    assert raised.value.network_message == case["network_message"]
    if case["raises"] == "RateLimited":
        assert raised.value.retry_after == case["retry_after"]  # type: ignore[attr-defined]


def test_malformed_json_is_transient() -> None:
    p, _ = _replay({("GET", "/v1.0/1234567/threads_insights"): httpx.Response(200, content=b"{not json")})
    with pytest.raises(base.Transient):
        p.account_metrics(CONN)


def test_unknown_post_metrics_are_left_out_not_zero() -> None:
    body = {"error": {"message": "Unsupported get request.", "type": "THApiException", "code": 100, "fbtrace_id": "x"}}
    p, _ = _replay({("GET", "/v1.0/gone/insights"): httpx.Response(400, json=body)})
    assert p.post_metrics(CONN, ["gone"]) == {}


@pytest.mark.parametrize(
    "case",
    [c for c in fixture("errors.json")["cases"] if c["raises"] in ("AuthExpired", "RateLimited")],
    ids=lambda c: c["name"],
)
def test_a_published_post_stays_published_when_its_link_cannot_be_read(case: dict[str, Any]) -> None:
    """The post is live once threads_publish answers: an expired token or a rate limit on the
    permalink read afterwards must not fail the part (a retry would post it a second time)."""
    ex = fixture("exchanges.json")
    refused = httpx.Response(case["status"], headers=case.get("headers", {}), content=case["body"].encode())
    p, _ = _replay(
        {
            ("GET", "/v1.0/1234567/threads_publishing_limit"): httpx.Response(200, json=ex["publishing_limit"]),
            ("POST", "/v1.0/1234567/threads"): httpx.Response(200, json={"id": "17889615691921648"}),
            ("GET", "/v1.0/17889615691921648"): httpx.Response(200, json=ex["status_finished"]),
            ("POST", "/v1.0/1234567/threads_publish"): httpx.Response(200, json=ex["publish"]),
            ("GET", "/v1.0/1234567"): refused,
        }
    )
    published = p.publish(CONN, PostRequest.single("Hello"), "k")
    assert published.remote_id == "1234567"
    assert published.url.startswith("https://www.threads.")  # the address built from the handle and id
