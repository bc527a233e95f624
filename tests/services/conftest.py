"""Service tests: a real store in the test's data dir, real providers on loopback servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.services.context import AppContext
from tests.servers.mastodon import MastodonAccount, MastodonMockServer, connect_mastodon  # noqa: F401 (re-exported)


@pytest.fixture
def ctx(isolated_home: Path) -> Iterator[AppContext]:
    context = AppContext.open()
    yield context
    context.close()
