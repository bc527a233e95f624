"""Link previews for the composer: the card of the page a post links to, and its image.

Called off the GUI thread (the composer's preview pane runs it on the TaskRunner). Results are
kept in a small in-memory cache for the process (per URL, 15 minutes; a page that could not be
read for a minute), so typing around a link does not fetch it again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

from providers.link_card import LinkCard, card_client, fetch_card, fetch_image

if TYPE_CHECKING:
    from desktop.services.context import AppContext

CACHE_SECONDS = 15 * 60
MISS_SECONDS = 60  # a page that failed may come back soon (a typo being fixed, a site waking up)
CACHE_ENTRIES = 128
IMAGE_ENTRIES = 32  # images are up to 1 MB each
TIMEOUT = 5.0
MAX_PAGE_BYTES = 1_000_000
MAX_IMAGE_BYTES = 1_000_000

V = TypeVar("V")


class LinkCache(Generic[V]):
    """A thread-safe LRU of values by URL, each kept ``ttl`` seconds (``miss_ttl`` for None)."""

    def __init__(
        self,
        size: int = CACHE_ENTRIES,
        *,
        ttl: float = CACHE_SECONDS,
        miss_ttl: float = MISS_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size, self.ttl, self.miss_ttl, self.clock = size, ttl, miss_ttl, clock
        self._items: OrderedDict[str, tuple[float, V | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, V | None]:
        """(found, value); an expired entry is not found."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return False, None
            if item[0] <= self.clock():
                del self._items[key]
                return False, None
            self._items.move_to_end(key)
            return True, item[1]

    def put(self, key: str, value: V | None) -> None:
        with self._lock:
            ttl = self.ttl if value is not None else self.miss_ttl
            self._items[key] = (self.clock() + ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cards: LinkCache[LinkCard] = LinkCache()
_images: LinkCache[tuple[bytes, str]] = LinkCache(IMAGE_ENTRIES)
_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _shared_client() -> httpx.Client:
    """One client for the process (httpx clients are thread-safe), made on first use."""
    global _client
    with _client_lock:
        if _client is None:
            _client = card_client(timeout=TIMEOUT)
        return _client


def clear_cache() -> None:
    """Forget every cached card and image."""
    _cards.clear()
    _images.clear()


def preview(ctx: AppContext | None, url: str, *, cache: LinkCache[LinkCard] | None = None) -> LinkCard | None:
    """The card of the page at ``url`` (title, description, image address, host), or None when
    the page cannot be read (see :func:`providers.link_card.fetch_card`). Blocks for up to
    about 5 seconds: call it off the GUI thread. ``ctx`` is the app's context (unused for now:
    previews need no account)."""
    url = url.strip()
    store = cache if cache is not None else _cards
    found, card = store.get(url)
    if found:
        return card
    card = fetch_card(_shared_client(), url, timeout=TIMEOUT, max_bytes=MAX_PAGE_BYTES)
    store.put(url, card)
    return card


def preview_image(
    ctx: AppContext | None, image_url: str, *, cache: LinkCache[tuple[bytes, str]] | None = None
) -> tuple[bytes, str] | None:
    """(bytes, media type) of a card's image, at most 1,000,000 bytes, or None. Blocks like
    :func:`preview`."""
    image_url = image_url.strip()
    if not image_url:
        return None
    store = cache if cache is not None else _images
    found, image = store.get(image_url)
    if found:
        return image
    image = fetch_image(_shared_client(), image_url, MAX_IMAGE_BYTES, timeout=TIMEOUT)
    store.put(image_url, image)
    return image
