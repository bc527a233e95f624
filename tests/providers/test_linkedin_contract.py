"""The shared provider contract, run against the stateful LinkedIn fake (tests/servers/linkedin_fake.py)
on 127.0.0.1, over real HTTP, acting for an organization page (the kind of LinkedIn account that
reports metrics)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from providers.base import Connection, Provider
from providers.linkedin import LinkedInProvider
from tests.providers.contract import ProviderContract
from tests.servers.linkedin_fake import LinkedInFake, running_linkedin_fake


@pytest.fixture
def linkedin_fake() -> Iterator[LinkedInFake]:
    with running_linkedin_fake() as fake:
        yield fake


def page_connection(fake: LinkedInFake) -> Connection:
    """A Connection for a fresh organization page, found through the provider's own connect."""
    token = fake.create_member()
    urn = fake.create_organization(token)
    account = LinkedInProvider(api_url=fake.url).connect({"access_token": token, "organization": urn})
    return Connection(
        server_url=account.server_url, remote_id=account.remote_id, handle=account.handle, secrets=account.secrets
    )


class TestLinkedInContract(ProviderContract):
    # LinkedIn's 3,000 are counted here in UTF-16 units (the stricter count): test_linkedin holds the cases.
    counts_graphemes = False

    @pytest.fixture
    def provider(self) -> Provider:
        return LinkedInProvider()

    @pytest.fixture
    def connection(self, linkedin_fake: LinkedInFake) -> Connection:
        return page_connection(linkedin_fake)

    @pytest.fixture
    def count_remote_posts(self, linkedin_fake: LinkedInFake) -> Callable[[Connection], int]:
        return lambda conn: len(linkedin_fake.posts_of(conn.remote_id))

    @pytest.fixture
    def too_long_text(self) -> str:
        return "a" * 3001
