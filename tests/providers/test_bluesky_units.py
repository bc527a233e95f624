"""Bluesky provider pieces that need no server: TIDs, facets, image headers, error mapping.

Error replies the real PDS cannot be made to send (429, 5xx, garbage) are played through
``httpx.MockTransport`` with the bodies and headers Bluesky documents.
"""

from __future__ import annotations

import json
import socket
import struct
import time
import zlib
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.base import (
    AuthExpired,
    Connection,
    MediaItem,
    PostPart,
    PostRequest,
    RateLimited,
    Rejected,
    Transient,
    count_graphemes,
)
from providers.bluesky import BlueskyProvider, MetricsUnavailable
from providers.bluesky.richtext import byte_offset, detect, facets
from providers.bluesky.tid import decode_tid, derive_rkey, encode_tid, is_tid, make_tid
from providers.media_info import image_size, read_media_info
from providers.registry import Registry

DID = "did:plc:abcdefghijklmnopqrstuvwx"


def png_bytes(width: int, height: int) -> bytes:
    """A valid RGB PNG, made with zlib and struct only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def conn(settings_: dict[str, str] | None = None) -> Connection:
    return Connection(
        server_url="https://pds.example.com",
        remote_id=DID,
        handle="alice.example.com",
        secrets={"access_jwt": "a", "refresh_jwt": "r", "app_password": "p"},
        settings=settings_ if settings_ is not None else {"appview": "https://appview.example.com"},
    )


def provider_with(handler: object) -> BlueskyProvider:
    return BlueskyProvider(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


# --- declared data ------------------------------------------------------------------------


def test_registry_builds_the_provider_without_arguments() -> None:
    provider = Registry(entry_points_=[]).get("bluesky")
    assert isinstance(provider, BlueskyProvider)
    info = provider.info
    assert info.limits.max_chars == 300 and info.limits.max_media == 4
    assert info.limits.max_image_bytes == 1_000_000 and info.native_idempotency and info.threads
    assert [f.name for f in info.connect_fields] == ["handle", "app_password", "service", "appview"]
    assert [f.name for f in info.connect_fields if f.secret] == ["app_password"]
    assert info.post_metrics == ("likes", "reposts", "replies", "quotes", "saves")
    assert info.account_metrics == ("followers", "following", "posts")


def test_validate_counts_graphemes_and_rejects_video(tmp_path: Path) -> None:
    p = BlueskyProvider()
    family = "👨‍👩‍👧‍👦"
    assert p.measure(family * 300) == 300
    assert p.validate(PostRequest.single("x" * 300)) == []
    assert [pr.code for pr in p.validate(PostRequest.single("x" * 301))] == ["too_long"]
    # 300 graphemes but over the 3000-byte lexicon limit
    assert "too_long" in [pr.code for pr in p.validate(PostRequest.single(family * 300))]
    video = MediaItem(tmp_path / "clip.mp4", "video/mp4", size=10)
    assert "media_type" in [pr.code for pr in p.validate(PostRequest.single("hi", [video]))]
    big = MediaItem(tmp_path / "big.png", "image/png", size=1_000_001)
    assert "media_size" in [pr.code for pr in p.validate(PostRequest.single("hi", [big]))]
    long_alt = MediaItem(tmp_path / "a.png", "image/png", alt_text="a" * 2001, size=10)
    assert "alt_too_long" in [pr.code for pr in p.validate(PostRequest.single("hi", [long_alt]))]
    thread = PostRequest(parts=tuple(PostPart(f"part {i}") for i in range(26)))
    assert "too_many_parts" in [pr.code for pr in p.validate(thread)]


# --- TIDs ---------------------------------------------------------------------------------


def test_tid_encoding_matches_the_spec_examples() -> None:
    assert encode_tid(0) == "2222222222222"
    assert make_tid(1724171495793000, 512) == "3l25zusnsfck2"  # from the atproto TID docs
    assert decode_tid("3l25zusnsfck2") == (1724171495793000 << 10) | 512


@given(st.text(min_size=1, max_size=80), st.integers(min_value=0, max_value=24))
def test_derived_record_keys_are_valid_stable_tids(key: str, part: int) -> None:
    rkey = derive_rkey(key, part)
    assert is_tid(rkey) and rkey == derive_rkey(key, part)
    timestamp_us = decode_tid(rkey) >> 10
    assert 1_672_531_200_000_000 <= timestamp_us < time.time() * 1_000_000


def test_derived_record_keys_differ_per_key_and_part() -> None:
    keys = {derive_rkey(f"variant-{i}", part) for i in range(200) for part in range(3)}
    assert len(keys) == 600


# --- facets -------------------------------------------------------------------------------


def _slice(text: str, facet: dict[str, object]) -> str:
    index = facet["index"]
    assert isinstance(index, dict)
    return text.encode()[index["byteStart"] : index["byteEnd"]].decode()


def test_facets_for_links_mentions_and_tags_use_byte_offsets() -> None:
    text = "🇫🇷 Café #soirée 👍🏽 see https://example.com/a?b=c. cc @bob.test and @ghost.test #x)"
    found = facets(text, lambda h: "did:plc:bob" if h == "bob.test" else None)
    got = [(f["features"][0]["$type"].split("#")[1], _slice(text, f)) for f in found]
    assert got == [
        ("tag", "#soirée"),
        ("link", "https://example.com/a?b=c"),
        ("mention", "@bob.test"),
        ("tag", "#x"),
    ]
    assert found[0]["features"][0]["tag"] == "soirée"
    assert found[2]["features"][0]["did"] == "did:plc:bob"


def test_tag_rules() -> None:
    assert [s.value for s in detect("#123 #a1 #end! x#no #_ok")] == ["a1", "end", "_ok"]
    assert detect("#" + "a" * 65) == []
    assert [s.value for s in detect("# spaced #ok")] == ["ok"]


def test_link_rules() -> None:
    assert [s.value for s in detect("(https://ex.com/x)")] == ["https://ex.com/x"]
    assert [s.value for s in detect("https://en.wikipedia.org/wiki/Foo_(bar)")] == [
        "https://en.wikipedia.org/wiki/Foo_(bar)"
    ]
    assert [s.kind for s in detect("https://ex.com/#tag @x.com")] == ["link", "mention"]
    assert detect("email me: a@b.com") == []


_pieces = st.sampled_from(
    [
        "👨‍👩‍👧‍👦",  # ZWJ family
        "🇯🇵",  # flag
        "👍🏿",  # skin tone
        "e\u0301",  # combining acute
        "漢字",
        "한국어",
        "ＡＢＣ",
        " ",
        "\n",
        "word",
        "ä",
        "🏳️‍🌈",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_pieces, max_size=12),
    st.lists(_pieces, max_size=12),
    st.sampled_from(["https://example.com/p?q=1", "#tag", "#タグ", "#café", "@bob.test"]),
)
def test_facet_byte_offsets_always_slice_the_feature(before: list[str], after: list[str], feature: str) -> None:
    text = "".join(before) + " " + feature + " " + "".join(after)
    found = facets(text, lambda h: "did:plc:bob")
    assert [_slice(text, f) for f in found] == [feature]
    index = found[0]["index"]
    assert index["byteStart"] == len(("".join(before) + " ").encode())


@given(st.text(max_size=60))
def test_byte_offsets_agree_with_utf8(text: str) -> None:
    for i in range(len(text) + 1):
        assert byte_offset(text, i) == len(text[:i].encode("utf-8", "surrogatepass"))


@given(st.lists(_pieces, max_size=40))
def test_graphemes_count_each_piece_once(pieces: list[str]) -> None:
    expected = sum(count_graphemes(p) for p in pieces if p)
    # pieces never join across boundaries except "e"+combining handled inside a piece
    text = "".join(pieces)
    assert count_graphemes(text) <= expected
    assert BlueskyProvider().measure("👨‍👩‍👧‍👦🇯🇵👍🏿e\u0301漢") == 5


# --- image headers ------------------------------------------------------------------------


def test_image_sizes_from_headers(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    png.write_bytes(png_bytes(7, 3))
    info = read_media_info(png)
    assert (info.mime, info.width, info.height) == ("image/png", 7, 3)
    assert image_size(b"GIF89a" + struct.pack("<HH", 640, 480) + b"\x00" * 8) == (640, 480)
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", 16)
        + b"JFIF\x00"
        + b"\x00" * 9
        + b"\xff\xc0"
        + struct.pack(">HBHHB", 11, 8, 480, 1280, 3)
        + b"\x00" * 9
    )
    assert image_size(jpeg) == (1280, 480)
    vp8x = (
        b"RIFF\x00\x00\x00\x00WEBPVP8X"
        + b"\x0a\x00\x00\x00"
        + b"\x00" * 4
        + (799).to_bytes(3, "little")
        + (599).to_bytes(3, "little")
    )
    assert image_size(vp8x) == (800, 600)
    bits = (99) | (49 << 14)
    vp8l = b"RIFF\x00\x00\x00\x00WEBPVP8L" + b"\x00" * 4 + b"\x2f" + bits.to_bytes(4, "little")
    assert image_size(vp8l) == (100, 50)
    vp8 = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 4 + b"\x00" * 3 + b"\x9d\x01\x2a" + struct.pack("<HH", 320, 240)
    assert image_size(vp8) == (320, 240)
    assert image_size(b"not an image") is None
    assert image_size(b"\x89PNG\r\n\x1a\n") is None


# --- error mapping (documented replies the real PDS cannot be made to send) ---------------


def _xrpc_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "message": message}, headers=headers)


def test_429_with_ratelimit_reset_is_rate_limited(tmp_path: Path) -> None:
    reset = int(time.time()) + 120
    p = provider_with(
        lambda request: _xrpc_error(
            429,
            "RateLimitExceeded",
            "Rate Limit Exceeded",
            {"RateLimit-Limit": "5000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)},
        )
    )
    with pytest.raises(RateLimited) as err:
        p.publish(conn(), PostRequest.single("hi"), "k1")
    assert err.value.retry_after is not None and 100 <= err.value.retry_after <= 121
    assert "Rate Limit Exceeded" in str(err.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_transient(status: int) -> None:
    p = provider_with(lambda request: _xrpc_error(status, "InternalServerError", "Internal Server Error"))
    with pytest.raises(Transient):
        p.publish(conn(), PostRequest.single("hi"), "k1")


def test_malformed_json_is_transient() -> None:
    p = provider_with(lambda request: httpx.Response(200, content=b"<html>gateway</html>"))
    with pytest.raises(Transient, match="not valid JSON"):
        p.find_published(conn(), "k1", "hi", since=None)  # type: ignore[arg-type]


def test_timeout_and_refused_connection_are_transient() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(Transient, match="in time"):
        provider_with(slow).publish(conn(), PostRequest.single("hi"), "k1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = Connection(f"http://127.0.0.1:{port}", DID, "a.test", {"access_jwt": "x"}, {})
    with pytest.raises(Transient, match="Could not reach"):
        BlueskyProvider().publish(closed, PostRequest.single("hi"), "k1")


RECORDED = json.loads((Path(__file__).parents[1] / "fixtures" / "bluesky" / "pds_replies.json").read_text())


@pytest.mark.parametrize("reply", RECORDED["replies"], ids=lambda r: r["name"])
def test_recorded_pds_errors_map_to_typed_errors(reply: dict) -> None:  # type: ignore[type-arg]
    from providers.bluesky.xrpc import raise_for_xrpc

    expected = {"AuthExpired": AuthExpired, "Rejected": Rejected, "Transient": Transient}[reply["expect"]]
    with pytest.raises(expected) as err:
        raise_for_xrpc(httpx.Response(reply["status"], json=reply["body"]))
    assert reply["body"]["message"] in str(err.value)


def test_publish_maps_the_create_record_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("getRecord"):
            return httpx.Response(400, json=RECORDED["missing_record"]["body"])
        return _xrpc_error(400, "InvalidRequest", "words from the PDS")

    with pytest.raises(Rejected) as err:
        provider_with(handler).publish(conn(), PostRequest.single("hi"), "k1")
    assert "words from the PDS" in str(err.value)


def test_a_pds_without_appview_means_metrics_unavailable() -> None:
    recorded = RECORDED["pds_without_appview"]
    p = provider_with(lambda request: httpx.Response(recorded["status"], json=recorded["body"]))
    via_pds = conn({"appview": "https://pds.example.com"})
    assert p.metrics_offered(via_pds).post == p.info.post_metrics  # unknown until asked
    with pytest.raises(MetricsUnavailable, match="need an AppView") as err:
        p.post_metrics(via_pds, [f"at://{DID}/app.bsky.feed.post/x"])
    assert "No service configured" in str(err.value)


def test_an_image_over_the_size_limit_is_rejected_before_upload(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("getRecord"):
            return httpx.Response(400, json=RECORDED["missing_record"]["body"])
        return httpx.Response(500)

    big = tmp_path / "big.png"
    big.write_bytes(png_bytes(4, 4) + b"\0" * 1_000_000)
    post = PostRequest.single("too big", [MediaItem(big, "image/png", alt_text="noise")])
    with pytest.raises(Rejected, match=r"up to 1\.0 MB"):
        provider_with(handler).publish(conn(), post, "k1")
    assert not any(path.endswith("uploadBlob") for path in seen)


def test_wrong_app_password_on_connect() -> None:
    p = provider_with(lambda r: _xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password"))
    with pytest.raises(AuthExpired, match="did not accept"):
        p.connect({"handle": "alice.example.com", "app_password": "nope-nope-nope-nope"})


def test_connect_falls_back_to_the_service_without_did_doc() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("createSession"):
            assert request.url.host == "pds.example.org"
            return httpx.Response(
                200, json={"did": DID, "handle": "alice.example.org", "accessJwt": "a", "refreshJwt": "r"}
            )
        return _xrpc_error(400, "RecordNotFound", "no profile")

    account = provider_with(handler).connect(
        {"handle": "@alice.example.org", "app_password": "pw", "service": "https://pds.example.org", "appview": "none"}
    )
    assert account.server_url == "https://pds.example.org"
    assert account.settings == {"service": "https://pds.example.org", "appview": ""}
    assert dict(account.secrets) == {"access_jwt": "a", "refresh_jwt": "r", "app_password": "pw"}


def test_plain_http_to_a_remote_service_is_refused() -> None:
    from providers.http import InsecureURL

    with pytest.raises(InsecureURL):
        BlueskyProvider().connect({"handle": "a", "app_password": "b", "service": "http://pds.example.org"})


# --- metrics (the test PDS has no AppView) ------------------------------------------------


def test_post_metrics_batches_25_uris_per_call() -> None:
    calls: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "appview.example.com"
        assert "authorization" not in request.headers  # the public AppView takes no token
        uris = request.url.params.get_list("uris")
        calls.append(uris)
        posts = [
            {"uri": u, "cid": "c", "likeCount": i, "repostCount": 2, "replyCount": 3, "quoteCount": 4}
            for i, u in enumerate(uris)
            if not u.endswith("gone")
        ]
        return httpx.Response(200, json={"posts": posts})

    ids = [f"at://{DID}/app.bsky.feed.post/{derive_rkey(str(i))}" for i in range(29)] + [
        f"at://{DID}/app.bsky.feed.post/gone"
    ]
    out = provider_with(handler).post_metrics(conn(), ids)
    assert [len(c) for c in calls] == [25, 5]
    assert len(out) == 29 and ids[-1] not in out
    assert dict(out[ids[1]].values) == {"likes": 1, "reposts": 2, "replies": 3, "quotes": 4}


def test_account_metrics_from_get_profile() -> None:
    body = {"did": DID, "handle": "a", "followersCount": 10, "followsCount": 3, "postsCount": 7}
    p = provider_with(lambda request: httpx.Response(200, content=json.dumps(body).encode()))
    assert dict(p.account_metrics(conn()).values) == {"followers": 10, "following": 3, "posts": 7}


def test_no_appview_means_no_metrics() -> None:
    p = provider_with(lambda request: pytest.fail("no request expected"))
    c = conn({"appview": ""})
    offer = p.metrics_offered(c)
    assert (offer.post, offer.account) == ((), ())
    assert offer.note.startswith("No metrics: this Bluesky account has no AppView configured.")
    with pytest.raises(MetricsUnavailable, match="need an AppView"):
        p.post_metrics(c, [f"at://{DID}/app.bsky.feed.post/x"])
    assert p.metrics_offered(conn()).post == ("likes", "reposts", "replies", "quotes", "saves")
