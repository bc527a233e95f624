"""Instagram provider (hidden from Connect): every post is refused before scheduling because Instagram
fetches media from a public web address; metrics and errors against documented replies
(tests/fixtures/instagram) replayed through httpx.MockTransport."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import AuthExpired, Connection, MediaItem, PostRequest, PublishedPart, Rejected
from providers.instagram import InstagramProvider
from providers.instagram.provider import NEEDS_PUBLIC_MEDIA

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "instagram"
CONN = Connection(
    server_url="https://graph.facebook.com",
    remote_id="17841401441775531",
    handle="bluebottle",
    secrets={"access_token": "t"},
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _replay(routes: dict[str, httpx.Response]) -> tuple[InstagramProvider, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return routes.get(request.url.path, httpx.Response(400, json=fixture("exchanges.json")["error"]))

    return InstagramProvider(transport=httpx.MockTransport(handle)), sent


def _codes(post: PostRequest) -> list[str]:
    return [p.code for p in InstagramProvider().validate(post)]


def test_is_hidden_from_connect() -> None:
    assert InstagramProvider.info.available is False
    with pytest.raises(Rejected) as refused:
        InstagramProvider().connect({"access_token": "x"})
    assert refused.value.message == NEEDS_PUBLIC_MEDIA


def test_every_post_is_refused_with_a_plain_reason(tmp_path: Path) -> None:
    image = MediaItem(tmp_path / "a.jpg", "image/jpeg", alt_text="a dot", size=100)
    for post in (PostRequest.single("Caption only"), PostRequest.single("With a photo", [image])):
        problems = InstagramProvider().validate(post)
        assert [(p.code, p.message) for p in problems] == [("media_needs_public_url", NEEDS_PUBLIC_MEDIA)]


def test_caption_limits() -> None:
    assert "too_long" in _codes(PostRequest.single("a" * 2201))
    assert "too_long" not in _codes(PostRequest.single("a" * 2200))
    tags = " ".join(f"#tag{i}" for i in range(31))
    assert "too_many_hashtags" in _codes(PostRequest.single(tags))
    assert "too_many_hashtags" not in _codes(PostRequest.single(tags.rsplit(" ", 1)[0]))
    assert "too_many_hashtags" not in _codes(PostRequest.single("Tom&#39;s " * 40))  # an entity, not a tag


def test_publish_sends_nothing_and_reconciliation_finds_nothing() -> None:
    p, sent = _replay({})
    with pytest.raises(Rejected):
        p.publish(CONN, PostRequest.single("Caption"), "k")
    assert p.find_published(CONN, "k", "Caption", datetime.now(UTC)) is None
    done = (PublishedPart(0, "17889455560051444"),)
    found = p.find_published(CONN, "k", "Caption", datetime.now(UTC), done=done)
    assert found is not None and found.remote_id == "17889455560051444"
    assert sent == []


def test_account_metrics_from_the_documented_user_fields() -> None:
    p, sent = _replay({"/v21.0/17841401441775531": httpx.Response(200, json=fixture("exchanges.json")["user_counts"])})
    # follows_count was not in the reply: left out, not 0.
    assert p.account_metrics(CONN).values == {"followers": 267793, "posts": 1205}
    assert sent[0].url.params["fields"] == "followers_count,follows_count,media_count"
    assert sent[0].headers["authorization"] == "Bearer t"


def test_post_metrics_leave_out_media_instagram_no_longer_has() -> None:
    routes = {"/v21.0/17889455560051444": httpx.Response(200, json=fixture("exchanges.json")["media_counts"])}
    gone = {"error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}}
    routes["/v21.0/404"] = httpx.Response(400, json=gone)
    p, _ = _replay(routes)
    metrics = p.post_metrics(CONN, ["17889455560051444", "404"])
    assert {k: dict(v.values) for k, v in metrics.items()} == {"17889455560051444": {"likes": 12, "replies": 3}}


def test_expired_token_is_auth_expired_with_instagram_words() -> None:
    p, _ = _replay({})
    with pytest.raises(AuthExpired) as expired:
        p.account_metrics(CONN)
    assert expired.value.network_message == "A message"
    assert expired.value.message.startswith("Instagram")


def test_delete_is_refused() -> None:
    with pytest.raises(Rejected):
        InstagramProvider().delete(CONN, "17889455560051444")
