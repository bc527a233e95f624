"""Mastodon counts like its StatusLengthValidator (4.x): graphemes, URLs as 23, mentions without
their domain, and the content warning in the same budget."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.base import PostPart, PostRequest
from providers.mastodon import DEFAULT_LIMITS, MastodonProvider, countable_text, plain_text

mastodon = MastodonProvider()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", 5),
        ("https://example.com", 23),
        ("https://example.com/a/very/long/path/that/goes/on/and/on?utm_source=x&utm_medium=y", 23),
        ("Read http://example.com/short.", len("Read ") + 23 + 1),  # trailing full stop is text
        ("(see https://en.wikipedia.org/wiki/Foo_(bar))", 1 + 4 + 23 + 1),  # balanced parens stay in
        ("two https://a.example https://b.example/x", 4 + 23 + 1 + 23),
        ("example.com without a scheme", len("example.com without a scheme")),
        ("@alice@example.social hi", len("@alice hi")),
        ("@alice hi", len("@alice hi")),
        ("mail bob@example.com", len("mail bob@example.com")),  # not a mention: inside a word
        ("https://example.com/@alice@example.social", 23),  # a mention inside a URL is the URL
        ("👍🏽👨‍👩‍👧🇫🇷", 3),
        ("e\u0301", 1),
        ("日本語のテキスト", 8),
        ("line one\nline two", 17),
    ],
)
def test_measure(text: str, expected: int) -> None:
    assert mastodon.measure(text) == expected


def test_url_length_comes_from_the_instance() -> None:
    assert mastodon.measure("https://example.com", replace(DEFAULT_LIMITS, url_length=30)) == 30


def test_countable_text_rewrites_entities() -> None:
    assert countable_text("hi @bob@x.example see https://x.example/p") == "hi @bob see " + "x" * 23


def test_the_content_warning_counts_too() -> None:
    text = "a" * 490
    assert mastodon.validate(PostRequest.single(text)) == []
    problems = mastodon.validate(PostRequest.single(text, content_warning="spoilers ahead"))
    assert [p.code for p in problems] == ["too_long"]
    assert "504 of 500" in problems[0].message


def test_thread_problems_name_the_part() -> None:
    post = PostRequest(parts=(PostPart("fine"), PostPart("b" * 501), PostPart("")))
    problems = {(p.code, p.part) for p in mastodon.validate(post)}
    assert problems == {("too_long", 1), ("empty", 2)}


def test_thread_longer_than_our_cap() -> None:
    post = PostRequest(parts=tuple(PostPart(f"part {i}") for i in range(DEFAULT_LIMITS.max_parts + 1)))
    assert "too_many_parts" in {p.code for p in mastodon.validate(post)}


def test_a_link_pushes_nothing_over_the_limit() -> None:
    text = "a" * 470 + " https://example.com/" + "p" * 200  # 471 + 23 = 494
    assert mastodon.validate(PostRequest.single(text)) == []


def test_plain_text_from_html() -> None:
    assert plain_text("<p>Fish &amp; chips</p><p>tonight<br />8pm</p>") == "Fish & chips\ntonight\n8pm"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_measure_never_exceeds_graphemes_without_urls(text: str) -> None:
    # Mentions only shrink and URLs are absent or replaced, so the count never grows beyond
    # the raw grapheme count plus 23 per URL.
    from providers.base import count_graphemes

    urls = len(list(__import__("providers.mastodon", fromlist=["_url_spans"])._url_spans(text)))
    assert 0 <= mastodon.measure(text) <= count_graphemes(text) + 23 * urls
