"""The contract every provider keeps, written once and inherited by each network's tests.

Use it by subclassing in ``tests/providers/test_<network>_contract.py``::

    class TestMastodonContract(ProviderContract):
        @pytest.fixture
        def provider(self) -> Provider: ...

A subclass MUST provide these fixtures (function scope is fine; they may use session servers):

``provider``            the provider instance under test (talking to the real test server).
``connection``          a live :class:`Connection` for a *fresh* account on that server, used by
                        nothing else (so counts of its posts are exact).
``count_remote_posts``  ``callable(Connection) -> int``: how many posts that account has on the
                        server right now, read from the server directly (not through the provider).
``too_long_text``       a ``str`` that :meth:`Provider.validate` must report as ``too_long`` with the
                        provider's default limits.

A subclass MAY override:

``counts_graphemes``        class attribute, ``True`` when the network counts "👍🏽" and "👨‍👩‍👧" as one
                            character each (set ``False`` and test counting in your own module).
``bad_secrets_connection``  ``connection`` with every secret replaced by garbage (default does that).
``unreachable_connection``  ``connection`` pointed at a closed port on 127.0.0.1 (default does that).
``post_text``               ``callable() -> str`` making a unique, valid post text (default: uuid).

The tests against the server act through ``live``, a :class:`LiveAccount` made of those fixtures.

Tests here only use the public interface in ``providers.base``; network quirks belong in the
network's own test module.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.base import (
    AuthExpired,
    AuthKind,
    Connection,
    MediaItem,
    PostRequest,
    Provider,
    Published,
    Transient,
)
from tests.servers.fake_http import closed_port as _closed_port  # the name test_bluesky_contract imports


def _codes(problems: list) -> set[str]:  # type: ignore[type-arg]
    return {p.code for p in problems}


@dataclass(frozen=True)
class LiveAccount:
    """The provider under test acting for the contract's fresh account on the test server."""

    provider: Provider
    connection: Connection
    count_posts: Callable[[], int]  # read from the server directly
    new_text: Callable[[], str]

    def publish(self, post: PostRequest | None = None, key: str | None = None) -> Published:
        """``post`` (else one with a fresh text) under ``key`` (else a fresh idempotency key)."""
        post = post or PostRequest.single(self.new_text())
        return self.provider.publish(self.connection, post, key or f"key-{uuid.uuid4()}")


