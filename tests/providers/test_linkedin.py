"""LinkedIn specifics: the little text format, counting, requests as LinkedIn documents them, its
error JSON, accounts from a sign-in, refreshing, media and metrics. Exchanges run against the
loopback fake (tests/servers/linkedin_fake.py) or, for error replies, an httpx.MockTransport serving
the documented error shape (tests/fixtures/linkedin/)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from providers.base import (
    AuthExpired,
    Connection,
    MediaItem,
    MetricsUnavailable,
    PostRequest,
    RateLimited,
    Rejected,
    Transient,
)
from providers.linkedin import LinkedInProvider
from providers.linkedin.api import VERSION
from providers.linkedin.little import from_commentary, to_commentary, utf16_length
from providers.linkedin.provider import granted_scopes
from tests.servers.linkedin_fake import LinkedInFake, running_linkedin_fake, shown_text

FIXTURES = Path(__file__).parent.parent / "fixtures" / "linkedin"


OFFICIAL = ("https://learn.microsoft.com/", "LinkedIn's own ")


def fixture(name: str) -> dict[str, Any]:
    """A fixture copied from LinkedIn's reference (learn.microsoft.com) or its own clients
    (github.com/linkedin-developers)."""
    data = json.loads((FIXTURES / name).read_text())
    assert data["source"].startswith(OFFICIAL)
    if data["source"].startswith("LinkedIn's own "):
        assert "github.com/linkedin-developers/" in data["source"] and " at commit " in data["source"]
    return data  # type: ignore[no-any-return]


@pytest.fixture
def fake() -> Iterator[LinkedInFake]:
    with running_linkedin_fake() as server:
        yield server


def connection_for(fake: LinkedInFake, token: str, urn: str) -> Connection:
    return Connection(server_url=fake.url, remote_id=urn, handle="x", secrets={"access_token": token})


def member_connection(fake: LinkedInFake) -> Connection:
    token = fake.create_member()
    account = LinkedInProvider(api_url=fake.url).connect({"access_token": token})
    return Connection(account.server_url, account.remote_id, account.handle, account.secrets)


def page_connection(fake: LinkedInFake, role: str = "ADMINISTRATOR") -> Connection:
    token = fake.create_member()
    urn = fake.create_organization(token, role)
    return connection_for(fake, token, urn)


# --- the little text format -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "commentary"),
    [
        ("Plain words.", "Plain words."),
        ("Prices (incl. VAT) <today>", "Prices \\(incl. VAT\\) \\<today\\>"),
        ("a|b {c} [d] *e* _f_ ~g~ \\h", "a\\|b \\{c\\} \\[d\\] \\*e\\* \\_f\\_ \\~g\\~ \\\\h"),
        ("mail me @bob", "mail me \\@bob"),
        ("We ship #launch today", "We ship {hashtag|#|launch} today"),
        ("#1 and # alone and C# too", "{hashtag|#|1} and \\# alone and C\\# too"),
        ("#café", "{hashtag|#|café}"),
    ],
)
def test_commentary_escapes_every_reserved_character(typed: str, commentary: str) -> None:
    assert to_commentary(typed) == commentary
    assert from_commentary(commentary) == typed


def test_escaped_commentary_shows_in_full_where_unescaped_would_be_cut() -> None:
    typed = "Our results (Q3) are in: revenue up 20% <see link> ~ thanks @team #growth"
    assert shown_text(to_commentary(typed)) == to_commentary(typed)
    assert shown_text(typed) == "Our results "  # what LinkedIn would keep of the raw text


def test_documented_little_examples_read_back_as_shown() -> None:
    doc = fixture("little_text.json")
    assert from_commentary(doc["hashtag_template"]) == doc["hashtag_template_shown"]
    assert from_commentary(doc["mention"]) == "Hello Acme Corp"
    assert shown_text(doc["hashtag_template"]) == doc["hashtag_template"]


# --- counting and validation ----------------------------------------------------------------


@pytest.mark.parametrize(("text", "n"), [("abc", 3), ("👍", 2), ("👍🏽", 4), ("é", 1), ("(x)", 3), ("#tag", 4)])
def test_measure_counts_utf16_units_of_the_typed_text(text: str, n: int) -> None:
    assert LinkedInProvider().measure(text) == utf16_length(text) == n


def test_validate_limits(tmp_path: Path) -> None:
    provider = LinkedInProvider()
    assert provider.validate(PostRequest.single("a" * 3000)) == []
    assert {p.code for p in provider.validate(PostRequest.single("a" * 2999 + "👍"))} == {"too_long"}
    video = MediaItem(tmp_path / "clip.mp4", "video/mp4", size=1000)
    problems = provider.validate(PostRequest.single("clip", [video]))
    assert [p.code for p in problems] == ["media_type"] and "videos" in problems[0].message
    two = [MediaItem(tmp_path / f"{i}.png", "image/png", size=10) for i in range(2)]
    assert "too_many_media" in {p.code for p in provider.validate(PostRequest.single("two", two))}
    webp = MediaItem(tmp_path / "a.webp", "image/webp", size=10)
    assert "media_type" in {p.code for p in provider.validate(PostRequest.single("webp", [webp]))}
    thread = PostRequest(parts=(PostRequest.single("a").parts[0], PostRequest.single("b").parts[0]))
    assert "no_threads" in {p.code for p in provider.validate(thread)}


# --- requests as documented -----------------------------------------------------------------


def test_publish_sends_the_documented_request(fake: LinkedInFake) -> None:
    conn = page_connection(fake)
    published = LinkedInProvider().publish(conn, PostRequest.single("Launch (day) #news"), "key-1")
    method, path, headers, raw = fake.requests[-1]
    assert (method, path) == ("POST", "/rest/posts")
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["linkedin-version"] == VERSION
    assert lowered["x-restli-protocol-version"] == "2.0.0"
    assert lowered["authorization"] == f"Bearer {conn.secrets['access_token']}"
    example = fixture("create_post_request.json")
    assert example["method"] == method and path == "/rest" + example["resource_path"]
    # LinkedIn's own example entity, with this author and the text in the little format
    assert json.loads(raw) == {
        **example["entity"],
        "author": conn.remote_id,
        "commentary": "Launch \\(day\\) {hashtag|#|news}",
    }
    schema = fixture("post_schema.json")["fields"]
    assert schema["commentary"]["format"] == "little text" and schema["author"]["format"].startswith("Person or Org")
    assert published.remote_id.startswith("urn:li:share:")
    assert published.url == f"https://www.linkedin.com/feed/update/{published.remote_id}/"
    assert "key-1" not in raw.decode()  # LinkedIn has no idempotency key: it is sent nowhere


def test_publish_uploads_one_image_with_alt_text(fake: LinkedInFake, tmp_path: Path) -> None:
    conn = page_connection(fake)
    image = tmp_path / "chart.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 64)
    item = MediaItem(image, "image/png", alt_text="Q3 revenue chart", size=image.stat().st_size)
    published = LinkedInProvider().publish(conn, PostRequest.single("Results", [item]), "k")
    post = fake.posts[published.remote_id]
    image_urn = post["content"]["media"]["id"]
    assert post["content"]["media"]["altText"] == "Q3 revenue chart"
    assert fake.images[image_urn] == image.read_bytes()
    init = next(r for r in fake.requests if r[1].startswith("/rest/images"))
    assert init[1] == "/rest/images?action=initializeUpload"
    assert json.loads(init[3]) == {"initializeUploadRequest": {"owner": conn.remote_id}}


def test_find_published_and_recent_posts_read_the_author_s_posts(fake: LinkedInFake) -> None:
    conn = page_connection(fake)
    provider = LinkedInProvider()
    since = datetime.now(UTC) - timedelta(seconds=5)
    text = "Hello [world] (again) @you #tag ~ *"
    first = provider.publish(conn, PostRequest.single(text), "k1")
    second = provider.publish(conn, PostRequest.single("second"), "k2")
    found = provider.find_published(conn, "k1", text, since)
    assert found is not None and found.remote_id == first.remote_id and found.already
    assert provider.find_published(conn, "k3", "never posted", since) is None
    lookup = [r for r in fake.requests if r[0] == "GET" and r[1].startswith("/rest/posts?")][-1][1]
    assert f"author={conn.remote_id.replace(':', '%3A')}&q=author" in lookup
    recent = provider.recent_posts(conn, since=None)
    assert [p.remote_id for p in recent] == [second.remote_id, first.remote_id]
    assert recent[1].text == text and recent[1].reply_to is None


def test_a_member_s_posts_are_read_back_only_with_partner_access(fake: LinkedInFake) -> None:
    conn = member_connection(fake)
    provider = LinkedInProvider()
    since = datetime.now(UTC) - timedelta(seconds=5)
    published = provider.publish(conn, PostRequest.single("as myself"), "k")
    with pytest.raises(Rejected, match="only approved apps") as refused:
        provider.find_published(conn, "k", "as myself", since)
    assert refused.value.network_message and "Not enough permissions" in refused.value.network_message
    with pytest.raises(Rejected):
        provider.recent_posts(conn, since=None)
    next(iter(fake.members.values())).partner = True  # an approved partner app
    found = provider.find_published(conn, "k", "as myself", since)
    assert found is not None and found.remote_id == published.remote_id


def test_delete_removes_and_a_missing_post_counts_as_deleted(fake: LinkedInFake) -> None:
    conn = page_connection(fake)
    provider = LinkedInProvider()
    published = provider.publish(conn, PostRequest.single("bye"), "k")
    provider.delete(conn, published.remote_id)
    assert published.remote_id not in fake.posts
    assert fake.requests[-1][:2] == ("DELETE", "/rest/posts/" + published.remote_id.replace(":", "%3A"))
    provider.delete(conn, published.remote_id)  # 404: already gone


# --- accounts, sign-in and refreshing -------------------------------------------------------


def test_accounts_from_tokens_lists_the_member_and_pages_they_may_post_for(fake: LinkedInFake) -> None:
    token = fake.create_member("Dana Lee")
    admin = fake.create_organization(token, "ADMINISTRATOR", "Acme")
    content = fake.create_organization(token, "CONTENT_ADMINISTRATOR", "Beta")
    fake.create_organization(token, "ANALYST", "Gamma")  # may read analytics, not post
    provider = LinkedInProvider(api_url=fake.url)
    tokens = {"access_token": token, "expires_at": "1900000000", "client_id": "cid", "client_secret": "cs"}
    member_only = provider.accounts_from_tokens(fake.url, {**tokens, "scope": "openid,profile,w_member_social"})
    assert [a.display_name for a in member_only] == ["Dana Lee"]
    assert member_only[0].remote_id.startswith("urn:li:person:")
    scope = "openid,profile,w_member_social,r_organization_social,w_organization_social,rw_organization_admin"
    accounts = provider.accounts_from_tokens(fake.url, {**tokens, "scope": scope})
    assert [a.remote_id for a in accounts[1:]] == [admin, content]
    assert [a.display_name for a in accounts] == ["Dana Lee", "Acme", "Beta"]
    assert all(a.secrets["client_secret"] == "cs" for a in accounts)
    assert "cs" not in repr(accounts) and token not in repr(accounts)


def test_connect_refuses_a_page_without_a_posting_role(fake: LinkedInFake) -> None:
    token = fake.create_member()
    analyst = fake.create_organization(token, "ANALYST")
    with pytest.raises(Rejected):
        LinkedInProvider(api_url=fake.url).connect({"access_token": token, "organization": analyst})
    with pytest.raises(Rejected):
        LinkedInProvider(api_url=fake.url).connect({"access_token": ""})


def test_refresh_without_a_refresh_token_asks_to_reconnect(fake: LinkedInFake) -> None:
    conn = member_connection(fake)
    with pytest.raises(AuthExpired, match="reconnect"):
        LinkedInProvider(oauth_url=fake.url).refresh(conn)


def test_refresh_with_a_partner_refresh_token(fake: LinkedInFake) -> None:
    conn = member_connection(fake)
    old = conn.secrets["access_token"]
    refresh = fake.grant_refresh(old, "cid", "secret")
    conn = Connection(
        conn.server_url,
        conn.remote_id,
        conn.handle,
        {"access_token": old, "refresh_token": refresh, "client_id": "cid", "client_secret": "secret"},
    )
    provider = LinkedInProvider(oauth_url=fake.url, wall_clock=lambda: 1_000_000.0)
    fresh = provider.refresh(conn)
    assert fresh["access_token"] != old and fresh["refresh_token"] != refresh
    assert fresh["expires_at"] == str(1_000_000 + 5183999)
    form = dict(x.split("=", 1) for x in fake.requests[-1][3].decode().split("&"))
    assert form["grant_type"] == "refresh_token" and form["client_secret"] == "secret"
    renewed = Connection(conn.server_url, conn.remote_id, conn.handle, fresh)
    with pytest.raises(MetricsUnavailable):  # the new token works: a member simply has no follower count
        provider.account_metrics(renewed)


# --- metrics ---------------------------------------------------------------------------------


def test_page_metrics_come_from_share_statistics_and_network_size(fake: LinkedInFake) -> None:
    conn = page_connection(fake)
    provider = LinkedInProvider()
    urn = provider.publish(conn, PostRequest.single("stats"), "k").remote_id
    fake.stats[urn].update(likeCount=7, commentCount=2, impressionCount=900, shareCount=1, clickCount=30)
    fake.followers[conn.remote_id] = 219145
    metrics = provider.post_metrics(conn, [urn, "urn:li:share:1"])
    assert set(metrics) == {urn}
    assert metrics[urn].values == {
        "likes": 7,
        "comments": 2,
        "impressions": 900,
        "unique_impressions": 0,
        "reposts": 1,
        "clicks": 30,
    }
    query = [r[1] for r in fake.requests if "ShareStatistics" in r[1]][-1]
    assert query.endswith("&shares=List(" + urn.replace(":", "%3A") + ",urn%3Ali%3Ashare%3A1)")
    assert provider.account_metrics(conn).values == {"followers": 219145}


def test_followers_replay_the_documented_network_size_exchange() -> None:
    doc = fixture("network_size.json")
    documented = httpx.URL(doc["request"].split(" ", 1)[1])
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=doc["response"])

    page = Connection("https://api.linkedin.com", documented.path.rsplit("/", 1)[1], "acme", {"access_token": "t"})
    values = LinkedInProvider(transport=httpx.MockTransport(handler)).account_metrics(page).values
    assert values == {"followers": doc["response"]["firstDegreeSize"]}
    (sent,) = seen
    # the same request; the URN is percent-encoded as one path segment (Rest.li 2.0)
    assert (sent.method, sent.url.host, unquote(sent.url.path)) == ("GET", documented.host, documented.path)
    assert sent.url.params["edgeType"] == documented.params["edgeType"]


def test_member_metrics_are_not_offered_never_zero(fake: LinkedInFake) -> None:
    conn = member_connection(fake)
    provider = LinkedInProvider()
    offer = provider.metrics_offered(conn)
    assert offer.post == () and offer.account == () and "member" in offer.note
    urn = provider.publish(conn, PostRequest.single("mine"), "k").remote_id
    assert provider.post_metrics(conn, [urn]) == {}
    with pytest.raises(MetricsUnavailable):
        provider.account_metrics(conn)


def test_page_statistics_are_offered_only_where_linkedin_reports_them(fake: LinkedInFake) -> None:
    """Share statistics need rw_organization_admin, which LinkedIn restricts to a page's
    ADMINISTRATOR (tests/fixtures/linkedin/share_statistics.json): a content admin's page, or a
    sign-in without that scope, offers followers only, says why, and asks LinkedIn nothing."""
    documented = fixture("share_statistics.json")["permissions"][0]
    assert documented["permission"] == "rw_organization_admin" and documented["roles"] == ["ADMINISTRATOR"]
    token = fake.create_member()
    admin = fake.create_organization(token, "ADMINISTRATOR", "Acme")
    fake.create_organization(token, "CONTENT_ADMINISTRATOR", "Beta")
    provider = LinkedInProvider(api_url=fake.url)
    full = "openid,profile,w_member_social,r_organization_social,w_organization_social,rw_organization_admin"
    _, acme, beta = provider.accounts_from_tokens(fake.url, {"access_token": token, "scope": full})
    assert acme.remote_id == admin
    assert dict(acme.settings) == {
        "kind": "organization",
        "role": "ADMINISTRATOR",
        "scopes": " ".join(sorted(full.split(","))),
    }

    def conn(account: Any, **settings: str) -> Connection:
        merged = {**account.settings, **settings}
        return Connection(fake.url, account.remote_id, account.handle, account.secrets, merged)

    assert provider.metrics_offered(conn(acme)).post == provider.info.post_metrics
    content_admin = provider.metrics_offered(conn(beta))
    assert content_admin.post == () and content_admin.account == ("followers",)
    assert "only to its administrators" in content_admin.note and "Content administrator" in content_admin.note
    no_scope = provider.metrics_offered(conn(acme, scopes="openid profile w_organization_social"))
    assert no_scope.post == () and "rw_organization_admin" in no_scope.note
    asked = len(fake.requests)
    assert provider.post_metrics(conn(beta), ["urn:li:share:1"]) == {}
    assert len(fake.requests) == asked  # nothing asked that LinkedIn would refuse
    fake.followers[beta.remote_id] = 12
    assert provider.account_metrics(conn(beta)).values == {"followers": 12}
    # A page connected with a pasted token records the role too (the scopes are not known then).
    pasted = provider.connect({"access_token": token, "organization": beta.remote_id})
    assert dict(pasted.settings) == {"kind": "organization", "role": "CONTENT_ADMINISTRATOR"}


def test_the_token_replies_have_the_properties_linkedin_s_client_reads(fake: LinkedInFake) -> None:
    doc = fixture("token_response.json")
    # LinkedIn lists granted scopes comma-separated; both that and spaces are read.
    assert granted_scopes({"scope": doc["scope_example"]}) == {"r_liteprofile", "r_ads"}
    assert granted_scopes({"scope": "openid profile"}) == {"openid", "profile"} and granted_scopes({}) == set()
    token = fake.create_member()
    refresh = fake.grant_refresh(token, "cid", "cs")
    with httpx.Client(base_url=fake.url) as http:
        reply = http.post(
            "/oauth/v2/accessToken",
            data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cid", "client_secret": "cs"},
        ).json()
    assert set(reply) == set(doc["refresh_token_exchange"])


def test_a_page_role_without_analytics_access_asks_to_reconnect(fake: LinkedInFake) -> None:
    """An account whose role was not recorded (connected before it was) is asked; LinkedIn's
    refusal asks the user to reconnect, which records the role."""
    conn = page_connection(fake, "CONTENT_ADMINISTRATOR")
    with pytest.raises(AuthExpired) as err:
        LinkedInProvider().post_metrics(conn, ["urn:li:share:1"])
    assert err.value.network_message and "Not enough permissions" in err.value.network_message


# --- LinkedIn's error replies ----------------------------------------------------------------


def replying(status: int, body: bytes, headers: dict[str, str] | None = None) -> LinkedInProvider:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": "application/json", **(headers or {})})

    return LinkedInProvider(transport=httpx.MockTransport(handler))


PAGE = Connection("https://api.linkedin.com", "urn:li:organization:5", "acme", {"access_token": "t"})


def test_documented_401_is_auth_expired() -> None:
    body = json.dumps(fixture("errors.json")["sample_401"]).encode()
    with pytest.raises(AuthExpired) as err:
        replying(401, body).publish(PAGE, PostRequest.single("x"), "k")
    assert err.value.network_message == "Empty oauth2_access_token"


def test_403_access_denied_is_auth_expired_other_403_rejected() -> None:
    denied = {"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED", "message": "Not enough permissions"}
    with pytest.raises(AuthExpired):
        replying(403, json.dumps(denied).encode()).publish(PAGE, PostRequest.single("x"), "k")
    other = {"status": 403, "serviceErrorCode": 65600, "message": "Content is a duplicate"}
    with pytest.raises(Rejected) as err:
        replying(403, json.dumps(other).encode()).publish(PAGE, PostRequest.single("x"), "k")
    assert err.value.reason == "Content is a duplicate"


def test_429_is_rate_limited_with_the_caller_s_backoff() -> None:
    throttled = json.dumps({"status": 429, "serviceErrorCode": 101, "message": "Resource level throttle limit"})
    with pytest.raises(RateLimited) as err:
        replying(429, throttled.encode()).publish(PAGE, PostRequest.single("x"), "k")
    assert err.value.retry_after is None  # LinkedIn sends no Retry-After as a rule
    with pytest.raises(RateLimited) as err:
        replying(429, throttled.encode(), {"Retry-After": "120"}).account_metrics(PAGE)
    assert err.value.retry_after == 120


def test_5xx_malformed_json_and_missing_id_are_transient() -> None:
    with pytest.raises(Transient):
        replying(503, b'{"status":503,"message":"Service Unavailable"}').publish(PAGE, PostRequest.single("x"), "k")
    with pytest.raises(Transient):
        replying(200, b"<html>not json</html>").account_metrics(PAGE)
    with pytest.raises(Transient, match="x-restli-id"):
        replying(201, b"").publish(PAGE, PostRequest.single("x"), "k")


def test_reconciliation_does_not_hang_on_the_unsourced_post_times() -> None:
    """A post element's createdAt/publishedAt are not in the reference the corpus holds
    (docs/networks/linkedin.md "Status"): without them find_published still matches on the text,
    reading the author's posts page by page to the end (in LinkedIn's documented finder envelope)."""
    envelope = json.loads((FIXTURES / "restli_envelopes.json").read_text())
    pages = [
        [{"id": f"urn:li:share:{i}", "commentary": f"post {i}", "lifecycleState": "PUBLISHED"} for i in range(50)],
        [{"id": "urn:li:share:77", "commentary": "Found \\(late\\)", "lifecycleState": "PUBLISHED"}],
    ]
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":  # asked for its clock: these replies carry no Date
            return httpx.Response(200)
        start = int(request.url.params["start"])
        asked.append(request.url.params["start"])
        body = {"elements": pages[start // 50] if start // 50 < len(pages) else [], "paging": {"start": start}}
        assert set(body) <= set(envelope["finder_keys"])
        return httpx.Response(200, json=body)

    provider = LinkedInProvider(transport=httpx.MockTransport(handler))
    found = provider.find_published(PAGE, "k", "Found (late)", datetime(2026, 1, 1, tzinfo=UTC))
    assert found is not None and found.remote_id == "urn:li:share:77" and asked == ["0", "50"]
    assert provider.find_published(PAGE, "k", "never", datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_reconciliation_allows_for_our_clock_running_ahead_of_linkedin_s() -> None:
    """Our clock 10 minutes fast: the post a lost reply made carries LinkedIn's time, 8 minutes
    before our ``since``. Read back by LinkedIn's clock (its replies' Date), it is found, not sent again."""
    ours = datetime.now(UTC).replace(microsecond=0)
    theirs = ours - timedelta(minutes=10)
    made = int((ours - timedelta(minutes=8)).timestamp() * 1000)
    element = {"id": "urn:li:share:9", "commentary": "late", "lifecycleState": "PUBLISHED", "createdAt": made}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"  # the first page's Date is enough: no extra request for the clock
        return httpx.Response(200, json={"elements": [element]}, headers={"date": format_datetime(theirs, usegmt=True)})

    provider = LinkedInProvider(transport=httpx.MockTransport(handler))
    found = provider.find_published(PAGE, "k", "late", ours)
    assert found is not None and found.remote_id == "urn:li:share:9"


def test_unknown_key_text_with_a_stale_token_is_auth_expired(fake: LinkedInFake) -> None:
    conn = page_connection(fake)
    fake.expire(conn.secrets["access_token"])
    with pytest.raises(AuthExpired):
        LinkedInProvider().find_published(conn, f"k-{uuid.uuid4()}", "x", datetime.now(UTC))


def test_the_fake_answers_in_linkedin_s_own_rest_li_envelopes(fake: LinkedInFake, tmp_path: Path) -> None:
    """The fake's finder, action and create replies have the envelopes LinkedIn's official client
    reads (tests/fixtures/linkedin/restli_envelopes.json)."""
    doc = json.loads((FIXTURES / "restli_envelopes.json").read_text())
    assert doc["source"].startswith("LinkedIn's own Rest.li client, github.com/linkedin-developers/")
    conn = page_connection(fake)
    LinkedInProvider().publish(conn, PostRequest.single("hello"), "k")
    headers = {"Authorization": f"Bearer {conn.secrets['access_token']}", "LinkedIn-Version": VERSION}
    with httpx.Client(base_url=fake.url, headers=headers) as http:
        finder = http.get("/rest/posts", params={"author": conn.remote_id, "q": "author"}).json()
        action = http.post(
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": conn.remote_id}},
        ).json()
        created = http.post(
            "/rest/posts",
            json={
                "author": conn.remote_id,
                "commentary": "again",
                "visibility": "PUBLIC",
                "distribution": {"feedDistribution": "MAIN_FEED"},
                "lifecycleState": "PUBLISHED",
            },
        )
    assert set(finder) <= set(doc["finder_keys"]) and isinstance(finder["elements"], list) and finder["elements"]
    assert set(finder["paging"]) <= set(doc["paging_keys"])
    assert set(action) == set(doc["action_keys"])
    assert created.status_code == 201 and created.headers[doc["created_id_header"]].startswith("urn:li:share:")
