"""Link cards read from real HTTP pages on a loopback server (tests/servers/pages.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from providers.link_card import (
    LinkCard,
    card_client,
    decode_html,
    fetch_card,
    fetch_image,
    parse_card,
    untracked,
)
from tests.servers.pages import (
    BIG_PAGE_BYTES,
    LATIN1_TITLE,
    OG_DESCRIPTION,
    OG_TITLE,
    SLOW_SECONDS,
    TRICKLE_SECONDS,
    PageServer,
    serve_pages,
)


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with serve_pages() as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with card_client() as c:
        yield c


def test_opengraph_tags_win_with_entities_decoded_and_the_image_made_absolute(
    pages: PageServer, client: httpx.Client
) -> None:
    card = fetch_card(client, pages.url("/og"))
    assert card == LinkCard(
        url=pages.url("/og"),
        title=OG_TITLE,
        description=OG_DESCRIPTION,
        image=pages.url("/static/spring.png"),
        site_name="Example Shop",
    )
    assert card.host == "127.0.0.1" and not card.empty
    assert "text/html" in pages.events("/og")[-1]["accept"]


def test_twitter_tags_stand_in_for_missing_opengraph(pages: PageServer, client: httpx.Client) -> None:
    card = fetch_card(client, pages.url("/twitter"))
    assert card is not None
    assert (card.title, card.description, card.image) == (
        "Card title from Twitter tags",
        "Described for Twitter.",
        "https://cdn.example.org/card.jpg",
    )


def test_a_page_with_only_a_title_gives_a_card_with_just_that(pages: PageServer, client: httpx.Client) -> None:
    card = fetch_card(client, pages.url("/title-only"))
    assert card == LinkCard(url=pages.url("/title-only"), title="Only a title & nothing else")


def test_redirects_are_followed_up_to_five_and_the_image_resolves_against_the_last(
    pages: PageServer, client: httpx.Client
) -> None:
    card = fetch_card(client, pages.url("/redirect/5"))  # 5 redirects, then the page
    assert card is not None and card.title == OG_TITLE
    assert card.image == pages.url("/static/spring.png")
    assert pages.requested()[-6:] == [*(f"/redirect/{n}" for n in range(5, 0, -1)), "/og"]


def test_a_sixth_redirect_is_not_followed(pages: PageServer, client: httpx.Client) -> None:
    before = len(pages.requested())
    assert fetch_card(client, pages.url("/redirect/6")) is None
    assert pages.requested()[before:] == [f"/redirect/{n}" for n in range(6, 0, -1)]  # /og never asked for


def test_a_redirect_away_from_http_and_https_is_not_followed(pages: PageServer, client: httpx.Client) -> None:
    assert fetch_card(client, pages.url("/to-ftp")) is None


@pytest.mark.parametrize("path", ["/latin1", "/latin1-meta"])
def test_the_declared_charset_is_honoured(pages: PageServer, client: httpx.Client, path: str) -> None:
    card = fetch_card(client, pages.url(path))
    assert card is not None and card.title == LATIN1_TITLE
    if path == "/latin1":
        assert card.description == "Déjà vu, naïve façade"


def test_reading_stops_at_the_end_of_the_head(pages: PageServer, client: httpx.Client) -> None:
    card = fetch_card(client, pages.url("/big"), max_bytes=40_000_000)  # 50 MB, its head in the first 60 bytes
    assert card is not None and card.title == "A very long page"
    assert pages.wait_for("/big", "hung up")["sent"] < BIG_PAGE_BYTES // 5


def test_an_oversized_page_is_cut_off_at_the_cap_and_the_rest_never_downloaded(
    pages: PageServer, client: httpx.Client
) -> None:
    card = fetch_card(client, pages.url("/big-no-head"), max_bytes=200_000)
    assert card is not None and card.title == "A very long page"  # what the first bytes said
    # The server's side: the client hung up long before the page's end (socket buffers on
    # both sides hold a few MB at most; the page is 50 MB).
    event = pages.wait_for("/big-no-head", "hung up")
    assert event["sent"] < BIG_PAGE_BYTES // 5


def test_a_page_slower_than_the_timeout_is_given_up(pages: PageServer, client: httpx.Client) -> None:
    assert fetch_card(client, pages.url("/slow"), timeout=0.5) is None
    event = pages.wait_for("/slow", "hung up")
    assert event["after"] < SLOW_SECONDS / 2  # the server saw the client leave long before it answered


def test_a_page_that_trickles_is_cut_off_by_the_deadline_on_the_whole_fetch(
    pages: PageServer, client: httpx.Client
) -> None:
    card = fetch_card(client, pages.url("/trickle"), timeout=0.5)
    assert card is not None and card.title == "Trickle"  # what arrived before the deadline
    event = pages.wait_for("/trickle", "hung up")
    assert event["after"] < TRICKLE_SECONDS / 4


@pytest.mark.parametrize("path", ["/data.json", "/missing", "/static/spring.png"])
def test_what_is_not_an_html_page_gives_no_card(pages: PageServer, client: httpx.Client, path: str) -> None:
    assert fetch_card(client, pages.url(path)) is None


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "not a url", ""])
def test_only_http_and_https_are_fetched(pages: PageServer, client: httpx.Client, url: str) -> None:
    before = len(pages.log)
    assert fetch_card(client, url) is None
    assert fetch_image(client, url) is None
    assert len(pages.log) == before


def test_nothing_listening_gives_none_not_an_exception(client: httpx.Client) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert fetch_card(client, f"http://127.0.0.1:{port}/") is None
    assert fetch_image(client, f"http://127.0.0.1:{port}/a.png") is None


def test_an_image_is_read_whole_with_its_type(pages: PageServer, client: httpx.Client) -> None:
    got = fetch_image(client, pages.url("/static/spring.png"))
    assert got == (pages.spring_png, "image/png")


def test_an_image_over_the_cap_or_not_an_image_is_refused(pages: PageServer, client: httpx.Client) -> None:
    assert fetch_image(client, pages.url("/static/big.png")) is None  # > 1,000,000 bytes, by Content-Length
    assert fetch_image(client, pages.url("/static/spring.png"), max_bytes=1000) is None
    assert fetch_image(client, pages.url("/static/not-an-image")) is None
    assert fetch_image(client, pages.url("/og")) is None


# --- parsing alone ------------------------------------------------------------------------------


def test_a_broken_page_gives_a_partial_card_never_an_exception() -> None:
    card = parse_card('<html><head><title>Half<meta property="og:image" content="//cdn.x.org/i.png', "https://a.b/c/")
    assert card.url == "https://a.b/c/"
    assert parse_card("<<<>>>&&&;", "https://a.b/").empty


def test_protocol_relative_and_relative_addresses_resolve_against_the_page() -> None:
    html = '<meta property="og:image" content="//cdn.example.org/i.png"><meta property="og:url" content="../x">'
    card = parse_card(html, "https://example.org/a/b/page")
    assert card.image == "https://cdn.example.org/i.png"
    assert card.url == "https://example.org/a/x"
    assert parse_card('<meta property="og:image" content="data:image/png;base64,AAAA">', "https://e.org/").image == ""


def test_long_texts_are_clipped_and_whitespace_collapsed() -> None:
    card = parse_card(f'<meta property="og:description" content="{"word " * 500}">', "https://e.org/")
    assert len(card.description) == 1000 and card.description.endswith("…")


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("Noël".encode(), "", "Noël"),  # valid UTF-8 without a label
        ("Noël".encode("cp1252"), "", "Noël"),  # not UTF-8: windows-1252
        ("Noël".encode("cp1252"), "latin-1", "Noël"),
        (b'<meta charset="windows-1252">\x93quoted\x94', "", '<meta charset="windows-1252">\u201cquoted\u201d'),
        ("Noël".encode(), "no-such-charset", "Noël"),
        (b"\xef\xbb\xbfNo\xc3\xabl", "iso-8859-1", "Noël"),  # a BOM wins over the header
        ("No€".encode()[:-1], "", "No\ufffd"),  # the cap cut the last character in two
        ("Noël".encode(), "base64", "Noël"),  # a codec that is not a charset is ignored
        ("Noël".encode("utf-16-le"), "utf-16-le", "Noël"),  # UTF-16 said by the server is believed
        (b'<meta charset="utf-16">No\xc3\xabl', "", '<meta charset="utf-16">Noël'),  # ...not by a meta tag
        (b'<meta charset="zlib">No\xc3\xabl', "", '<meta charset="zlib">Noël'),
    ],
)
def test_decoding(data: bytes, charset: str, text: str) -> None:
    assert decode_html(data, charset) == text


def test_a_preview_fetch_leaves_the_campaign_tags_out() -> None:
    tagged = "https://shop.example.com/spring?ref=home&utm_source=bluesky&utm_medium=social&UTM_campaign=x#top"
    assert untracked(tagged) == "https://shop.example.com/spring?ref=home#top"
    assert untracked("https://e.org/a?b=1&c=%20") == "https://e.org/a?b=1&c=%20"


def test_hosts_can_be_limited_so_tests_never_reach_the_internet(
    pages: PageServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from providers import link_card
    from providers.http import is_loopback_host

    monkeypatch.setattr(link_card, "hosts_allowed", lambda host: host == "localhost")
    before = len(pages.log)
    assert fetch_card(client, pages.url("/og")) is None  # 127.0.0.1 is not "localhost": refused
    assert len(pages.log) == before
    monkeypatch.setattr(link_card, "hosts_allowed", is_loopback_host)
    assert fetch_card(client, pages.url("/og")) is not None
