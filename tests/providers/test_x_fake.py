"""The X provider end to end against the stateful X API v2 fake over real loopback HTTP:
threads with media, reconciliation after a lost reply, metrics, history and token rotation.
Also X's offline media rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.base import AuthExpired, Connection, MediaItem, PostPart, PostRequest, Rejected
from providers.x import XProvider
from tests.providers.test_x_contract import x_connection
from tests.servers.x_fake import XFake, running_x_fake


@pytest.fixture
def fake() -> Iterator[XFake]:
    with running_x_fake() as server:
        yield server


class NoWait:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def provider() -> XProvider:
    clock = NoWait()
    return XProvider(sleep=clock.sleep, clock=clock)


def media(tmp_path: Path, name: str, mime: str, size: int, alt: str = "") -> MediaItem:
    path = tmp_path / name
    path.write_bytes(b"m" * size)
    return MediaItem(path, mime, alt_text=alt, size=size)


def test_thread_with_image_and_video(fake: XFake, tmp_path: Path) -> None:
    conn = x_connection(fake)
    post = PostRequest(
        parts=(
            PostPart("Launch day 🚀", (media(tmp_path, "a.png", "image/png", 300, alt="Our new logo"),)),
            PostPart("Watch the demo", (media(tmp_path, "demo.mp4", "video/mp4", 5 * 1024 * 1024 + 7),)),
            PostPart("Thanks all"),
        )
    )
    published = provider().publish(conn, post, "k")
    tweets = [fake.tweets[i] for i in published.part_ids]
    assert [t["text"] for t in tweets] == ["Launch day 🚀", "Watch the demo", "Thanks all"]
    assert tweets[1]["referenced_tweets"] == [{"type": "replied_to", "id": published.part_ids[0]}]
    assert tweets[2]["referenced_tweets"] == [{"type": "replied_to", "id": published.part_ids[1]}]
    image_media = fake.media[tweets[0]["media_ids"][0]]
    video = fake.media[tweets[1]["media_ids"][0]]
    assert image_media.alt_text == "Our new logo"
    assert (video.category, video.received, video.polls) == ("tweet_video", 5 * 1024 * 1024 + 7, 2)


def test_reconciliation_finds_a_thread_whose_reply_was_lost(fake: XFake) -> None:
    conn = x_connection(fake)
    since = datetime.now(UTC) - timedelta(seconds=5)
    texts = ["First https://example.com/a?b=1&c=2", "Second <b>bold</b>", "Third"]
    p = provider()
    first = p.publish(conn, PostRequest(parts=(PostPart(texts[0]), PostPart(texts[1]))), "k")
    found = p.find_published(conn, "k", texts, since)
    assert found is not None and found.part_ids == first.part_ids  # the third never went out
    resumed = p.publish(conn, PostRequest(parts=tuple(PostPart(t) for t in texts)), "k", done=found.parts)
    assert len(resumed.part_ids) == 3 and len(fake.posts_of(conn.remote_id)) == 3


def test_metrics_history_and_delete(fake: XFake) -> None:
    conn = x_connection(fake)
    p = provider()
    one = p.publish(conn, PostRequest.single("one"), "k1").remote_id
    two = p.publish(conn, PostRequest(parts=(PostPart("two"), PostPart("two, continued"))), "k2")
    fake.like(one, 3)
    metrics = p.post_metrics(conn, [one, "999"])
    assert set(metrics) == {one} and metrics[one].values["likes"] == 3 and metrics[one].values["link_clicks"] == 0
    history = p.recent_posts(conn, since=None)
    assert [h.remote_id for h in history] == [two.part_ids[1], two.part_ids[0], one]
    assert history[0].reply_to == two.part_ids[0]
    assert p.account_metrics(conn).values["posts"] == 3
    p.delete(conn, one)
    p.delete(conn, one)  # already gone: fine
    assert one not in fake.tweets


def test_private_metrics_not_offered(fake: XFake) -> None:
    fake.private_metrics = False
    conn = x_connection(fake)
    p = provider()
    tid = p.publish(conn, PostRequest.single("hello"), "k").remote_id
    values = p.post_metrics(conn, [tid])[tid].values
    assert "link_clicks" not in values and values["likes"] == 0


def test_refresh_rotates_the_refresh_token(fake: XFake) -> None:
    conn = x_connection(fake)
    refresh = fake.grant_refresh(conn.secrets["access_token"], "client-1")
    conn = dataclasses.replace(conn, secrets={**conn.secrets, "refresh_token": refresh, "client_id": "client-1"})
    p = provider()
    fresh = p.refresh(conn)
    assert fresh["refresh_token"] != refresh and fresh["access_token"] != conn.secrets["access_token"]
    renewed = dataclasses.replace(conn, secrets=fresh)
    assert p.account_metrics(renewed).values["followers"] == 0
    with pytest.raises(AuthExpired):
        p.account_metrics(conn)  # the old access token is gone
    with pytest.raises(AuthExpired):
        p.refresh(conn)  # and so is the old refresh token


def test_connect_checks_the_token(fake: XFake) -> None:
    token = fake.create_account("desk_team")
    account = XProvider(api_url=fake.url).connect({"access_token": token})
    assert account.handle == "@desk_team" and account.secrets == {"access_token": token}
    with pytest.raises(AuthExpired):
        XProvider(api_url=fake.url).connect({"access_token": "nope"})
    with pytest.raises(Rejected):
        XProvider(api_url=fake.url).connect({"access_token": "  "})


def test_too_long_on_the_server_is_rejected(fake: XFake) -> None:
    conn: Connection = x_connection(fake)
    with pytest.raises(Rejected):
        provider().publish(conn, PostRequest.single("字" * 141), "k")


# --- offline media rules ---------------------------------------------------------------------


def codes(post: PostRequest) -> list[str]:
    return [p.code for p in XProvider().validate(post)]


def test_four_photos_or_one_gif_or_one_video(tmp_path: Path) -> None:
    png = [media(tmp_path, f"{i}.png", "image/png", 10) for i in range(4)]
    gif = media(tmp_path, "a.gif", "image/gif", 10)
    mp4 = media(tmp_path, "a.mp4", "video/mp4", 10)
    assert codes(PostRequest.single("x", png)) == []
    assert codes(PostRequest.single("x", [gif])) == []
    assert codes(PostRequest.single("x", [mp4])) == []
    assert codes(PostRequest.single("x", [png[0], gif])) == ["media_mix"]
    assert codes(PostRequest.single("x", [mp4, mp4])) == ["media_mix"]


def test_size_caps(tmp_path: Path) -> None:
    mb = 1024 * 1024
    assert codes(PostRequest.single("x", [media(tmp_path, "big.gif", "image/gif", 1)])) == []
    big_gif = dataclasses.replace(media(tmp_path, "big.gif", "image/gif", 1), size=14 * mb)
    assert codes(PostRequest.single("x", [big_gif])) == []
    assert codes(PostRequest.single("x", [dataclasses.replace(big_gif, size=16 * mb)])) == ["media_size"]
    big_png = dataclasses.replace(media(tmp_path, "big.png", "image/png", 1), size=6 * mb)
    assert codes(PostRequest.single("x", [big_png])) == ["media_size"]
    long_alt = media(tmp_path, "a.png", "image/png", 10, alt="a" * 1001)
    assert codes(PostRequest.single("x", [long_alt])) == ["alt_too_long"]
