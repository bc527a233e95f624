"""The shared provider contract, run against mastodon-mock on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from providers.base import Connection, Provider
from providers.mastodon import MastodonProvider
from tests.providers.contract import ProviderContract
from tests.servers.mastodon import MastodonMockServer, count_statuses

pytestmark = pytest.mark.slow


class TestMastodonContract(ProviderContract):
    counts_graphemes = True  # StatusLengthValidator: each_grapheme_cluster.size

    @pytest.fixture
    def provider(self) -> Provider:
        return MastodonProvider()

    @pytest.fixture
    def connection(self, mastodon_connection: Connection) -> Connection:
        return mastodon_connection

    @pytest.fixture
    def count_remote_posts(self, mastodon_server: MastodonMockServer) -> Callable[[Connection], int]:
        return lambda conn: count_statuses(mastodon_server, conn)

    @pytest.fixture
    def too_long_text(self) -> str:
        return "a" * 501
