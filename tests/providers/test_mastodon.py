"""Mastodon provider against a real Mastodon-API server (mastodon-mock on 127.0.0.1)."""

from __future__ import annotations

import struct
import uuid
import zlib
from pathlib import Path

import pytest

from providers.base import Connection, MediaItem, PostPart, PostRequest, RateLimited, Rejected, Transient
from providers.mastodon import DEFAULT_LIMITS, MastodonProvider
from tests.servers.mastodon import MastodonMockServer, connection_for, count_statuses

pytestmark = pytest.mark.slow


def tiny_png(path: Path) -> Path:
    """A valid 1×1 red PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def provider() -> MastodonProvider:
    return MastodonProvider()


@pytest.fixture(autouse=True)
def no_leftover_faults(mastodon_server: MastodonMockServer) -> None:
    mastodon_server.clear_faults()


def key() -> str:
    return f"test-{uuid.uuid4()}"


def status(server: MastodonMockServer, conn: Connection, status_id: str) -> dict:  # type: ignore[type-arg]
    response = server.api("GET", f"/api/v1/statuses/{status_id}", conn.secrets["access_token"])
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def test_connect_reads_account_and_limits(provider: MastodonProvider, mastodon_server: MastodonMockServer) -> None:
    token = mastodon_server.create_account("carla")
    account = provider.connect({"instance": mastodon_server.url + "/", "access_token": f"  {token} "})
    assert account.remote_id
    assert account.handle == f"@carla@{mastodon_server.url.removeprefix('http://')}"
    assert account.display_name == "carla"
    assert account.server_url == mastodon_server.url
    assert account.secrets == {"access_token": token}
    assert account.avatar_url.startswith("http://127.0.0.1")
    assert account.limits is not None
    # The mock's /api/v2/instance: 500 chars, 23 per URL, 4 media, 10 MB images, 40 MB video.
    assert account.limits.max_chars == 500
    assert account.limits.url_length == 23
    assert account.limits.max_media == 4
    assert account.limits.max_image_bytes == 10 * 1024 * 1024
    assert account.limits.max_video_bytes == 40 * 1024 * 1024
    assert {"image/png", "image/jpeg", "video/mp4"} <= account.limits.media_types
    assert account.limits.max_parts == DEFAULT_LIMITS.max_parts


def test_fetch_limits(provider: MastodonProvider, mastodon_connection: Connection) -> None:
    assert provider.fetch_limits(mastodon_connection).max_chars == 500


def test_connect_with_a_bad_token_is_auth_expired(
    provider: MastodonProvider, mastodon_server: MastodonMockServer
) -> None:
    from providers.base import AuthExpired

    with pytest.raises(AuthExpired):
        provider.connect({"instance": mastodon_server.url, "access_token": "not-a-token"})


def test_publish_text_with_options(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    post = PostRequest.single(
        "Hello from Campaign Desk https://example.com/launch",
        visibility="unlisted",
        content_warning="launch news",
        language="en",
    )
    published = provider.publish(mastodon_connection, post, key())
    assert published.part_ids == (published.remote_id,)
    got = status(mastodon_server, mastodon_connection, published.remote_id)
    assert got["url"] == published.url
    assert got["visibility"] == "unlisted"
    assert got["spoiler_text"] == "launch news"
    assert got["language"] == "en"
    assert "https://example.com/launch" in got["content"]


def test_publish_image_with_alt_text(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection, tmp_path: Path
) -> None:
    png = tiny_png(tmp_path / "dot.png")
    item = MediaItem(png, "image/png", alt_text="A single red dot", size=png.stat().st_size)
    published = provider.publish(mastodon_connection, PostRequest.single("A dot", [item]), key())
    (attachment,) = status(mastodon_server, mastodon_connection, published.remote_id)["media_attachments"]
    assert attachment["description"] == "A single red dot"
    assert attachment["type"] == "image"
    stored = mastodon_server.api("GET", attachment["url"].removeprefix(mastodon_server.url))
    assert stored.content == png.read_bytes()


def test_thread_of_three_replies_in_a_chain(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    post = PostRequest(parts=tuple(PostPart(f"{i}/3 thread {uuid.uuid4().hex[:6]}") for i in (1, 2, 3)))
    published = provider.publish(mastodon_connection, post, key())
    assert len(published.part_ids) == 3
    assert published.remote_id == published.part_ids[0]
    first, second, third = (status(mastodon_server, mastodon_connection, i) for i in published.part_ids)
    assert first["in_reply_to_id"] is None
    assert second["in_reply_to_id"] == first["id"]
    assert third["in_reply_to_id"] == second["id"]


def test_thread_retry_after_failure_resumes_without_duplicates(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    post = PostRequest(parts=tuple(PostPart(f"part {i} {uuid.uuid4().hex[:6]}") for i in range(3)))
    k = key()
    # An attempt that died after two parts left them live under the per-part keys k:0 and k:1.
    provider.publish(mastodon_connection, PostRequest(parts=post.parts[:2]), k)
    before = count_statuses(mastodon_server, mastodon_connection)
    published = provider.publish(mastodon_connection, post, k)
    assert count_statuses(mastodon_server, mastodon_connection) == before + 1
    assert len(set(published.part_ids)) == 3


def test_same_key_twice_is_one_status(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    k = key()
    post = PostRequest.single(f"once {uuid.uuid4().hex}")
    a = provider.publish(mastodon_connection, post, k)
    b = provider.publish(mastodon_connection, post, k)
    assert a == b
    assert count_statuses(mastodon_server, mastodon_connection) == 1


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"effect": "status", "status": 500}, Transient),
        ({"effect": "status", "status": 503}, Transient),
        ({"effect": "malformed"}, Transient),
        ({"effect": "ratelimit"}, RateLimited),
    ],
    ids=["500", "503", "malformed-json", "429"],
)
def test_faults_on_publish(
    provider: MastodonProvider,
    mastodon_server: MastodonMockServer,
    mastodon_connection: Connection,
    fault: dict,  # type: ignore[type-arg]
    error: type[Exception],
) -> None:
    mastodon_server.inject_fault(path="/api/v1/statuses", methods=["POST"], **fault)
    k = key()
    with pytest.raises(error) as caught:
        provider.publish(mastodon_connection, PostRequest.single("faulty"), k)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == pytest.approx(300, abs=5)
    # The fault fired once; retrying with the same key posts exactly once.
    provider.publish(mastodon_connection, PostRequest.single("faulty"), k)
    provider.publish(mastodon_connection, PostRequest.single("faulty"), k)
    assert count_statuses(mastodon_server, mastodon_connection) == 1


def test_too_long_is_rejected_with_the_servers_words(
    provider: MastodonProvider, mastodon_connection: Connection
) -> None:
    with pytest.raises(Rejected) as caught:
        provider.publish(mastodon_connection, PostRequest.single("a" * 501), key())
    assert "Validation failed" in caught.value.reason


def test_slow_server_times_out_as_transient(
    mastodon_server: MastodonMockServer, mastodon_connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from providers import http

    mastodon_server.inject_fault(path="/api/v1/accounts/verify_credentials", effect="latency", delay_ms=1500)
    monkeypatch.setattr(http, "DEFAULT_TIMEOUT", httpx.Timeout(0.3))
    with pytest.raises(Transient):
        MastodonProvider().account_metrics(mastodon_connection)


def test_metrics_follow_the_servers_counters(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    published = provider.publish(mastodon_connection, PostRequest.single("count me"), key())
    fan_token = mastodon_server.create_account()
    fan = connection_for(mastodon_server, fan_token)
    sid = published.remote_id
    mastodon_server.api("POST", f"/api/v1/statuses/{sid}/favourite", fan_token).raise_for_status()
    mastodon_server.api("POST", f"/api/v1/statuses/{sid}/reblog", fan_token).raise_for_status()
    provider.publish(fan, PostRequest(parts=(PostPart("nice"),)), key())  # not a reply
    mastodon_server.api(
        "POST", "/api/v1/statuses", fan_token, data={"status": "great", "in_reply_to_id": sid}
    ).raise_for_status()
    mastodon_server.api("POST", f"/api/v1/accounts/{mastodon_connection.remote_id}/follow", fan_token)

    metrics = provider.post_metrics(mastodon_connection, [sid, "999999999"])
    assert set(metrics) == {sid}
    assert dict(metrics[sid].values) == {"likes": 1, "reposts": 1, "replies": 1}
    account = provider.account_metrics(mastodon_connection).values
    assert account == {"followers": 1, "following": 0, "posts": 1}


def test_post_metrics_fall_back_when_batch_lookup_is_missing(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    ids = [provider.publish(mastodon_connection, PostRequest.single(f"p{i}"), key()).remote_id for i in range(2)]
    mastodon_server.inject_fault(path="/api/v1/statuses", methods=["GET"], status=404)  # like Mastodon < 4.3
    assert set(provider.post_metrics(mastodon_connection, [*ids, "424242"])) == set(ids)


def test_delete_and_delete_again(
    provider: MastodonProvider, mastodon_server: MastodonMockServer, mastodon_connection: Connection
) -> None:
    published = provider.publish(mastodon_connection, PostRequest.single("short-lived"), key())
    provider.delete(mastodon_connection, published.remote_id)
    assert count_statuses(mastodon_server, mastodon_connection) == 0
    provider.delete(mastodon_connection, published.remote_id)  # already gone: no error


def test_find_published_matches_text_rendered_as_html(
    provider: MastodonProvider, mastodon_connection: Connection
) -> None:
    from datetime import UTC, datetime, timedelta

    since = datetime.now(UTC) - timedelta(seconds=5)
    text = f"Fish & chips <tonight> at https://example.com/menu?a=1&b=2 {uuid.uuid4().hex[:6]}"
    published = provider.publish(mastodon_connection, PostRequest.single(text), key())
    provider.publish(mastodon_connection, PostRequest.single("something newer"), key())
    found = provider.find_published(mastodon_connection, "k", text, since)
    assert found is not None and found.remote_id == published.remote_id and found.already
    assert provider.find_published(mastodon_connection, "k", text, datetime.now(UTC) + timedelta(hours=1)) is None
