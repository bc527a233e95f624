"""The shared provider contract, run against the stateful Graph API fake (tests/servers/facebook_fake.py)
on 127.0.0.1, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from providers.base import Connection, Provider
from providers.facebook import FacebookProvider
from tests.providers.contract import ProviderContract
from tests.servers.facebook_fake import FacebookFake, running_facebook_fake


@pytest.fixture
def facebook_fake() -> Iterator[FacebookFake]:
    with running_facebook_fake() as fake:
        yield fake


def facebook_connection(fake: FacebookFake) -> Connection:
    """A Connection for a fresh Page, built through the provider's own connect from a user token."""
    token = fake.create_user(1)
    account = FacebookProvider(api_url=fake.url).connect({"access_token": token})
    return Connection(
        server_url=account.server_url, remote_id=account.remote_id, handle=account.handle, secrets=account.secrets
    )


class TestFacebookContract(ProviderContract):
    @pytest.fixture
    def provider(self) -> Provider:
        return FacebookProvider()

    @pytest.fixture
    def connection(self, facebook_fake: FacebookFake) -> Connection:
        return facebook_connection(facebook_fake)

    @pytest.fixture
    def count_remote_posts(self, facebook_fake: FacebookFake) -> Callable[[Connection], int]:
        return lambda conn: len(facebook_fake.posts_of(conn.remote_id))

    @pytest.fixture
    def too_long_text(self) -> str:
        return "a" * 63207
