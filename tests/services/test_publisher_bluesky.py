"""The publisher against the real Bluesky PDS: an expired session is refreshed once, the new
tokens are saved to the keyring before use, and the post goes out exactly once."""

from __future__ import annotations

import pytest

from desktop.services import accounts, posts
from desktop.services.context import AppContext
from desktop.services.publisher import Publisher
from desktop.store.models import Account, AccountStatus
from tests.servers.pds import PdsServer

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1200)]


def _connect(ctx: AppContext, pds: PdsServer) -> tuple[int, str, str]:
    handle, did, password = pds.create_account("pub")
    row = accounts.connect_account(
        ctx,
        "bluesky",
        {"handle": handle, "app_password": pds.app_password(handle, password), "service": pds.url, "appview": pds.url},
    )
    return row.id, did, accounts.open_account(ctx, row.id).vault_key


def test_expired_session_is_refreshed_saved_and_published_once(ctx: AppContext, pds: PdsServer) -> None:
    account_id, did, key = _connect(ctx, pds)
    stored = ctx.vault.load(key)
    assert stored is not None
    expired = pds.mint_token(did)  # an access token the PDS signed, expired a minute ago
    ctx.vault.save(key, {**stored, "access_jwt": expired})
    posts.schedule_post(ctx, account_ids=[account_id], text="after a refresh", now=True)

    report = Publisher(ctx).run_once()

    assert [o.state for o in report.outcomes] == ["published"]
    assert [r["value"]["text"] for r in pds.list_records(did)] == ["after a refresh"]
    saved = ctx.vault.load(key)
    # the refreshed session was saved before use (an access JWT minted in the same second as the
    # first one can be byte-identical to it; the refresh token rotates and carries a new jti)
    assert saved is not None and saved["access_jwt"] != expired
    assert saved["refresh_jwt"] != stored["refresh_jwt"]


def test_refresh_impossible_needs_reconnect_and_keeps_the_post(ctx: AppContext, pds: PdsServer) -> None:
    account_id, did, key = _connect(ctx, pds)
    ctx.vault.save(
        key,
        {
            "access_jwt": pds.mint_token(did),
            "refresh_jwt": pds.mint_token(did, refresh=True),
            "app_password": "wrong-wrong-wrong-wrong",
        },
    )
    row = posts.schedule_post(ctx, account_ids=[account_id], text="held for a reconnect", now=True)

    (outcome,) = Publisher(ctx).run_once().outcomes

    assert outcome.state == "needs_reconnect" and "reconnect" in outcome.error
    with ctx.session() as s:
        assert s.get(Account, account_id).status is AccountStatus.NEEDS_RECONNECT
    assert pds.list_records(did) == []
    assert posts.get_post(ctx, row.id).status == "failed"  # visible, and Retry or a reconnect resumes it


def test_a_thread_refused_at_part_two_keeps_part_one_and_resumes_after_it(ctx: AppContext, pds: PdsServer) -> None:
    from providers.bluesky.provider import BlueskyProvider
    from tests.faults import FaultTransport

    faults = FaultTransport()
    ctx.registry._instances["bluesky"] = BlueskyProvider(transport=faults)
    account_id, did, _key = _connect(ctx, pds)
    parts = ["Bluesky thread, part one", "Part two", "Part three"]
    row = posts.schedule_post(ctx, account_ids=[account_id], text=parts[0], thread=parts[1:], now=True)
    faults.respond(
        "POST",
        "/xrpc/com.atproto.repo.createRecord",
        nth=2,
        status=400,
        body={"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record"},
    )

    (refused,) = Publisher(ctx).run_once().outcomes

    assert refused.state == "partially_live" and "Part 1 is live" in refused.error
    assert [p.index for p in refused.parts] == [0]
    assert [r["value"]["text"] for r in pds.list_records(did)] == [parts[0]]

    posts.retry_post(ctx, row.id)
    (done,) = Publisher(ctx).run_once().outcomes

    assert done.state == "published" and [p.index for p in done.parts] == [0, 1, 2]
    records = {r["uri"]: r["value"] for r in pds.list_records(did)}
    assert sorted(v["text"] for v in records.values()) == sorted(parts)  # each part once
    uris = [p.remote_id for p in done.parts]
    assert records[uris[1]]["reply"]["parent"]["uri"] == uris[0]
    assert records[uris[2]]["reply"]["parent"]["uri"] == uris[1]
    assert records[uris[2]]["reply"]["root"]["uri"] == uris[0]
