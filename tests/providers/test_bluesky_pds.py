"""The Bluesky provider against a real @atproto/pds on 127.0.0.1 (see tests/servers/pds.py).

Every assertion about what was stored reads the record back from the PDS directly
(getRecord / listRecords), not through the provider.
"""

from __future__ import annotations

import dataclasses
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from providers.base import AuthExpired, Connection, MediaItem, PostPart, PostRequest, Rejected
from providers.bluesky import BlueskyProvider, MetricsUnavailable
from providers.bluesky.provider import parse_at_uri
from providers.bluesky.tid import derive_rkey, is_tid
from tests.providers.test_bluesky_units import png_bytes
from tests.servers.pages import OG_DESCRIPTION, OG_TITLE, PageServer, serve_pages
from tests.servers.pds import PdsServer

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1200)]

POST = "app.bsky.feed.post"


@pytest.fixture
def provider() -> BlueskyProvider:
    return BlueskyProvider()


@pytest.fixture
def conn(bluesky_account: tuple[Connection, str]) -> Connection:
    return bluesky_account[0]


def stored(pds: PdsServer, uri: str) -> dict[str, object]:
    did, collection, rkey = parse_at_uri(uri)
    record = pds.get_record(did, collection, rkey)
    assert record is not None, f"{uri} is not on the PDS"
    return record


def value(pds: PdsServer, uri: str) -> dict:  # type: ignore[type-arg]
    return stored(pds, uri)["value"]  # type: ignore[return-value]


def key() -> str:
    return f"variant-{uuid.uuid4()}"


# --- connect ------------------------------------------------------------------------------


def test_connect_with_app_password_finds_the_pds_in_the_did_document(pds: PdsServer, provider: BlueskyProvider) -> None:
    handle, did, password = pds.create_account("conn")
    app_password = pds.app_password(handle, password)
    port = urlsplit(pds.url).port
    # Sign in through a different address of the same server: the account's PDS endpoint must
    # come from its DID document (http://localhost:PORT), not from the address typed in.
    account = provider.connect(
        {"handle": f"@{handle}", "app_password": app_password, "service": f"http://127.0.0.1:{port}", "appview": "none"}
    )
    assert account.remote_id == did and account.handle == handle
    assert account.server_url == pds.url
    assert dict(account.settings) == {"service": f"http://127.0.0.1:{port}", "appview": ""}
    assert set(account.secrets) == {"access_jwt", "refresh_jwt", "app_password"}
    assert account.secrets["app_password"] == app_password
    assert account.display_name == ""  # no profile record yet; not an error


def test_connect_by_did_reads_the_display_name_from_the_profile_record(
    pds: PdsServer, provider: BlueskyProvider
) -> None:
    handle, did, password = pds.create_account("named")
    token = pds.session(handle, password)["accessJwt"]
    r = pds.xrpc(
        "POST",
        "com.atproto.repo.putRecord",
        token=token,
        json={
            "repo": did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
            "record": {"$type": "app.bsky.actor.profile", "displayName": "Ada Lovelace 🧮"},
        },
    )
    assert r.status_code == 200, r.text
    account = provider.connect({"handle": did, "app_password": password, "service": pds.url, "appview": "none"})
    assert account.handle == handle and account.display_name == "Ada Lovelace 🧮"


def test_connect_with_a_wrong_password(pds: PdsServer, provider: BlueskyProvider) -> None:
    handle, _did, _password = pds.create_account("wrong")
    with pytest.raises(AuthExpired, match="did not accept") as err:
        provider.connect({"handle": handle, "app_password": "aaaa-bbbb-cccc-dddd", "service": pds.url})
    assert err.value.network_message == "Invalid identifier or password"


# --- publishing ---------------------------------------------------------------------------


