"""Bluesky against the real PDS: a part whose record key already holds an earlier text (an attempt
went out unheard, then the user edited the thread) is kept, not written again, and reported
stale on the part itself, so the publisher saves the mark with the part the moment it returns."""

from __future__ import annotations

import uuid

import pytest

from providers.base import Connection, PostPart, PostRequest, PublishedPart
from providers.bluesky import BlueskyProvider
from tests.servers.pds import PdsServer

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1200)]


def test_a_part_written_before_an_edit_is_kept_and_reported_stale_as_it_returns(
    pds: PdsServer, bluesky_account: tuple[Connection, str]
) -> None:
    conn = bluesky_account[0]
    provider = BlueskyProvider()
    key = f"variant-{uuid.uuid4()}"
    provider.publish(conn, PostRequest.single("Before the edit"), key)  # part 1, its reply unheard
    edited = PostRequest(parts=(PostPart("After the edit"), PostPart("Second part")))
    seen: list[PublishedPart] = []

    published = provider.publish(conn, edited, key, on_part=seen.append)

    assert published.stale_parts == (0,)
    assert [(p.index, p.stale) for p in seen] == [(0, True), (1, False)]
    texts = sorted(r["value"]["text"] for r in pds.list_records(conn.remote_id))  # type: ignore[index]
    assert texts == ["Before the edit", "Second part"]
