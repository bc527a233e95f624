"""X provider against the documented exchanges in tests/fixtures/x (each file names its source),
replayed through httpx.MockTransport: request shapes, error mapping, rate windows, media
processing, metrics fallbacks, reconciliation and token refresh."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

import providers.base as base
from providers.base import Connection, MediaItem, PostPart, PostRequest, PublishedPart, RateWindow, Rejected, Transient
from providers.http import rate_window_from
from providers.x import XProvider
from providers.x.media import Uploader
from tests.providers.fixture_replay import FakeClock, ScriptedServer, load_fixture, ok

API = "https://api.x.com"
CONN = Connection(server_url=API, remote_id="2244994945", handle="@XDevelopers", secrets={"access_token": "t"})


def fixture(name: str) -> Any:
    return load_fixture("x", name)


class Server(ScriptedServer):
    NOT_FOUND = {"title": "Not Found Error", "type": "about:blank", "status": 404}

    def provider(self, clock: FakeClock | None = None, **kw: Any) -> XProvider:
        clock = clock or FakeClock()
        return XProvider(transport=self.transport(), sleep=clock.sleep, clock=clock, **kw)


def created(tweet_id: str, text: str = "") -> httpx.Response:
    return ok({"data": {"id": tweet_id, "text": text}}, 201)


def image(tmp_path: Path, name: str = "cat.png", alt: str = "") -> MediaItem:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    return MediaItem(path, "image/png", alt_text=alt, size=path.stat().st_size)


# --- declared data ---------------------------------------------------------------------------


def test_oauth_spec_follows_the_docs() -> None:
    spec = XProvider.info.oauth
    assert spec is not None
    assert spec.authorize_url == "https://x.com/i/oauth2/authorize"
    assert spec.token_url == "https://api.x.com/2/oauth2/token"
    assert set(spec.scopes) == {"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"}
    assert spec.refreshes and not spec.client_secret_required
    assert spec.redirect_port > 0  # X matches the callback URI exactly


# --- errors ----------------------------------------------------------------------------------


def _case_response(case: dict[str, Any]) -> httpx.Response:
    headers = {
        k: (str(int(time.time()) + int(v[len("{reset_in:") : -1])) if v.startswith("{reset_in:") else v)
        for k, v in case["headers"].items()
    }
    return httpx.Response(case["status"], content=case["body"].encode(), headers=headers)


@pytest.mark.parametrize("case", fixture("errors.json")["cases"], ids=lambda c: c["name"])
def test_documented_errors(case: dict[str, Any], tmp_path: Path) -> None:
    server = Server()
    if case["action"] == "media":
        server.on("POST", "/2/media/upload", _case_response(case))
        post = PostRequest.single("pic", [image(tmp_path)])
    else:
        server.on("POST", "/2/tweets", _case_response(case))
        post = PostRequest.single("hello")
    with pytest.raises(getattr(base, case["raises"])) as raised:
        server.provider().publish(CONN, post, "k")
    assert type(raised.value).__name__ == case["raises"]
    assert raised.value.network_message == case["network_message"]
    if "retry_after" in case:
        assert isinstance(raised.value, base.RateLimited)
        assert raised.value.retry_after is not None
        assert case["retry_after"] - 5 <= raised.value.retry_after <= case["retry_after"]


def test_malformed_json_is_transient() -> None:
    server = Server().on("POST", "/2/tweets", httpx.Response(201, content=b"<html>oops</html>"))
    with pytest.raises(Transient):
        server.provider().publish(CONN, PostRequest.single("hello"), "k")


def test_bad_secrets_kind_of_401_on_metrics() -> None:
    case = fixture("errors.json")["cases"][0]
    server = Server().on("GET", "/2/users/me", _case_response(case))
    with pytest.raises(base.AuthExpired):
        server.provider().account_metrics(CONN)


def test_rate_window_from_documented_headers() -> None:
    doc = fixture("rate_limits.json")
    window = rate_window_from(doc["headers"], now=datetime.fromtimestamp(doc["now"], UTC))
    assert window == RateWindow(
        limit=doc["expect"]["limit"],
        remaining=doc["expect"]["remaining"],
        resets_at=datetime.fromisoformat(doc["expect"]["resets_at"]),
        scope=doc["expect"]["scope"],
    )


def test_every_response_reports_its_rate_window() -> None:
    headers = fixture("rate_limits.json")["headers"]
    server = Server().on("POST", "/2/tweets", ok({"data": {"id": "1", "text": "hi"}}, 201, headers))
    seen: list[RateWindow] = []
    conn = Connection(API, "2244994945", "@XDevelopers", {"access_token": "t"}, observe_rate=seen.append)
    server.provider().publish(conn, PostRequest.single("hi"), "k")
    assert [(w.limit, w.remaining) for w in seen] == [(900, 847)]


# --- publishing ------------------------------------------------------------------------------


def test_publish_sends_the_documented_body_and_bearer_token() -> None:
    doc = fixture("create_post.json")
    server = Server().on("POST", "/2/tweets", ok(doc["response"], 201))
    published = server.provider().publish(CONN, PostRequest.single("Hello from the desk"), "k")
    request = server.sent("POST", "/2/tweets")[0]
    assert request.headers["authorization"] == "Bearer t"
    assert json.loads(request.content) == {"text": "Hello from the desk"}
    assert published.remote_id == doc["response"]["data"]["id"]
    assert published.url == f"https://x.com/XDevelopers/status/{published.remote_id}"


def test_thread_replies_to_each_part_and_reports_parts_as_they_go(tmp_path: Path) -> None:
    doc = fixture("create_post.json")
    server = Server()
    server.on("POST", "/2/media/upload", ok(fixture("media.json")["simple_response"]))
    server.on("POST", "/2/tweets", created("100"), created("101"), created("102"))
    seen: list[PublishedPart] = []
    post = PostRequest(parts=(PostPart("one", (image(tmp_path),)), PostPart("two"), PostPart("three")))
    published = server.provider().publish(CONN, post, "k", on_part=seen.append)
    bodies = [json.loads(r.content) for r in server.sent("POST", "/2/tweets")]
    media_id = fixture("media.json")["simple_response"]["data"]["id"]
    assert bodies[0] == {"text": "one", "media": {"media_ids": [media_id]}}
    assert bodies[1].keys() == doc["reply_request"].keys()
    assert bodies[1]["reply"] == {"in_reply_to_tweet_id": "100"}
    assert bodies[2]["reply"] == {"in_reply_to_tweet_id": "101"}
    assert published.part_ids == ("100", "101", "102")
    assert [p.remote_id for p in seen] == ["100", "101", "102"]


def test_thread_resumes_after_done_and_a_failure_carries_the_live_parts() -> None:
    case = fixture("errors.json")["cases"][6]  # 500
    server = Server().on("POST", "/2/tweets", created("201"), _case_response(case))
    post = PostRequest(parts=(PostPart("one"), PostPart("two"), PostPart("three")))
    done = [PublishedPart(0, "200", "https://x.com/XDevelopers/status/200")]
    with pytest.raises(Transient) as failed:
        server.provider().publish(CONN, post, "k", done=done)
    assert [p.remote_id for p in failed.value.parts] == ["200", "201"]
    first = json.loads(server.sent("POST", "/2/tweets")[0].content)
    assert first == {"text": "two", "reply": {"in_reply_to_tweet_id": "200"}}


# --- media -----------------------------------------------------------------------------------


def _form_fields(request: httpx.Request) -> dict[str, str]:
    import email.parser
    import email.policy

    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.content
    )
    out = {}
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        name = str(part.get_param("name", header="content-disposition"))
        out[name] = f"<{len(payload)} bytes>" if part.get_filename() else payload.decode()
    return out


def test_image_upload_and_alt_text(tmp_path: Path) -> None:
    doc = fixture("media.json")
    server = Server()
    server.on("POST", "/2/media/upload", ok(doc["simple_response"]))
    server.on("POST", "/2/media/metadata", ok({"data": {"associated_metadata": {}}}))
    server.on("POST", "/2/tweets", created("300"))
    server.provider().publish(CONN, PostRequest.single("pic", [image(tmp_path, alt="A dancing cat")]), "k")
    upload = _form_fields(server.sent("POST", "/2/media/upload")[0])
    assert upload["media_category"] == "tweet_image" and upload["media"].endswith("bytes>")
    metadata = json.loads(server.sent("POST", "/2/media/metadata")[0].content)
    expected = dict(doc["metadata_request"], id=doc["simple_response"]["data"]["id"])
    assert metadata == expected


def _video(tmp_path: Path, size: int) -> MediaItem:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"v" * size)
    return MediaItem(path, "video/mp4", size=size)


def _chunked_server(doc: dict[str, Any], *statuses: dict[str, Any]) -> Server:
    media_id = doc["initialize_response"]["data"]["id"]
    server = Server()
    server.on("POST", "/2/media/upload/initialize", ok(doc["initialize_response"]))
    server.on("POST", f"/2/media/upload/{media_id}/append", ok({"data": {}}))
    server.on("POST", f"/2/media/upload/{media_id}/finalize", ok(doc["finalize_response"]))
    server.on("GET", "/2/media/upload", *(ok(s) for s in statuses))
    return server


def test_video_is_uploaded_in_chunks_and_waited_for(tmp_path: Path) -> None:
    doc = fixture("media.json")
    server = _chunked_server(doc, doc["status_in_progress"], doc["status_succeeded"])
    clock = FakeClock()
    with httpx.Client(base_url=API, transport=httpx.MockTransport(server)) as client:
        media_id = Uploader(client, sleep=clock.sleep, clock=clock, chunk_bytes=10).upload(_video(tmp_path, 25))
    assert media_id == doc["initialize_response"]["data"]["id"]
    init = json.loads(server.sent("POST", "/2/media/upload/initialize")[0].content)
    assert init == {"media_type": "video/mp4", "total_bytes": 25, "media_category": "tweet_video"}
    appends = server.sent("POST", f"/2/media/upload/{media_id}/append")
    assert [_form_fields(r)["segment_index"] for r in appends] == ["0", "1", "2"]
    statuses = server.sent("GET", "/2/media/upload")
    assert all(parse_qs(r.url.query.decode()) == {"command": ["STATUS"], "media_id": [media_id]} for r in statuses)
    assert clock.sleeps == [1.0, 5.0]  # finalize's check_after_secs, then in_progress's


def test_video_processing_failure_is_rejected_and_nothing_is_posted(tmp_path: Path) -> None:
    doc = fixture("media.json")
    server = _chunked_server(doc, doc["status_failed"])
    server.on("POST", "/2/tweets", created("1"))
    with pytest.raises(Rejected) as refused:
        server.provider().publish(CONN, PostRequest.single("clip", [_video(tmp_path, 25)]), "k")
    assert str(refused.value).startswith("X could not process clip.mp4")
    assert not server.sent("POST", "/2/tweets")


def test_video_processing_past_the_timeout_is_transient(tmp_path: Path) -> None:
    doc = fixture("media.json")
    server = _chunked_server(doc, doc["status_in_progress"])
    clock = FakeClock()
    with pytest.raises(Transient):
        server.provider(clock, media_timeout=12).publish(CONN, PostRequest.single("clip", [_video(tmp_path, 5)]), "k")


# --- metrics ---------------------------------------------------------------------------------


def test_post_metrics_public_and_private() -> None:
    doc = fixture("metrics.json")
    server = Server().on("GET", "/2/tweets", ok(doc["lookup_response"]))
    metrics = server.provider().post_metrics(CONN, ["1234567890", "456"])
    assert set(metrics) == {"1234567890"}  # 456: a partial error, left out
    assert metrics["1234567890"].values == {
        "likes": 234,
        "reposts": 50,
        "replies": 12,
        "quotes": 5,
        "saves": 8,
        "impressions": 5432,
        "link_clicks": 89,
    }
    params = parse_qs(server.sent("GET", "/2/tweets")[0].url.query.decode())
    assert params == {"ids": ["1234567890,456"], "tweet.fields": ["public_metrics,non_public_metrics"]}


def test_private_metrics_refused_falls_back_to_public_not_zero() -> None:
    doc = fixture("metrics.json")
    invalid = fixture("errors.json")["cases"][4]  # 400 invalid request
    server = Server().on("GET", "/2/tweets", _case_response(invalid), ok(doc["public_only_response"]))
    provider = server.provider()
    metrics = provider.post_metrics(CONN, ["1234567890"])
    assert "link_clicks" not in metrics["1234567890"].values
    assert metrics["1234567890"].values["likes"] == 234
    assert "link_clicks" not in provider.metrics_offered(CONN).post
    # Later syncs ask for public metrics only.
    provider.post_metrics(CONN, ["1234567890"])
    last = parse_qs(server.sent("GET", "/2/tweets")[-1].url.query.decode())
    assert last["tweet.fields"] == ["public_metrics"]


def test_account_metrics() -> None:
    server = Server().on("GET", "/2/users/me", ok(fixture("metrics.json")["user_response"]))
    assert server.provider().account_metrics(CONN).values == {"followers": 583423, "following": 2048, "posts": 14052}
    params = parse_qs(server.sent("GET", "/2/users/me")[0].url.query.decode())
    assert "public_metrics" in params["user.fields"][0]


# --- reconciliation and history --------------------------------------------------------------


def _timeline_server() -> Server:
    doc = fixture("timeline.json")
    return Server().on("GET", "/2/users/2244994945/tweets", ok(doc["page1"]), ok(doc["page2"]))


def test_find_published_walks_the_thread_through_t_co_links() -> None:
    server = _timeline_server()
    texts = ["Today marks the launch of Devs in the Details...", "Part two & more https://example.com/launch", "three"]
    found = server.provider().find_published(CONN, "k", texts, datetime(2026, 11, 30, 9, 59, tzinfo=UTC))
    assert found is not None and found.already
    assert found.part_ids == ("1524796546306478083", "1524796546306478085")  # part three never went out
    first = parse_qs(server.sent("GET", "/2/users/2244994945/tweets")[0].url.query.decode())
    assert first["exclude"] == ["retweets"] and first["start_time"] == ["2026-11-30T09:57:00Z"]


def test_find_published_nothing_live() -> None:
    server = _timeline_server()
    assert server.provider().find_published(CONN, "k", "never posted", datetime(2026, 11, 30, tzinfo=UTC)) is None


def test_recent_posts_pages_and_leaves_reposts_out() -> None:
    server = _timeline_server()
    posts = server.provider().recent_posts(CONN, since=None)
    assert [p.remote_id for p in posts] == ["1524796546306478085", "1524796546306478083", "1524468552404668416"]
    assert posts[0].reply_to == "1524796546306478083" and posts[0].text.startswith("Part two & more")
    assert posts[1].metrics["likes"] == 7
    second = parse_qs(server.sent("GET", "/2/users/2244994945/tweets")[1].url.query.decode())
    assert second["pagination_token"] == ["7140dibdnow9c7btw421dyz6jism75z99gyxd8egarsc4"]


def test_delete_of_a_post_already_gone_is_fine() -> None:
    server = Server().on("DELETE", "/2/tweets/1", httpx.Response(404, json={"title": "Not Found Error"}))
    server.provider().delete(CONN, "1")


# --- sign-in and refresh ---------------------------------------------------------------------


def _token_conn(**secrets: str) -> Connection:
    return Connection(API, "2244994945", "@XDevelopers", {"access_token": "old", **secrets})


def test_refresh_public_client_sends_client_id_and_gets_a_rotated_refresh_token() -> None:
    doc = fixture("oauth.json")
    server = Server().on("POST", "/2/oauth2/token", ok(doc["token_response"]))
    req = doc["refresh_public_request"]
    provider = server.provider(wall_clock=lambda: 1_800_000_000.0)
    fresh = provider.refresh(_token_conn(refresh_token=req["refresh_token"], client_id=req["client_id"]))
    sent = server.sent("POST", "/2/oauth2/token")[0]
    assert {k: v[0] for k, v in parse_qs(sent.content.decode()).items()} == req
    assert "authorization" not in sent.headers
    assert fresh["access_token"] == doc["token_response"]["access_token"]
    assert fresh["refresh_token"] == doc["token_response"]["refresh_token"]
    assert fresh["expires_at"] == str(1_800_000_000 + 7200)
    assert fresh["client_id"] == req["client_id"]


def test_refresh_confidential_client_uses_basic_auth() -> None:
    doc = fixture("oauth.json")
    server = Server().on("POST", "/2/oauth2/token", ok(doc["token_response"]))
    server.provider().refresh(_token_conn(refresh_token="r", client_id="cid", client_secret="sec"))
    sent = server.sent("POST", "/2/oauth2/token")[0]
    assert sent.headers["authorization"] == "Basic " + base64.b64encode(b"cid:sec").decode()
    assert parse_qs(sent.content.decode()) == {"grant_type": ["refresh_token"], "refresh_token": ["r"]}


def test_refresh_refused_means_reconnect_with_x_words() -> None:
    doc = fixture("oauth.json")
    server = Server().on("POST", "/2/oauth2/token", ok(doc["refusal_response"], 400))
    with pytest.raises(base.AuthExpired) as refused:
        server.provider().refresh(_token_conn(refresh_token="r", client_id="cid"))
    assert refused.value.network_message == "invalid_grant"


def test_refresh_without_refresh_token_is_auth_expired() -> None:
    with pytest.raises(base.AuthExpired):
        Server().provider().refresh(_token_conn())


def test_accounts_from_tokens_keeps_what_refresh_needs() -> None:
    server = Server().on("GET", "/2/users/me", ok(fixture("metrics.json")["user_response"]))
    tokens = {
        "access_token": "tok-3f9a",
        "refresh_token": "ref-77c1",
        "expires_at": "99",
        "client_id": "cid",
        "junk": "x",
    }
    (account,) = server.provider().accounts_from_tokens("", tokens)
    assert (account.remote_id, account.handle, account.server_url) == ("2244994945", "@XDevelopers", API)
    assert dict(account.secrets) == {
        "access_token": "tok-3f9a",
        "refresh_token": "ref-77c1",
        "expires_at": "99",
        "client_id": "cid",
    }
    assert "tok-3f9a" not in repr(account) and "ref-77c1" not in repr(account)