class ProviderContract:
    """Inherit, provide the fixtures listed in the module docstring, and every test runs."""

    counts_graphemes: bool = True

    # --- overridable fixtures ----------------------------------------------------------------

    @pytest.fixture
    def bad_secrets_connection(self, connection: Connection) -> Connection:
        garbage = {name: f"garbage-{uuid.uuid4().hex}" for name in connection.secrets}
        return dataclasses.replace(connection, secrets=garbage)

    @pytest.fixture
    def unreachable_connection(self, connection: Connection) -> Connection:
        return dataclasses.replace(connection, server_url=f"http://127.0.0.1:{_closed_port()}")

    @pytest.fixture
    def post_text(self) -> Callable[[], str]:
        return lambda: f"Contract test {uuid.uuid4().hex[:12]}"

    @pytest.fixture
    def live(
        self,
        provider: Provider,
        connection: Connection,
        count_remote_posts: Callable[[Connection], int],
        post_text: Callable[[], str],
    ) -> LiveAccount:
        return LiveAccount(provider, connection, lambda: count_remote_posts(connection), post_text)

    # --- declared data -----------------------------------------------------------------------

    def test_info_is_well_formed(self, provider: Provider) -> None:
        info = provider.info
        assert info.id and info.id == info.id.lower() and info.id.isidentifier()
        assert info.name
        assert info.connect_fields, "a connect form needs at least one field"
        names = [f.name for f in info.connect_fields]
        assert len(names) == len(set(names)), "connect field names must be unique"
        if info.auth_kind is not AuthKind.OAUTH2:
            assert any(f.secret for f in info.connect_fields), "the password/token field must be secret"
        assert info.counting
        assert info.post_metrics and info.account_metrics

    def test_limits_are_sane(self, provider: Provider) -> None:
        lim = provider.info.limits
        assert lim.max_chars > 0
        assert lim.max_media >= 0
        assert lim.max_parts >= 1
        assert (lim.max_parts > 1) == provider.info.threads
        assert lim.url_length is None or lim.url_length > 0
        assert lim.media_types and all("/" in t for t in lim.media_types)
        assert lim.max_image_bytes > 0
        assert lim.max_alt_chars > 0

    # --- counting ----------------------------------------------------------------------------

    @pytest.mark.parametrize("text", ["", "a", "Hello, world! 123", "plain ASCII text, no links or mentions."])
    def test_measure_ascii_is_its_length(self, provider: Provider, text: str) -> None:
        assert provider.measure(text) == len(text)

    @pytest.mark.parametrize("text", ["👍🏽", "👨‍👩‍👧", "🇫🇷", "e\u0301"])
    def test_measure_counts_a_grapheme_once(self, provider: Provider, text: str) -> None:
        if not self.counts_graphemes:
            pytest.skip(f"{provider.info.name} does not count graphemes; see its own tests")
        assert provider.measure(text) == 1

    # --- offline validation ------------------------------------------------------------------

    def test_validate_accepts_a_plain_post(self, provider: Provider) -> None:
        assert provider.validate(PostRequest.single("A perfectly ordinary post.")) == []

    def test_validate_empty(self, provider: Provider) -> None:
        assert "empty" in _codes(provider.validate(PostRequest.single("")))
        assert "empty" in _codes(provider.validate(PostRequest.single("   \n ")))
        assert "empty" in _codes(provider.validate(PostRequest(parts=())))

    def test_validate_too_long(self, provider: Provider, too_long_text: str) -> None:
        assert "too_long" in _codes(provider.validate(PostRequest.single(too_long_text)))

    def test_validate_too_many_media(self, provider: Provider, tmp_path: Path) -> None:
        n = provider.info.limits.max_media + 1
        media = [MediaItem(tmp_path / f"{i}.png", "image/png", alt_text="a dot", size=100) for i in range(n)]
        assert "too_many_media" in _codes(provider.validate(PostRequest.single("pics", media)))

    def test_validate_media_type(self, provider: Provider, tmp_path: Path) -> None:
        item = MediaItem(tmp_path / "setup.exe", "application/x-msdownload", size=100)
        assert "media_type" in _codes(provider.validate(PostRequest.single("file", [item])))

    # --- against the server ------------------------------------------------------------------

    def test_publish_returns_id_and_url(self, live: LiveAccount) -> None:
        published = live.publish()
        assert isinstance(published, Published)
        assert published.remote_id
        assert published.url.startswith(("https://", "http://"))

    def test_same_idempotency_key_posts_once(self, live: LiveAccount) -> None:
        if not live.provider.info.native_idempotency:
            pytest.skip("no native idempotency: duplicates are prevented through find_published")
        before = live.count_posts()
        post = PostRequest.single(live.new_text())
        key = f"key-{uuid.uuid4()}"
        first = live.publish(post, key)
        second = live.publish(post, key)
        assert second.remote_id == first.remote_id
        assert live.count_posts() == before + 1

    def test_different_key_posts_again(self, live: LiveAccount) -> None:
        before = live.count_posts()
        post = PostRequest.single(live.new_text())
        first = live.publish(post)
        second = live.publish(post)
        assert first.remote_id != second.remote_id
        assert live.count_posts() == before + 2

    def test_find_published(self, live: LiveAccount) -> None:
        since = datetime.now(UTC) - timedelta(seconds=5)
        text = live.new_text()
        key = f"key-{uuid.uuid4()}"
        published = live.publish(PostRequest.single(text), key)
        found = live.provider.find_published(live.connection, key, text, since)
        assert found is not None
        assert found.remote_id == published.remote_id
        assert live.provider.find_published(live.connection, f"unused-{uuid.uuid4()}", live.new_text(), since) is None

    def test_post_metrics(self, live: LiveAccount) -> None:
        ids = [live.publish().remote_id, live.publish().remote_id]
        metrics = live.provider.post_metrics(live.connection, ids)
        assert set(metrics) == set(ids)
        offered = live.provider.metrics_offered(live.connection).post
        for remote_id, m in metrics.items():
            assert m.remote_id == remote_id
            # Only offered metrics; one the network did not report for this post is left out (not 0).
            assert m.values and set(m.values) <= set(offered)
            assert all(isinstance(v, int) and v >= 0 for v in m.values.values())

    def test_account_metrics(self, provider: Provider, connection: Connection) -> None:
        values = provider.account_metrics(connection).values
        assert values and set(values) <= set(provider.metrics_offered(connection).account)
        assert all(isinstance(v, int) and v >= 0 for v in values.values())

    def test_delete(self, live: LiveAccount) -> None:
        published = live.publish()
        before = live.count_posts()
        live.provider.delete(live.connection, published.remote_id)
        assert live.count_posts() == before - 1

    def test_bad_secrets_raise_auth_expired(
        self, provider: Provider, bad_secrets_connection: Connection, post_text: Callable[[], str]
    ) -> None:
        with pytest.raises(AuthExpired):
            provider.account_metrics(bad_secrets_connection)
        with pytest.raises(AuthExpired):
            provider.publish(bad_secrets_connection, PostRequest.single(post_text()), f"key-{uuid.uuid4()}")

    def test_unreachable_server_is_transient(
        self, provider: Provider, unreachable_connection: Connection, post_text: Callable[[], str]
    ) -> None:
        with pytest.raises(Transient):
            provider.publish(unreachable_connection, PostRequest.single(post_text()), f"key-{uuid.uuid4()}")
        with pytest.raises(Transient):
            provider.account_metrics(unreachable_connection)
