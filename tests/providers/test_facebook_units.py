"""Facebook Pages provider: Pages from a user token (paging, the page picker), photos, reconciliation,
metrics and deletion against the stateful fake (tests/servers/facebook_fake.py), and documented exchanges
and errors (tests/fixtures/facebook) replayed through httpx.MockTransport."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import providers.base as base
from providers.base import Connection, MediaItem, PostPart, PostRequest, RateWindow, Rejected
from providers.facebook import FacebookProvider
from providers.facebook.provider import NO_PAGES, POST_METRIC_FIELDS, VIDEO_REFUSAL, post_counts
from providers.meta_graph import regain_access_after, usage_windows
from tests.providers.test_facebook_contract import facebook_connection
from tests.servers.facebook_fake import FacebookFake, running_facebook_fake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "facebook"
CONN = Connection(
    server_url="https://graph.facebook.com", remote_id="546349135390552", handle="page", secrets={"access_token": "t"}
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def fake() -> Iterator[FacebookFake]:
    with running_facebook_fake() as running:
        yield running


def image(tmp_path: Path, name: str) -> MediaItem:
    path = tmp_path / name
    path.write_bytes(PNG + name.encode())
    return MediaItem(path, "image/png", size=path.stat().st_size)


# --- offline checks -------------------------------------------------------------------------------


def test_a_thread_is_refused_because_pages_have_none() -> None:
    post = PostRequest(parts=(PostPart("one"), PostPart("two")))
    assert [p.code for p in FacebookProvider().validate(post)] == ["no_threads"]
    with pytest.raises(Rejected):
        FacebookProvider().publish(CONN, post, "k")


def test_a_video_is_refused_in_a_sentence_of_its_own(tmp_path: Path) -> None:
    video = MediaItem(tmp_path / "clip.mp4", "video/mp4", size=1000)
    problems = FacebookProvider().validate(PostRequest.single("watch", [video]))
    assert [(p.code, p.message) for p in problems] == [("video_unsupported", VIDEO_REFUSAL)]


def test_ten_photos_fit_and_eleven_do_not(tmp_path: Path) -> None:
    photos = [image(tmp_path, f"{i}.png") for i in range(11)]
    assert FacebookProvider().validate(PostRequest.single("album", photos[:10])) == []
    assert [p.code for p in FacebookProvider().validate(PostRequest.single("album", photos))] == ["too_many_media"]


# --- Pages from a user token ------------------------------------------------------------------------


def test_pages_are_read_across_pages_of_me_accounts(fake: FacebookFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("providers.facebook.provider.PAGE_SIZE", 2)
    token = fake.create_user(5)
    accounts = FacebookProvider(api_url=fake.url).accounts_from_tokens("", {"access_token": token})
    assert [a.remote_id for a in accounts] == fake.users[token]
    assert [a.secrets for a in accounts] == [{"access_token": fake.pages[a.remote_id].token} for a in accounts]
    listed = [q for m, q, _, _ in fake.requests if q.endswith("/me/accounts")]
    assert len(listed) == 3  # 2 + 2 + 1
    assert all(token not in q for _, q, _, _ in fake.requests)  # the token went in a header only


def test_a_token_with_several_pages_lists_them_each_with_its_own_token(fake: FacebookFake) -> None:
    token = fake.create_user(3, names=["Bakery", "Cafe", "Books"])
    p = FacebookProvider(api_url=fake.url)
    pages = p.accounts_from_tokens("", {"access_token": token})
    assert [a.display_name for a in pages] == ["Bakery", "Cafe", "Books"]
    assert [a.secrets for a in pages] == [{"access_token": fake.pages[a.remote_id].token} for a in pages]
    with pytest.raises(Rejected) as several:  # connect alone cannot choose: it names them
        p.connect({"access_token": token})
    assert "manages 3 Pages" in several.value.message and "Cafe (" in several.value.message
    assert "page" not in {f.name for f in FacebookProvider.info.connect_fields}  # no free-text Page field


def test_a_token_without_pages_or_a_bad_one_is_refused(fake: FacebookFake) -> None:
    p = FacebookProvider(api_url=fake.url)
    with pytest.raises(Rejected) as none:
        p.connect({"access_token": fake.create_user(0)})
    assert none.value.message == NO_PAGES
    with pytest.raises(base.AuthExpired):
        p.connect({"access_token": "garbage"})


# --- publishing over the fake -----------------------------------------------------------------------


def test_a_text_post_with_a_link(fake: FacebookFake) -> None:
    conn = facebook_connection(fake)
    post = PostRequest(parts=(PostPart("Read this"),), link="https://example.com/a")
    published = FacebookProvider().publish(conn, post, "k")
    stored = fake.posts[published.remote_id]
    assert (stored["message"], stored["link"]) == ("Read this", "https://example.com/a")
    assert published.url.startswith("https://www.facebook.com/")


def test_one_photo_is_uploaded_as_multipart_source_with_its_caption(fake: FacebookFake, tmp_path: Path) -> None:
    conn = facebook_connection(fake)
    photo = image(tmp_path, "a.png")
    published = FacebookProvider().publish(conn, PostRequest.single("Fresh bread", [photo]), "k")
    stored = fake.posts[published.remote_id]
    assert stored["message"] == "Fresh bread" and len(stored["photos"]) == 1
    assert fake.photos[stored["photos"][0]]["bytes"] == photo.path.read_bytes()


def test_several_photos_are_uploaded_unpublished_then_attached_to_one_post(fake: FacebookFake, tmp_path: Path) -> None:
    conn = facebook_connection(fake)
    photos = [image(tmp_path, f"{i}.png") for i in range(3)]
    published = FacebookProvider().publish(conn, PostRequest.single("Three loaves", photos), "k")
    assert len(fake.posts_of(conn.remote_id)) == 1
    stored = fake.posts[published.remote_id]
    assert [fake.photos[i]["bytes"] for i in stored["photos"]] == [p.path.read_bytes() for p in photos]
    assert all(not fake.photos[i]["published"] for i in stored["photos"])
    feed = next(raw for m, q, _, raw in fake.requests if m == "POST" and q.endswith("/feed"))
    form = dict(httpx.QueryParams(feed.decode()))
    assert json.loads(form["attached_media[2]"]) == {"media_fbid": stored["photos"][2]}


def test_find_published_matches_the_text_since_the_attempt(fake: FacebookFake) -> None:
    conn = facebook_connection(fake)
    since = datetime.now(UTC) - timedelta(seconds=5)
    live = FacebookProvider().publish(conn, PostRequest.single("Opening  at nine"), "k")
    found = FacebookProvider().find_published(conn, "k", "Opening at nine", since)
    assert found is not None and found.remote_id == live.remote_id
    assert FacebookProvider().find_published(conn, "k", "never posted", since) is None


def test_metrics_recent_posts_and_delete(fake: FacebookFake) -> None:
    conn = facebook_connection(fake)
    p = FacebookProvider()
    first = p.publish(conn, PostRequest.single("one"), "a")
    second = p.publish(conn, PostRequest.single("two"), "b")
    fake.posts[first.remote_id].update(reactions=7, comments=2, shares=1)
    fake.pages[conn.remote_id].followers = 42
    metrics = p.post_metrics(conn, [first.remote_id, second.remote_id, f"{conn.remote_id}_404"])
    assert metrics[first.remote_id].values == {"likes": 7, "replies": 2, "reposts": 1}
    assert metrics[second.remote_id].values == {"likes": 0, "replies": 0}  # never shared: no reposts, not 0
    assert set(metrics) == {first.remote_id, second.remote_id}
    assert p.account_metrics(conn).values == {"followers": 42}
    recent = p.recent_posts(conn, since=datetime.now(UTC) - timedelta(minutes=1))
    assert [r.remote_id for r in recent] == [second.remote_id, first.remote_id]
    p.delete(conn, first.remote_id)
    p.delete(conn, first.remote_id)  # already gone: not an error
    assert [x["id"] for x in fake.posts_of(conn.remote_id)] == [second.remote_id]


# --- documented exchanges, replayed ---------------------------------------------------------------


def _replay(routes: dict[tuple[str, str], httpx.Response]) -> tuple[FacebookProvider, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return routes.get((request.method, request.url.path), httpx.Response(404, json={}))

    return FacebookProvider(transport=httpx.MockTransport(handle)), sent


def test_documented_page_list_and_publish_and_delete() -> None:
    ex = fixture("exchanges.json")
    p, sent = _replay(
        {
            ("GET", "/v25.0/me/accounts"): httpx.Response(200, json=ex["me_accounts"]),
            ("POST", "/v25.0/546349135390552/feed"): httpx.Response(200, json=ex["feed_post"]),
            ("GET", "/v25.0/546349135390552_1116689038356556"): httpx.Response(400, json={}),
            ("DELETE", "/v25.0/546349135390552_1116689038356556"): httpx.Response(200, json=ex["delete"]),
        }
    )
    pages = p.accounts_from_tokens("", {"access_token": "user"})
    assert [(a.remote_id, a.display_name, a.secrets["access_token"]) for a in pages] == [
        ("PAGE-1-ID", "Facebook Page 1", "PAGE-1-ACCESS-TOKEN"),
        ("PAGE-2-ID", "Facebook Page 2", "PAGE-2-ACCESS-TOKEN"),
    ]
    published = p.publish(CONN, PostRequest.single("Hello Fans!"), "k")
    # No permalink from Graph: the post's facebook.com address.
    assert (published.remote_id, published.url) == (
        "546349135390552_1116689038356556",
        "https://www.facebook.com/546349135390552_1116689038356556",
    )
    feed = next(r for r in sent if r.method == "POST")
    assert dict(httpx.QueryParams(feed.content.decode())) == {"message": "Hello Fans!"}
    assert feed.headers["authorization"] == "Bearer t"
    p.delete(CONN, published.remote_id)


def test_documented_photo_upload_reply_gives_the_post_id(tmp_path: Path) -> None:
    ex = fixture("exchanges.json")
    p, sent = _replay(
        {
            ("POST", "/v25.0/546349135390552/photos"): httpx.Response(200, json=ex["photo_upload"]),
            ("GET", "/v25.0/546349135390552_1116689038356556"): httpx.Response(
                200, json={"permalink_url": "https://www.facebook.com/page/posts/1116689038356556"}
            ),
        }
    )
    photo = image(tmp_path, "loaf.png")
    published = p.publish(CONN, PostRequest.single("Fresh bread", [photo]), "k")
    assert published.remote_id == "546349135390552_1116689038356556"  # the post, not the photo
    assert published.url == "https://www.facebook.com/page/posts/1116689038356556"
    upload = sent[0]
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b'name="caption"' in upload.content and b"Fresh bread" in upload.content
    assert b'name="source"; filename="loaf.png"' in upload.content and photo.path.read_bytes() in upload.content


def test_documented_next_only_paging_follows_next_without_its_token() -> None:
    ex = fixture("exchanges.json")
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if "offset" in request.url.params:
            return httpx.Response(200, json={"data": []})
        return httpx.Response(200, json=ex["me_accounts_next_only"])

    p = FacebookProvider(transport=httpx.MockTransport(handle))
    [page] = p.accounts_from_tokens("", {"access_token": "user"})
    assert page.display_name == "Test App Page"
    assert calls[1].url.host == "graph.facebook.com" and calls[1].url.path == "/v25.0/me/accounts"
    assert calls[1].url.params["offset"] == "5000" and "access_token" not in calls[1].url.params


def test_documented_reactions_summary_reads_as_likes() -> None:
    assert post_counts(fixture("exchanges.json")["post_reactions_summary"]) == {"likes": 28}


def test_documented_post_and_page_counts_read_as_metrics() -> None:
    ex = fixture("exchanges.json")
    shared, unshared = ex["post_counts"]
    p, sent = _replay(
        {
            ("GET", "/v25.0"): httpx.Response(200, json=ex["post_counts"]),
            ("GET", "/v25.0/546349135390552"): httpx.Response(200, json=ex["page_counts"]),
        }
    )
    metrics = p.post_metrics(CONN, [shared, unshared])
    assert metrics[shared].values == {"likes": 28, "replies": 4, "reposts": 3}
    assert metrics[unshared].values == {"likes": 0, "replies": 0}  # never shared: Graph sends no shares
    assert sent[0].url.params["ids"] == f"{shared},{unshared}"
    assert sent[0].url.params["fields"] == POST_METRIC_FIELDS
    assert p.account_metrics(CONN).values == {"followers": 1520}
    assert sent[1].url.params["fields"] == "followers_count,fan_count"
    only_fans = {"fan_count": 7, "id": "546349135390552"}  # a Page reference field; followers_count left out
    p, _ = _replay({("GET", "/v25.0/546349135390552"): httpx.Response(200, json=only_fans)})
    assert p.account_metrics(CONN).values == {"followers": 7}


def test_documented_unpublished_uploads_are_attached_to_one_post(tmp_path: Path) -> None:
    ex = fixture("exchanges.json")
    p, sent = _replay(
        {
            ("POST", "/v25.0/546349135390552/photos"): httpx.Response(200, json=ex["photo_upload_unpublished"]),
            ("POST", "/v25.0/546349135390552/feed"): httpx.Response(200, json=ex["feed_post"]),
        }
    )
    published = p.publish(
        CONN, PostRequest.single("Two loaves", [image(tmp_path, "a.png"), image(tmp_path, "b.png")]), "k"
    )
    assert published.remote_id == ex["feed_post"]["id"]
    feed = next(r for r in sent if r.url.path.endswith("/feed"))
    form = dict(httpx.QueryParams(feed.content.decode()))
    assert json.loads(form["attached_media[1]"]) == {"media_fbid": ex["photo_upload_unpublished"]["id"]}
    assert all(
        b'name="published"' in r.content and b"false" in r.content for r in sent if r.url.path.endswith("/photos")
    )


@pytest.mark.parametrize("case", fixture("errors.json")["cases"], ids=lambda c: c["name"])
def test_documented_errors_map_to_typed_errors(case: dict[str, Any]) -> None:
    response = httpx.Response(case["status"], headers=case.get("headers", {}), content=case["body"].encode())
    p, _ = _replay({("GET", "/v25.0/546349135390552"): response})
    with pytest.raises(getattr(base, case["raises"])) as raised:
        p.account_metrics(CONN)
    assert raised.value.network_message == case["network_message"]
    if case["raises"] == "RateLimited":
        assert raised.value.retry_after == case["retry_after"]  # type: ignore[attr-defined]


def test_usage_headers_read_as_windows_and_waits() -> None:
    app = {"x-app-usage": '{"call_count": 28, "total_time": 25, "total_cputime": 25}'}
    [window] = usage_windows(app)
    assert (window.limit, window.remaining, window.resets_at, window.scope) == (100, 72, None, "app")
    assert regain_access_after(app) is None
    entry = '{"type": "pages", "call_count": 100, "total_time": 25, "estimated_time_to_regain_access": 19}'
    buc = {"x-business-use-case-usage": '{"1": [' + entry + "]}"}
    [window] = usage_windows(buc)
    assert (window.remaining, window.scope) == (0, "business-use-case pages") and window.resets_at is not None
    assert regain_access_after(buc) == 19 * 60
    assert usage_windows({"x-app-usage": "not json"}) == []


def test_usage_headers_reach_the_rate_observer_while_publishing(fake: FacebookFake) -> None:
    windows: list[RateWindow] = []
    conn = dataclasses.replace(facebook_connection(fake), observe_rate=windows.append)
    fake.usage_header = json.dumps(
        {conn.remote_id: [{"type": "pages", "call_count": 40, "total_cputime": 10, "total_time": 12}]}
    )
    FacebookProvider().publish(conn, PostRequest.single("counted"), "k")
    assert windows and {(w.limit, w.remaining, w.scope) for w in windows} == {(100, 60, "business-use-case pages")}


def test_malformed_json_is_transient() -> None:
    p, _ = _replay({("GET", "/v25.0/546349135390552"): httpx.Response(200, content=b"{not json")})
    with pytest.raises(base.Transient):
        p.account_metrics(CONN)


@pytest.mark.parametrize(
    "case",
    [c for c in fixture("errors.json")["cases"] if c["raises"] in ("AuthExpired", "RateLimited")],
    ids=lambda c: c["name"],
)
def test_a_published_post_stays_published_when_its_link_cannot_be_read(case: dict[str, Any]) -> None:
    """The post is live once /feed answers: an expired token or a rate limit on the permalink read
    afterwards must not fail it (a retry would post it a second time)."""
    ex = fixture("exchanges.json")
    refused = httpx.Response(case["status"], headers=case.get("headers", {}), content=case["body"].encode())
    p, _ = _replay(
        {
            ("POST", "/v25.0/546349135390552/feed"): httpx.Response(200, json=ex["feed_post"]),
            ("GET", "/v25.0/546349135390552_1116689038356556"): refused,
        }
    )
    published = p.publish(CONN, PostRequest.single("Hello Fans!"), "k")
    assert (published.remote_id, published.url) == (
        "546349135390552_1116689038356556",
        "https://www.facebook.com/546349135390552_1116689038356556",
    )
