"""The shared provider contract, run against the stateful Threads API fake (tests/servers/threads_fake.py)
on 127.0.0.1, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from providers.base import Connection, Provider
from providers.threads import ThreadsProvider
from tests.providers.contract import ProviderContract
from tests.servers.threads_fake import ThreadsFake, running_threads_fake


@pytest.fixture
def threads_fake() -> Iterator[ThreadsFake]:
    with running_threads_fake() as fake:
        yield fake


def threads_connection(fake: ThreadsFake, provider: ThreadsProvider | None = None) -> Connection:
    """A Connection for a fresh account, built through the provider's own connect."""
    account = (provider or ThreadsProvider(api_url=fake.url, sleep=lambda _: None)).connect(
        {"access_token": fake.create_account()}
    )
    return Connection(
        server_url=account.server_url, remote_id=account.remote_id, handle=account.handle, secrets=account.secrets
    )


class TestThreadsContract(ProviderContract):
    # Threads counts an emoji as its UTF-8 bytes: test_threads_units holds the counting cases.
    counts_graphemes = False

    @pytest.fixture
    def provider(self) -> Provider:
        return ThreadsProvider(sleep=lambda _: None)

    @pytest.fixture
    def connection(self, threads_fake: ThreadsFake) -> Connection:
        return threads_connection(threads_fake)

    @pytest.fixture
    def count_remote_posts(self, threads_fake: ThreadsFake) -> Callable[[Connection], int]:
        return lambda conn: len(threads_fake.posts_of(conn.remote_id))

    @pytest.fixture
    def too_long_text(self) -> str:
        return "a" * 501
