"""UTM tagging on tricky URLs: only the links change, exactly as the networks see links."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from desktop.services import utm
from providers.bluesky import richtext
from providers.bluesky.provider import BlueskyProvider
from providers.mastodon import MastodonProvider

P = {"utm_source": "mastodon", "utm_medium": "social", "utm_campaign": "spring"}
Q = "utm_source=mastodon&utm_medium=social&utm_campaign=spring"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.com", f"https://example.com?{Q}"),
        ("https://example.com/", f"https://example.com/?{Q}"),
        ("Read https://example.com/a?x=1&y=2 now", f"Read https://example.com/a?x=1&y=2&{Q} now"),
        ("https://example.com/a?", f"https://example.com/a?{Q}?"),  # a question mark ends the sentence
        ("https://example.com/a?x=1&", f"https://example.com/a?x=1&{Q}"),
        ("https://example.com/a#top", f"https://example.com/a?{Q}#top"),
        ("https://example.com/a?x=1#sec-2", f"https://example.com/a?x=1&{Q}#sec-2"),
        ("See https://example.com/a.", f"See https://example.com/a?{Q}."),
        ("Really? https://example.com/a!!", f"Really? https://example.com/a?{Q}!!"),
        ('"https://example.com/a",', '"https://example.com/a",'),  # after a quote: no network links it
        ("(see https://example.com/a)", f"(see https://example.com/a?{Q})"),
        ("(https://example.com/a).", f"(https://example.com/a?{Q})."),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", f"https://en.wikipedia.org/wiki/Foo_(bar)?{Q}"),
        ("https://bücher.de/neu", f"https://bücher.de/neu?{Q}"),
        ("https://例え.jp/パス", f"https://例え.jp/パス?{Q}"),
        ("https://xn--bcher-kva.de/", f"https://xn--bcher-kva.de/?{Q}"),
        ("https://example.com:8443/a", f"https://example.com:8443/a?{Q}"),
        ("https://example.com/?utm_source=news", "https://example.com/?utm_source=news"),
        ("https://example.com/?a=1&UTM_Medium=x#f", "https://example.com/?a=1&UTM_Medium=x#f"),
        ("a https://x.org and https://x.org", f"a https://x.org?{Q} and https://x.org?{Q}"),
        ("春が来た🌸 https://example.com/春 🎉🎉 終わり", f"春が来た🌸 https://example.com/春?{Q} 🎉🎉 終わり"),
        ("no links here, example.com neither", "no links here, example.com neither"),
        ("https://localhost/a", "https://localhost/a"),  # no dotted host: the networks don't link it
        ("word:https://example.com", "word:https://example.com"),  # not after a space or "("
        ("HTTPS://EXAMPLE.COM/A", f"HTTPS://EXAMPLE.COM/A?{Q}"),
        ("line\nhttps://example.com/a\n", f"line\nhttps://example.com/a?{Q}\n"),
    ],
)
def test_tag_text(text: str, expected: str) -> None:
    assert utm.tag_text(text, P) == expected


def test_a_link_opted_out_is_left_as_written_and_the_others_are_tagged() -> None:
    text = "https://a.example/x and https://b.example/y"
    assert utm.tag_text(text, P, skip=["https://a.example/x"]) == f"https://a.example/x and https://b.example/y?{Q}"


def test_only_the_url_substrings_change() -> None:
    text = "  Tabs\tand  spaces (kept) — «quotes» https://example.com/a?b=1#c … end  "
    out = utm.tag_text(text, P)
    assert out.replace(f"&{Q}", "") == text


def test_values_are_percent_encoded() -> None:
    out = utm.tag_url("https://example.com/", {"utm_source": "news letter", "utm_campaign": "a&b=c/é#"})
    assert out == "https://example.com/?utm_source=news%20letter&utm_campaign=a%26b%3Dc%2F%C3%A9%23"


def test_no_params_no_change() -> None:
    assert utm.tag_text("https://example.com/", {}) == "https://example.com/"


def test_params_default_per_network() -> None:
    campaign = SimpleNamespace(
        name="Spring Launch 2026!", utm_source="", utm_medium="", utm_campaign="", utm_term="", utm_content=""
    )
    assert utm.params_for(campaign, "bluesky") == {
        "utm_source": "bluesky",
        "utm_medium": "social",
        "utm_campaign": "spring-launch-2026",
    }


def test_params_the_campaign_sets_win() -> None:
    row = SimpleNamespace(name="Été", utm={"source": "newsletter", "medium": "email", "term": "shoes", "content": "b"})
    assert utm.params_for(row, "mastodon") == {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "été",
        "utm_term": "shoes",
        "utm_content": "b",
    }


def test_example_link_shows_what_a_link_becomes() -> None:
    assert utm.example_link({"name": "Spring sale"}, "mastodon") == (
        "https://example.com/page?utm_source=mastodon&utm_medium=social&utm_campaign=spring-sale"
    )


def test_tagged_counterpart_maps_a_link_to_its_tagged_form() -> None:
    texts = ["a https://x.org/1 b https://y.org/2", "https://z.org"]
    tagged = utm.tag_parts(texts, P)
    assert utm.tagged_counterpart("https://y.org/2", texts, tagged) == f"https://y.org/2?{Q}"
    assert utm.tagged_counterpart("https://nope.org", texts, tagged) is None


@pytest.mark.parametrize(
    "text",
    [
        "See https://example.com/a.",
        "(https://example.com/a)!",
        "https://en.wikipedia.org/wiki/Foo_(bar), then",
        "x https://example.com/a?b=1#c y https://example.org",
        "春 https://例え.jp/パス 🎉",
    ],
)
def test_links_agree_with_what_the_networks_link(text: str) -> None:
    """What is tagged is what Bluesky makes a link facet of and what Mastodon counts as a URL."""
    tagged = utm.tag_text(text, P)
    ours = [link.url for link in utm.find_links(tagged)]
    assert ours == [s.value for s in richtext.detect(tagged) if s.kind == "link"]
    # Mastodon counts each URL as 23 characters, so tagging leaves its count unchanged
    mastodon = MastodonProvider()
    assert mastodon.measure(tagged) == mastodon.measure(text)


def test_bluesky_shows_a_long_link_shortened_and_links_it_in_full() -> None:
    url = f"https://example.com/spring-launch-2026?{Q}"
    text = f"New: {url} — go!"
    shown, spans = richtext.display(text)
    assert shown == "New: example.com/spring-launc... — go!"
    [link] = spans
    assert link.value == url and shown[link.start : link.end] == "example.com/spring-launc..."
    [facet] = richtext.facets(text, lambda _h: None)
    assert facet["features"][0]["uri"] == url
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert shown.encode()[start:end].decode() == "example.com/spring-launc..."


def test_bluesky_leaves_a_short_link_as_written() -> None:
    assert richtext.display_text("at https://example.com/abc.") == "at https://example.com/abc."


def test_bluesky_counts_the_shortened_link() -> None:
    url = "https://example.com/" + "a" * 200
    assert BlueskyProvider().measure(f"x {url}") == len("x example.com/aaaaaaaaaaaa...")
