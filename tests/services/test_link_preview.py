"""The composer's link previews: cards and images from a loopback page server, cached per URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.services import link_preview
from desktop.services.context import AppContext
from desktop.services.link_preview import CACHE_SECONDS, MISS_SECONDS, LinkCache
from providers.link_card import LinkCard
from tests.servers.pages import OG_TITLE, PageServer, serve_pages


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with serve_pages() as server:
        yield server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    link_preview.clear_cache()
    yield
    link_preview.clear_cache()


def test_a_card_is_fetched_once_then_served_from_the_cache_for_fifteen_minutes(
    ctx: AppContext, pages: PageServer
) -> None:
    clock = Clock()
    cache: LinkCache[LinkCard] = LinkCache(clock=clock)
    card = link_preview.preview(ctx, pages.url("/og"), cache=cache)
    assert card is not None and card.title == OG_TITLE
    clock.now += CACHE_SECONDS - 1
    assert link_preview.preview(ctx, pages.url("/og"), cache=cache) == card
    assert pages.requested() == ["/og"]
    clock.now += 2
    assert link_preview.preview(ctx, pages.url("/og"), cache=cache) == card
    assert pages.requested() == ["/og", "/og"]


def test_a_page_that_cannot_be_read_is_tried_again_after_a_minute(ctx: AppContext, pages: PageServer) -> None:
    clock = Clock()
    cache: LinkCache[LinkCard] = LinkCache(clock=clock)
    assert link_preview.preview(ctx, pages.url("/data.json"), cache=cache) is None
    assert link_preview.preview(ctx, pages.url("/data.json"), cache=cache) is None
    assert pages.requested() == ["/data.json"]
    clock.now += MISS_SECONDS + 1
    assert link_preview.preview(ctx, pages.url("/data.json"), cache=cache) is None
    assert pages.requested() == ["/data.json", "/data.json"]


def test_the_cache_keeps_the_most_recently_used_urls() -> None:
    cache: LinkCache[str] = LinkCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == (True, "A")  # a is now the most recent
    cache.put("c", "C")
    assert cache.get("b") == (False, None)
    assert cache.get("a") == (True, "A") and cache.get("c") == (True, "C")


def test_the_process_cache_serves_the_card_and_its_image(ctx: AppContext, pages: PageServer) -> None:
    card = link_preview.preview(ctx, pages.url("/og"))
    assert card is not None
    assert link_preview.preview(ctx, pages.url("/og")) is card
    image = link_preview.preview_image(ctx, card.image)
    assert image == (pages.spring_png, "image/png")
    assert link_preview.preview_image(ctx, card.image) is image
    assert pages.requested() == ["/og", "/static/spring.png"]
    assert link_preview.preview_image(ctx, "") is None
