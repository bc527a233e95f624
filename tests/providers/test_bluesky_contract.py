"""The shared provider contract, run against a real @atproto/pds on 127.0.0.1."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from providers.base import Connection, Provider
from providers.bluesky import BlueskyProvider
from tests.providers.contract import ProviderContract, _closed_port
from tests.servers.pds import PdsServer

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1200)]


class TestBlueskyContract(ProviderContract):
    counts_graphemes = True  # the lexicon's maxGraphemes: 300

    @pytest.fixture
    def provider(self) -> Provider:
        return BlueskyProvider()

    @pytest.fixture
    def connection(self, bluesky_account: tuple[Connection, str]) -> Connection:
        return bluesky_account[0]

    @pytest.fixture
    def count_remote_posts(self, pds: PdsServer) -> Callable[[Connection], int]:
        return lambda conn: len(pds.list_records(conn.remote_id))

    @pytest.fixture
    def too_long_text(self) -> str:
        return "a" * 301

    @pytest.fixture
    def unreachable_connection(self, connection: Connection) -> Connection:
        # Metrics go to the AppView (here the PDS itself), so it moves to the closed port too.
        dead = f"http://127.0.0.1:{_closed_port()}"
        return dataclasses.replace(connection, server_url=dead, settings={**connection.settings, "appview": dead})