def test_publish_text(pds: PdsServer, provider: BlueskyProvider, conn: Connection) -> None:
    k = key()
    published = provider.publish(conn, PostRequest.single("Hello from Campaign Desk", language="en"), k)
    did, collection, rkey = parse_at_uri(published.remote_id)
    assert (did, collection) == (conn.remote_id, POST)
    assert rkey == derive_rkey(k, 0) and is_tid(rkey)
    assert published.url == f"https://bsky.app/profile/{conn.handle}/post/{rkey}"
    assert published.part_ids == (published.remote_id,) and not published.already
    record = value(pds, published.remote_id)
    assert record["text"] == "Hello from Campaign Desk"
    assert record["langs"] == ["en"]
    assert record["createdAt"].endswith("Z")
    assert "reply" not in record and "embed" not in record and "facets" not in record


def test_facets_are_stored_with_utf8_byte_offsets(pds: PdsServer, provider: BlueskyProvider, conn: Connection) -> None:
    friend_handle, friend_did, _ = pds.create_account("friend")
    text = (
        f"👨‍👩‍👧‍👦🇯🇵 #café launch 👍🏿 see https://example.com/päge?x=1. "
        f"Thanks @{friend_handle} and @nobody-here.test! #日本語 #123"
    )
    published = provider.publish(conn, PostRequest.single(text), key())
    record = value(pds, published.remote_id)
    raw = record["text"].encode()
    got = [
        (f["features"][0]["$type"], raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
        for f in record["facets"]
    ]
    assert [(t.split("#")[1], s) for t, s, _ in got] == [
        ("tag", "#café"),
        ("link", "https://example.com/päge?x=1"),
        ("mention", f"@{friend_handle}"),
        ("tag", "#日本語"),
    ]  # the unknown handle gets no facet; "#123" is not a tag
    assert got[0][2]["tag"] == "café"
    assert got[1][2]["uri"] == "https://example.com/päge?x=1"
    assert got[2][2]["did"] == friend_did


def test_image_with_alt_text_and_aspect_ratio(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection, tmp_path: Path
) -> None:
    image = tmp_path / "chart.png"
    image.write_bytes(png_bytes(12, 5))
    media = MediaItem(image, "image/png", alt_text="A bar chart of Q3 sales", size=image.stat().st_size)
    post = PostRequest.single("Q3 in one picture", [media], link="https://example.com/ignored-when-images")
    assert provider.validate(post) == []
    published = provider.publish(conn, post, key())
    embed = value(pds, published.remote_id)["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    (img,) = embed["images"]
    assert img["alt"] == "A bar chart of Q3 sales"
    assert img["aspectRatio"] == {"width": 12, "height": 5}
    assert img["image"]["mimeType"] == "image/png" and img["image"]["size"] == image.stat().st_size
    blob = pds.xrpc(
        "GET", "com.atproto.sync.getBlob", params={"did": conn.remote_id, "cid": img["image"]["ref"]["$link"]}
    )
    assert blob.status_code == 200 and blob.content == image.read_bytes()


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with serve_pages() as server:
        yield server


def test_external_link_card_has_the_pages_title_description_and_image(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection, pages: PageServer
) -> None:
    link = pages.url("/og") + "?utm_source=bluesky"
    post = PostRequest.single("Read the launch notes", link=link)
    embed = value(pds, provider.publish(conn, post, key()).remote_id)["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    external = embed["external"]
    assert external["uri"] == link  # the card opens the link as posted (tagged), not the page's og:url
    assert "/og" in pages.requested() and "/og?utm_source=bluesky" not in pages.requested()  # fetched untagged
    assert external["title"] == OG_TITLE and external["description"] == OG_DESCRIPTION
    thumb = external["thumb"]
    assert thumb["$type"] == "blob"
    assert thumb["mimeType"] == "image/png" and thumb["size"] == len(pages.spring_png)
    blob = pds.xrpc("GET", "com.atproto.sync.getBlob", params={"did": conn.remote_id, "cid": thumb["ref"]["$link"]})
    assert blob.status_code == 200 and blob.content == pages.spring_png


def test_a_card_image_over_the_lexicons_million_bytes_is_left_out(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection, pages: PageServer
) -> None:
    post = PostRequest.single("Big picture", link=pages.url("/og-big-image"))
    external = value(pds, provider.publish(conn, post, key()).remote_id)["embed"]["external"]
    assert external["title"] == "A page with a huge picture" and "thumb" not in external


@pytest.mark.parametrize("path", ["/data.json", "/missing", "/redirect/6", "closed"])
def test_a_page_that_cannot_be_read_still_posts_with_the_host_name_card(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection, pages: PageServer, path: str
) -> None:
    if path == "closed":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            link = f"http://127.0.0.1:{s.getsockname()[1]}/notes"
    else:
        link = pages.url(path)
    published = provider.publish(conn, PostRequest.single("Read the launch notes", link=link), key())
    external = value(pds, published.remote_id)["embed"]["external"]
    assert external == {"uri": link, "title": "127.0.0.1", "description": ""}


def test_a_retried_post_does_not_fetch_its_card_again(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection, pages: PageServer
) -> None:
    k, link = key(), pages.url("/og") + "?retry"
    first = provider.publish(conn, PostRequest.single("Once", link=link), k)
    asked = pages.requested().count("/og?retry")
    again = provider.publish(conn, PostRequest.single("Once", link=link), k)
    assert again.remote_id == first.remote_id and again.already
    assert pages.requested().count("/og?retry") == asked == 1
    assert value(pds, first.remote_id)["embed"]["external"]["title"] == OG_TITLE


def test_three_part_thread_replies_to_root_and_parent(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    k = key()
    post = PostRequest(parts=(PostPart("1/3 A thread"), PostPart("2/3 continues"), PostPart("3/3 ends")))
    published = provider.publish(conn, post, k)
    assert len(published.part_ids) == 3 and published.remote_id == published.part_ids[0]
    assert [parse_at_uri(u)[2] for u in published.part_ids] == [derive_rkey(k, i) for i in range(3)]
    records = [stored(pds, u) for u in published.part_ids]
    root_ref = {"uri": records[0]["uri"], "cid": records[0]["cid"]}
    assert "reply" not in records[0]["value"]  # type: ignore[operator]
    assert records[1]["value"]["reply"] == {"root": root_ref, "parent": root_ref}  # type: ignore[index]
    second_ref = {"uri": records[1]["uri"], "cid": records[1]["cid"]}
    assert records[2]["value"]["reply"] == {"root": root_ref, "parent": second_ref}  # type: ignore[index]


def test_retry_with_the_same_key_creates_exactly_one_record(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    k = key()
    post = PostRequest.single("Only once, however often we retry")
    first = provider.publish(conn, post, k)
    second = provider.publish(conn, post, k)
    assert second.remote_id == first.remote_id and second.already and not first.already
    texts = [r["value"]["text"] for r in pds.list_records(conn.remote_id)]  # type: ignore[index]
    assert texts.count("Only once, however often we retry") == 1


def test_the_pds_answers_a_duplicate_record_key_with_500_and_publish_treats_it_as_done(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    k = key()
    first = provider.publish(conn, PostRequest.single("raced"), k)
    rkey = derive_rkey(k, 0)
    record = {"$type": POST, "text": "raced", "createdAt": "2026-01-01T00:00:00.000Z"}
    raw = pds.xrpc(
        "POST",
        "com.atproto.repo.createRecord",
        token=conn.secrets["access_jwt"],
        json={"repo": conn.remote_id, "collection": POST, "rkey": rkey, "record": record},
    )
    assert (raw.status_code, raw.json()["error"]) == (500, "InternalServerError")
    # What a retry does when its pre-check raced with the first attempt: createRecord fails,
    # and the record under the derived key is taken as the published post.
    assert provider._create(conn, rkey, record)[0] == first.remote_id
    assert len(pds.list_records(conn.remote_id)) == 1


def test_a_thread_interrupted_after_the_first_part_is_completed_not_duplicated(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    k = key()
    thread = PostRequest(parts=(PostPart("first"), PostPart("second"), PostPart("third")))
    # The first attempt "crashed" after writing part 0 (same key, part 0 only).
    partial = provider.publish(conn, PostRequest(parts=thread.parts[:1]), k)
    done = provider.publish(conn, thread, k)
    assert done.part_ids[0] == partial.remote_id and not done.already
    assert sorted(r["value"]["text"] for r in pds.list_records(conn.remote_id)) == ["first", "second", "third"]  # type: ignore[index]


def test_find_published(pds: PdsServer, provider: BlueskyProvider, conn: Connection) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    k = key()
    assert provider.find_published(conn, k, "two parts", since) is None
    published = provider.publish(conn, PostRequest(parts=(PostPart("two parts"), PostPart("indeed"))), k)
    found = provider.find_published(conn, k, "two parts", since)
    assert found == dataclasses.replace(published, already=True)


def test_too_long_is_caught_offline_and_rejected_by_the_pds(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    post = PostRequest.single("é" * 301)
    assert [p.code for p in provider.validate(post)] == ["too_long"]
    with pytest.raises(Rejected) as err:
        provider.publish(conn, post, key())  # forced past validate
    assert "grapheme too big (maximum 300, got 301)" in err.value.reason
    assert pds.list_records(conn.remote_id) == []


def test_delete(pds: PdsServer, provider: BlueskyProvider, conn: Connection) -> None:
    k = key()
    published = provider.publish(conn, PostRequest.single("short-lived"), k)
    provider.delete(conn, published.remote_id)
    assert pds.get_record(conn.remote_id, POST, derive_rkey(k, 0)) is None
    assert provider.find_published(conn, k, "short-lived", datetime.now(UTC)) is None


# --- sessions -----------------------------------------------------------------------------


def test_expired_access_token_is_auth_expired_then_refresh_works(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    expired = dataclasses.replace(
        conn, secrets={**conn.secrets, "access_jwt": pds.mint_token(conn.remote_id, expires_in=-60)}
    )
    with pytest.raises(AuthExpired) as err:
        provider.publish(expired, PostRequest.single("needs a fresh session"), key())
    assert err.value.network_message == "Token has expired"  # the PDS's 400 ExpiredToken
    fresh = provider.refresh(expired)
    assert set(fresh) == {"access_jwt", "refresh_jwt", "app_password"}
    assert fresh["access_jwt"] != expired.secrets["access_jwt"]
    published = provider.publish(dataclasses.replace(conn, secrets=fresh), PostRequest.single("fresh"), key())
    assert value(pds, published.remote_id)["text"] == "fresh"


def test_tampered_access_token_is_auth_expired(provider: BlueskyProvider, conn: Connection) -> None:
    token = conn.secrets["access_jwt"]
    tampered = dataclasses.replace(conn, secrets={**conn.secrets, "access_jwt": token[:-4] + "AAAA"})
    with pytest.raises(AuthExpired) as err:
        provider.publish(tampered, PostRequest.single("x"), key())
    assert err.value.network_message == "Token could not be verified"  # 400 InvalidToken


def test_revoked_refresh_token_falls_back_to_the_app_password(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    r = pds.xrpc("POST", "com.atproto.server.deleteSession", token=conn.secrets["refresh_jwt"])
    assert r.status_code == 200
    again = pds.xrpc("POST", "com.atproto.server.refreshSession", token=conn.secrets["refresh_jwt"])
    assert (again.status_code, again.json()["error"]) == (400, "ExpiredToken")  # "Token has been revoked"
    fresh = provider.refresh(conn)
    assert fresh["app_password"] == conn.secrets["app_password"]
    assert provider.publish(dataclasses.replace(conn, secrets=fresh), PostRequest.single("back"), key()).remote_id


def test_expired_refresh_token_falls_back_to_the_app_password(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    stale = dataclasses.replace(
        conn, secrets={**conn.secrets, "refresh_jwt": pds.mint_token(conn.remote_id, refresh=True)}
    )
    fresh = provider.refresh(stale)
    assert fresh["refresh_jwt"] != stale.secrets["refresh_jwt"]


def test_refresh_without_a_working_app_password_asks_to_reconnect(
    pds: PdsServer, provider: BlueskyProvider, conn: Connection
) -> None:
    pds.xrpc("POST", "com.atproto.server.deleteSession", token=conn.secrets["refresh_jwt"])
    revoked = dataclasses.replace(conn, secrets={**conn.secrets, "app_password": "zzzz-zzzz-zzzz-zzzz"})
    with pytest.raises(AuthExpired, match="Reconnect"):
        provider.refresh(revoked)
    no_password = dataclasses.replace(conn, secrets={k: v for k, v in conn.secrets.items() if k != "app_password"})
    with pytest.raises(AuthExpired, match="Reconnect"):
        provider.refresh(no_password)


# --- metrics (through the PDS's AppView proxy, and from the AppView directly) --------------


def _like_and_follow(pds: PdsServer, conn: Connection, uri: str, cid: str) -> None:
    """Another account likes and replies to the post, and follows its author: real records."""
    handle, did, password = pds.create_account("fan")
    token = pds.session(handle, password)["accessJwt"]
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    for collection, record in [
        ("app.bsky.feed.like", {"subject": {"uri": uri, "cid": cid}, "createdAt": now}),
        ("app.bsky.graph.follow", {"subject": conn.remote_id, "createdAt": now}),
        (
            POST,
            {
                "text": "great!",
                "reply": {"root": {"uri": uri, "cid": cid}, "parent": {"uri": uri, "cid": cid}},
                "createdAt": now,
            },
        ),
    ]:
        r = pds.xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            token=token,
            json={"repo": did, "collection": collection, "record": {"$type": collection, **record}},
        )
        assert r.status_code == 200, r.text


def test_metrics_through_the_pds_proxy(pds: PdsServer, provider: BlueskyProvider, conn: Connection) -> None:
    published = provider.publish(conn, PostRequest.single("count me"), key())
    quiet = provider.publish(conn, PostRequest.single("nobody saw me"), key())
    record = stored(pds, published.remote_id)
    _like_and_follow(pds, conn, published.remote_id, str(record["cid"]))
    assert provider.metrics_offered(conn).post == ("likes", "reposts", "replies", "quotes", "saves")
    metrics = provider.post_metrics(conn, [published.remote_id, quiet.remote_id, published.remote_id])
    assert dict(metrics[published.remote_id].values) == {"likes": 1, "reposts": 0, "replies": 1, "quotes": 0}
    assert dict(metrics[quiet.remote_id].values) == {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0}
    assert dict(provider.account_metrics(conn).values) == {"followers": 1, "following": 0, "posts": 2}


def test_metrics_from_the_appview_directly(pds: PdsServer, provider: BlueskyProvider, conn: Connection) -> None:
    public = dataclasses.replace(conn, settings={**conn.settings, "appview": pds.appview_url})
    published = provider.publish(public, PostRequest.single("public counts"), key())
    metrics = provider.post_metrics(public, [published.remote_id])
    assert metrics[published.remote_id].values["likes"] == 0
    assert provider.account_metrics(public).values["posts"] == 1


def test_no_appview_setting_means_no_metrics(provider: BlueskyProvider, conn: Connection) -> None:
    off = dataclasses.replace(conn, settings={**conn.settings, "appview": ""})
    assert provider.metrics_offered(off).post == ()
    with pytest.raises(MetricsUnavailable, match="need an AppView"):
        provider.account_metrics(off)
