"""Service tests: a real store in the test's data dir, real providers on loopback servers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.services import accounts
from desktop.services.context import AppContext
from tests.servers.mastodon import MastodonMockServer


@pytest.fixture
def ctx(isolated_home: Path) -> Iterator[AppContext]:
    context = AppContext.open()
    yield context
    context.close()


@dataclass
class MastodonAccount:
    id: int
    token: str
    remote_id: str
    server: MastodonMockServer

    def statuses(self) -> list[dict]:
        found, params = [], {"limit": "40"}
        while True:
            r = self.server.api("GET", f"/api/v1/accounts/{self.remote_id}/statuses", self.token, params=params)
            r.raise_for_status()
            page = r.json()
            if not page:
                return found
            found.extend(page)
            params["max_id"] = page[-1]["id"]


@pytest.fixture
def mastodon(mastodon_server: MastodonMockServer) -> Iterator[MastodonMockServer]:
    mastodon_server.clear_faults()
    yield mastodon_server
    mastodon_server.clear_faults()


def connect_mastodon(ctx: AppContext, server: MastodonMockServer) -> MastodonAccount:
    token = server.create_account()
    row = accounts.connect_account(ctx, "mastodon", {"instance": server.url, "access_token": token})
    handle = accounts.open_account(ctx, row.id)
    return MastodonAccount(row.id, token, handle.connection.remote_id, server)


@pytest.fixture
def masto(ctx: AppContext, mastodon: MastodonMockServer) -> MastodonAccount:
    return connect_mastodon(ctx, mastodon)
