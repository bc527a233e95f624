"""The shared provider contract, run against the stateful X API v2 fake (tests/servers/x_fake.py)
on 127.0.0.1, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from providers.base import Connection, PostRequest, Provider, Rejected
from providers.x import XProvider
from tests.providers.contract import LiveAccount, ProviderContract
from tests.servers.x_fake import XFake, running_x_fake


@pytest.fixture
def x_fake() -> Iterator[XFake]:
    with running_x_fake() as fake:
        yield fake


def x_connection(fake: XFake, provider: XProvider | None = None) -> Connection:
    """A Connection for a fresh account, built through the provider's own connect."""
    account = (provider or XProvider(api_url=fake.url)).connect({"access_token": fake.create_account()})
    return Connection(
        server_url=account.server_url, remote_id=account.remote_id, handle=account.handle, secrets=account.secrets
    )


class TestXContract(ProviderContract):
    # twitter-text v3 weighs an emoji sequence 2 and NFC-normalises: test_x_counting holds the cases.
    counts_graphemes = False

    @pytest.fixture
    def provider(self) -> Provider:
        return XProvider()

    @pytest.fixture
    def connection(self, x_fake: XFake) -> Connection:
        return x_connection(x_fake)

    @pytest.fixture
    def count_remote_posts(self, x_fake: XFake) -> Callable[[Connection], int]:
        return lambda conn: len(x_fake.posts_of(conn.remote_id))

    @pytest.fixture
    def too_long_text(self) -> str:
        return "a" * 281

    def test_different_key_posts_again(self, live: LiveAccount) -> None:
        """X differs here: it refuses the same text from the same account again with a 403, whatever
        the app's key. The app does send it (it never drops a post on its own), the refusal is
        Rejected with X's words and no second post is made; different texts post twice."""
        before = live.count_posts()
        post = PostRequest.single(live.new_text())
        live.publish(post)
        with pytest.raises(Rejected) as refused:
            live.publish(post)
        assert refused.value.network_message == "Forbidden"
        other = live.publish()
        assert other.remote_id
        assert live.count_posts() == before + 2
