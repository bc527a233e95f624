"""Mastodon provider against recorded exchanges from the official API docs (tests/fixtures/mastodon),
replayed through httpx.MockTransport: what mastodon-mock cannot show (202/206 media processing,
ISO 8601 rate-limit resets, proxy error pages, old servers without /api/v2/instance or batch lookups).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import providers.base as base
from providers.base import Connection, MediaItem, PostPart, PostRequest, Rejected, Transient
from providers.http import InsecureURL
from providers.mastodon import DEFAULT_LIMITS, MastodonProvider, limits_from_instance
from tests.providers.fixture_replay import FakeClock, ScriptedServer, load_fixture, ok

SERVER = "https://mastodon.social"
CONN = Connection(server_url=SERVER, remote_id="1", handle="@Gargron@mastodon.social", secrets={"access_token": "t"})


def fixture(name: str) -> Any:
    return load_fixture("mastodon", name)


class Server(ScriptedServer):
    NOT_FOUND = {"error": "Record not found"}

    def provider(self, clock: FakeClock | None = None) -> MastodonProvider:
        clock = clock or FakeClock()
        return MastodonProvider(transport=self.transport(), sleep=clock.sleep, clock=clock)


def status_with(status_id: str, **extra: Any) -> dict[str, Any]:
    return {**fixture("status.json"), "id": status_id, "url": f"{SERVER}/@Gargron/{status_id}", **extra}


def form(request: httpx.Request) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs(request.content.decode(), keep_blank_values=True)


# --- errors, table-driven --------------------------------------------------------------------


def _error_cases() -> list[Any]:
    return [pytest.param(case, id=case["name"]) for case in fixture("errors.json")["cases"]]


@pytest.mark.parametrize("case", _error_cases())
def test_error_responses_on_publish(case: dict[str, Any]) -> None:
    headers = dict(case["headers"])
    for name, value in headers.items():
        if value.startswith("{reset_in:"):
            seconds = int(value.removeprefix("{reset_in:").removesuffix("}"))
            reset = datetime.now(UTC) + timedelta(seconds=seconds)
            headers[name] = reset.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    server = Server().on(
        "POST", "/api/v1/statuses", httpx.Response(case["status"], headers=headers, content=case["body"].encode())
    )
    with pytest.raises(getattr(base, case["raises"])) as caught:
        server.provider().publish(CONN, PostRequest.single("Hello world"), "key-1")
    error = caught.value
    assert type(error).__name__ == case["raises"]  # exactly, not a subclass
    if "network_message" in case:
        assert error.network_message == case["network_message"]
    if "retry_after" in case:
        assert error.retry_after == pytest.approx(case["retry_after"], abs=2)  # type: ignore[attr-defined]


def test_connection_refused_and_timeouts_are_transient() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    for failure in (refuse, hang):
        provider = MastodonProvider(transport=httpx.MockTransport(failure))
        with pytest.raises(Transient):
            provider.publish(CONN, PostRequest.single("x"), "k")


# --- connecting and limits -------------------------------------------------------------------


def test_instance_v2_from_the_docs_becomes_limits() -> None:
    limits = limits_from_instance(fixture("instance_v2.json"))
    assert limits.max_chars == 500
    assert limits.url_length == 23
    assert limits.max_media == 4
    assert limits.max_image_bytes == 10_485_760
    assert limits.max_video_bytes == 41_943_040
    assert limits.max_alt_chars == 1500
    assert {"image/heif", "video/quicktime", "audio/mpeg"} <= limits.media_types
    assert "image/avif" not in limits.media_types  # the instance, not our defaults, decides
    assert limits.max_parts == DEFAULT_LIMITS.max_parts


def test_instance_with_a_bigger_limit() -> None:
    data = fixture("instance_v2.json")
    data["configuration"]["statuses"]["max_characters"] = 5000
    limits = limits_from_instance(data)
    assert limits.max_chars == 5000
    assert "too_long" not in {p.code for p in MastodonProvider().validate(PostRequest.single("a" * 4000), limits)}


def test_connect() -> None:
    server = (
        Server()
        .on("GET", "/api/v1/accounts/verify_credentials", ok(fixture("account.json")))
        .on("GET", "/api/v2/instance", ok(fixture("instance_v2.json")))
    )
    account = server.provider().connect({"instance": "mastodon.social", "access_token": "secret-token"})
    assert account.remote_id == "1"
    assert account.handle == "@Gargron@mastodon.social"
    assert account.display_name == "Eugen"
    assert account.server_url == SERVER
    assert account.avatar_url.endswith("d96d39a0abb45b92.jpg")
    assert account.secrets == {"access_token": "secret-token"}
    assert account.limits == limits_from_instance(fixture("instance_v2.json"))
    assert all(r.headers["Authorization"] == "Bearer secret-token" for r in server.requests)


@pytest.mark.parametrize(
    ("v1", "expected_chars"),
    [(ok({"uri": "old.example", "configuration": {"statuses": {"max_characters": 1000}}}), 1000), (None, 500)],
    ids=["v1-instance", "no-instance-api"],
)
def test_connect_to_an_older_server(v1: httpx.Response | None, expected_chars: int) -> None:
    server = Server().on("GET", "/api/v1/accounts/verify_credentials", ok(fixture("account.json")))
    if v1 is not None:
        server.on("GET", "/api/v1/instance", v1)
    account = server.provider().connect({"instance": "https://old.example", "access_token": "t"})
    assert account.limits is not None and account.limits.max_chars == expected_chars
    assert account.handle == ("@Gargron@old.example")


def test_connect_refuses_plain_http_to_a_remote_host() -> None:
    with pytest.raises(InsecureURL):
        Server().provider().connect({"instance": "http://mastodon.social", "access_token": "t"})


def test_connect_to_something_that_is_not_mastodon() -> None:
    with pytest.raises(Rejected):
        Server().provider().connect({"instance": "https://example.org", "access_token": "t"})


def test_connect_needs_a_token() -> None:
    with pytest.raises(Rejected):
        Server().provider().connect({"instance": "https://mastodon.social", "access_token": "  "})


# --- publishing --------------------------------------------------------------------------------


def test_thread_chains_replies_and_keys_each_part() -> None:
    ids = iter(["101", "102", "103"])

    def create(request: httpx.Request) -> httpx.Response:
        return ok(status_with(next(ids)))

    server = Server().on("POST", "/api/v1/statuses", create)
    post = PostRequest(
        parts=(PostPart("one"), PostPart("two"), PostPart("three")),
        visibility="unlisted",
        content_warning="spoilers",
        language="de",
    )
    published = server.provider().publish(CONN, post, "variant-7")
    assert published.remote_id == "101"
    assert published.part_ids == ("101", "102", "103")
    assert published.url == f"{SERVER}/@Gargron/101"
    sent = server.sent("POST", "/api/v1/statuses")
    assert [r.headers["Idempotency-Key"] for r in sent] == ["variant-7:0", "variant-7:1", "variant-7:2"]
    bodies = [form(r) for r in sent]
    assert [b.get("in_reply_to_id") for b in bodies] == [None, ["101"], ["102"]]
    assert bodies[0]["status"] == ["one"]
    assert bodies[0]["visibility"] == ["unlisted"] and bodies[0]["spoiler_text"] == ["spoilers"]
    assert bodies[0]["language"] == ["de"]


def test_resume_after_done_parts_replies_to_the_last_and_reports_each_part() -> None:
    ids = iter(["202", "203"])
    server = Server().on("POST", "/api/v1/statuses", lambda _r: ok(status_with(next(ids))))
    post = PostRequest(parts=(PostPart("one"), PostPart("two"), PostPart("three")))
    seen: list[base.PublishedPart] = []
    done = (base.PublishedPart(0, "101", f"{SERVER}/@Gargron/101"),)
    published = server.provider().publish(CONN, post, "variant-9", done=done, on_part=seen.append)
    assert published.part_ids == ("101", "202", "203")
    assert [(p.index, p.remote_id) for p in seen] == [(1, "202"), (2, "203")]  # only the new ones
    sent = server.sent("POST", "/api/v1/statuses")
    assert [r.headers["Idempotency-Key"] for r in sent] == ["variant-9:1", "variant-9:2"]
    assert [form(r)["in_reply_to_id"] for r in sent] == [["101"], ["202"]]


def test_an_error_after_a_live_part_carries_it() -> None:
    server = Server().on(
        "POST",
        "/api/v1/statuses",
        ok(status_with("301")),
        ok({"error": "Validation failed: Text character limit of 500 exceeded"}, status=422),
    )
    post = PostRequest(parts=(PostPart("one"), PostPart("two")))
    with pytest.raises(Rejected) as refused:
        server.provider().publish(CONN, post, "variant-10")
    assert [(p.index, p.remote_id) for p in refused.value.parts] == [(0, "301")]


@pytest.mark.parametrize(
    ("age_s", "text", "stale"),
    [(600, "old words", (0,)), (600, "new words", ()), (2, "old words", (0,)), (2, "new words", ())],
)
def test_a_key_answered_with_an_earlier_status_of_other_text_is_flagged(age_s: int, text: str, stale: tuple) -> None:
    """Mastodon answers a known Idempotency-Key with the status the earlier request made: if that
    has other text, it went out before the user's edit; say so, however recent it is (a retry
    seconds after an unheard attempt gets the same replay)."""
    served = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    created = (served - timedelta(seconds=age_s)).isoformat().replace("+00:00", "Z")
    body = status_with("401", content=f"<p>{text}</p>", created_at=created)
    body.pop("text", None)
    reply = httpx.Response(200, json=body, headers={"Date": "Mon, 30 Nov 2026 12:00:00 GMT"})
    server = Server().on("POST", "/api/v1/statuses", reply)
    seen: list[base.PublishedPart] = []
    published = server.provider().publish(CONN, PostRequest.single("new words"), "k", on_part=seen.append)
    assert published.stale_parts == stale
    assert [p.stale for p in seen] == [bool(stale)]  # the part carries it as it is saved


def test_single_post_uses_the_key_as_is() -> None:
    server = Server().on("POST", "/api/v1/statuses", ok(status_with("5")))
    server.provider().publish(CONN, PostRequest.single("hi"), "variant-8")
    assert server.sent("POST", "/api/v1/statuses")[0].headers["Idempotency-Key"] == "variant-8"


@pytest.fixture
def image(tmp_path: Path) -> MediaItem:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return MediaItem(path, "image/jpeg", alt_text="A lighthouse at dusk", size=path.stat().st_size)


def test_media_ready_at_once(image: MediaItem) -> None:
    server = (
        Server()
        .on("POST", "/api/v2/media", ok(fixture("media_200.json")))
        .on("POST", "/api/v1/statuses", ok(status_with("9")))
    )
    clock = FakeClock()
    server.provider(clock).publish(CONN, PostRequest.single("look", [image]), "k")
    upload = server.sent("POST", "/api/v2/media")[0]
    assert b'name="description"\r\n\r\nA lighthouse at dusk' in upload.content
    assert b'filename="photo.jpg"' in upload.content and b"Content-Type: image/jpeg" in upload.content
    assert form(server.sent("POST", "/api/v1/statuses")[0])["media_ids[]"] == ["22348641"]
    assert clock.sleeps == []


def test_media_202_is_polled_until_200(image: MediaItem) -> None:
    processing = httpx.Response(206, content=b"")  # the docs show an empty 206 body
    server = (
        Server()
        .on("POST", "/api/v2/media", ok(fixture("media_202.json"), status=202))
        .on("GET", "/api/v1/media/22348641", processing, processing, processing, ok(fixture("media_200.json")))
        .on("POST", "/api/v1/statuses", ok(status_with("9")))
    )
    clock = FakeClock()
    server.provider(clock).publish(CONN, PostRequest.single("video", [image]), "k")
    assert len(server.sent("GET", "/api/v1/media/22348641")) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]  # backing off
    assert form(server.sent("POST", "/api/v1/statuses")[0])["media_ids[]"] == ["22348641"]


def test_media_that_never_finishes_is_transient_after_a_minute(image: MediaItem) -> None:
    server = (
        Server()
        .on("POST", "/api/v2/media", ok(fixture("media_202.json"), status=202))
        .on("GET", "/api/v1/media/22348641", httpx.Response(206))
    )
    clock = FakeClock()
    with pytest.raises(Transient, match="still processing"):
        server.provider(clock).publish(CONN, PostRequest.single("video", [image]), "k")
    assert clock.now == pytest.approx(60.0)
    assert len(server.sent("GET", "/api/v1/media/22348641")) <= 20
    assert server.sent("POST", "/api/v1/statuses") == []


def test_media_processing_failure_is_rejected(image: MediaItem) -> None:
    failed = httpx.Response(422, json={"error": "Validation failed: File content type is invalid, File is invalid"})
    server = (
        Server()
        .on("POST", "/api/v2/media", ok(fixture("media_202.json"), status=202))
        .on("GET", "/api/v1/media/22348641", failed)
    )
    with pytest.raises(Rejected):
        server.provider().publish(CONN, PostRequest.single("video", [image]), "k")


def test_media_upload_errors(image: MediaItem) -> None:
    server = Server().on(
        "POST", "/api/v2/media", ok({"error": "Error processing thumbnail for uploaded media"}, status=500)
    )
    with pytest.raises(Transient):
        server.provider().publish(CONN, PostRequest.single("x", [image]), "k")


# --- metrics, deletion, reconciliation ------------------------------------------------------------


def test_post_metrics_batch_from_the_docs() -> None:
    server = Server().on("GET", "/api/v1/statuses", ok([fixture("status.json")]))
    metrics = server.provider().post_metrics(CONN, ["1", "2"])
    assert set(metrics) == {"1"}  # the docs' sample: no status 2
    assert dict(metrics["1"].values) == {"likes": 112, "reposts": 98, "replies": 7}
    assert server.sent("GET", "/api/v1/statuses")[0].url.params.get_list("id[]") == ["1", "2"]


def test_post_metrics_batches_by_twenty() -> None:
    def batch(request: httpx.Request) -> httpx.Response:
        return ok([status_with(i) for i in request.url.params.get_list("id[]")])

    server = Server().on("GET", "/api/v1/statuses", batch)
    ids = [str(i) for i in range(45)]
    assert set(server.provider().post_metrics(CONN, ids)) == set(ids)
    assert [len(r.url.params.get_list("id[]")) for r in server.requests] == [20, 20, 5]


def test_post_metrics_on_a_server_before_4_3() -> None:
    server = Server().on("GET", "/api/v1/statuses/1", ok(fixture("status.json")))  # batch route: 404
    metrics = server.provider().post_metrics(CONN, ["1", "2"])
    assert set(metrics) == {"1"}


def test_account_metrics() -> None:
    server = Server().on("GET", "/api/v1/accounts/verify_credentials", ok(fixture("account.json")))
    values = server.provider().account_metrics(CONN).values
    assert values == {"followers": 320472, "following": 453, "posts": 61163}


@pytest.mark.parametrize(("status", "error"), [(200, None), (404, None), (500, Transient), (401, base.AuthExpired)])
def test_delete(status: int, error: type[Exception] | None) -> None:
    body = {"error": "Record not found"} if status == 404 else status_with("1", text="Hello world")
    server = Server().on("DELETE", "/api/v1/statuses/1", ok(body, status=status))
    if error is None:
        assert server.provider().delete(CONN, "1") is None  # 200 deleted, 404 already gone: both fine
    else:
        with pytest.raises(error):
            server.provider().delete(CONN, "1")
    # exactly one authenticated DELETE of that status reached the server, in every case
    (sent,) = server.requests
    assert (sent.method, sent.url.path) == ("DELETE", "/api/v1/statuses/1")
    assert sent.headers["Authorization"] == f"Bearer {CONN.secrets['access_token']}"


def test_find_published_pages_back_to_since_and_stops() -> None:
    since = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def at(minutes: int) -> str:
        return (since + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")

    pages = {
        None: [
            status_with("30", created_at=at(30), content="<p>newest</p>"),
            status_with("29", created_at=at(29), content="<p>boost</p>", reblog={"id": "7"}),
        ],
        "29": [
            status_with(
                "20",
                created_at=at(1),
                content='<p>Big news &amp; more:<br /><a href="https://example.com/a"><span class="invisible">'
                'https://</span><span class="">example.com/a</span><span class="invisible"></span></a> '
                '<span class="h-card"><a href="https://other.example/@bob" class="u-url mention">@<span>bob</span>'
                "</a></span></p>",
            ),
            status_with("10", created_at=at(-10), content="<p>too old</p>"),
        ],
        "10": [status_with("5", created_at=at(-60), content="<p>never reached</p>")],
    }

    def timeline(request: httpx.Request) -> httpx.Response:
        return ok(pages[request.url.params.get("max_id")])

    server = Server().on("GET", "/api/v1/accounts/1/statuses", timeline)
    provider = server.provider()
    found = provider.find_published(CONN, "k", "Big news & more:\nhttps://example.com/a @bob@other.example", since)
    assert found is not None and found.remote_id == "20" and found.already
    server.requests.clear()
    assert provider.find_published(CONN, "k", "never reached", since) is None
    # one HEAD for the server's clock (no reply had a Date yet), then the timeline: stopped at the
    # first status older than since (minus skew)
    assert [r.method for r in server.requests] == ["HEAD", "GET", "GET"]
    timeline_reads = server.sent("GET", "/api/v1/accounts/1/statuses")
    assert timeline_reads[0].url.params["limit"] == "40"
