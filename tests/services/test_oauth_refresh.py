"""Token refresh: before expiry, on 401, and one at a time per account across processes.

The token endpoint rotates refresh tokens (a second use of an old one fails), so two refreshes
racing for one account would leave one holder with a dead token and the account at "Reconnect".
Two refreshers on two separate contexts of the same data dir (as the app and the OS job are)
share only the DB lease and the keyring.
"""

# ruff: noqa: F811 - rotating_server is a fixture imported from tests.servers.oauth_rotating
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desktop.services import accounts, posts
from desktop.services.accounts import AccountHandle
from desktop.services.connections import CredentialRefresher
from desktop.services.context import AppContext
from desktop.services.publisher import Publisher
from desktop.services.vault import account_key
from desktop.store.models import CredentialLease
from providers.base import AuthExpired, ConnectedAccount, Connection
from providers.registry import BUILTINS, Registry
from tests.servers.oauth_rotating import RotatingProvider, RotatingTokenServer, rotating_server  # noqa: F401


def _account(ctx: AppContext, server: RotatingTokenServer, *, expires_in: float = 7200) -> tuple[int, dict[str, str]]:
    pair = server.issue()
    secrets = {
        "access_token": pair["access_token"],
        "refresh_token": pair["refresh_token"],
        "expires_at": str(int(time.time() + expires_in)),
    }
    row = accounts.save_connected(
        ctx,
        "rotating",
        ConnectedAccount(remote_id="1", handle="@rotating", display_name="R", server_url=server.url, secrets=secrets),
    )
    return row.id, secrets


def _handle(account_id: int, server: RotatingTokenServer, secrets: dict[str, str]) -> AccountHandle:
    conn = Connection(server_url=server.url, remote_id="1", handle="@rotating", secrets=dict(secrets))
    return AccountHandle(
        account_id, RotatingProvider(), conn, RotatingProvider.info.limits, account_key("rotating", server.url, "1")
    )


def test_two_processes_racing_on_a_401_refresh_once_and_both_go_on(
    ctx: AppContext, rotating_server: RotatingTokenServer
) -> None:
    account_id, stale = _account(ctx, rotating_server)
    rotating_server.access = "expired-elsewhere"  # the access token no longer works; the refresh token does
    other = AppContext.open()  # the OS job: its own engine on the same DB and keyring
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(context: AppContext) -> None:
        refresher = CredentialRefresher(context)
        handle = _handle(account_id, rotating_server, stale)

        calls = 0

        def me(conn: Connection) -> dict[str, Any]:
            nonlocal calls
            calls += 1
            if calls == 1:
                barrier.wait(timeout=10)  # both are refused at the same moment
            return RotatingProvider().me(conn)

        try:
            results.append(refresher.call(handle, me))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in (ctx, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    other.close()

    assert errors == []
    assert results == [{"id": "1", "name": "rotating"}] * 2
    assert rotating_server.refreshes == 1 and rotating_server.refused == 0
    saved = ctx.vault.load(account_key("rotating", rotating_server.url, "1"))
    assert saved is not None and saved["refresh_token"] in rotating_server.valid_refresh
    assert accounts.get_account(ctx, account_id).status == "connected"
    with ctx.session() as s:
        assert s.get(CredentialLease, account_id).holder is None  # let go


def test_refreshed_before_it_expires(ctx: AppContext, rotating_server: RotatingTokenServer) -> None:
    account_id, secrets = _account(ctx, rotating_server, expires_in=30)
    old_access = secrets["access_token"]
    seen: list[str] = []

    def me(conn: Connection) -> dict[str, Any]:
        seen.append(conn.secrets["access_token"])
        return RotatingProvider().me(conn)

    CredentialRefresher(ctx).call(_handle(account_id, rotating_server, secrets), me)

    assert rotating_server.refreshes == 1
    assert seen == [rotating_server.access] and seen[0] != old_access  # never tried the old one
    saved = ctx.vault.load(account_key("rotating", rotating_server.url, "1"))
    assert saved is not None and saved["access_token"] == rotating_server.access
    assert float(saved["expires_at"]) > time.time() + 3600


def test_a_refused_refresh_says_reconnect_with_the_networks_words(
    ctx: AppContext, rotating_server: RotatingTokenServer
) -> None:
    account_id, secrets = _account(ctx, rotating_server)
    rotating_server.issue()  # signed in elsewhere: this refresh token is spent
    with pytest.raises(AuthExpired) as err:
        CredentialRefresher(ctx).call(_handle(account_id, rotating_server, secrets), RotatingProvider().me)
    assert "reconnect" in err.value.message
    assert err.value.network_message == "Value passed for the token was invalid."


def test_a_lease_left_by_a_process_that_died_expires(ctx: AppContext, rotating_server: RotatingTokenServer) -> None:
    account_id, secrets = _account(ctx, rotating_server)
    rotating_server.access = "expired"
    with ctx.session() as s:
        s.add(
            CredentialLease(account_id=account_id, holder="dead", expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    result = CredentialRefresher(ctx).call(_handle(account_id, rotating_server, secrets), RotatingProvider().me)

    assert result["id"] == "1" and rotating_server.refreshes == 1


def _publishing(ctx: AppContext) -> None:
    extra = (("rotating", "tests.servers.oauth_rotating:RotatingProvider"),)
    ctx.registry = Registry(builtins=BUILTINS + extra, entry_points_=())


def test_publishing_with_an_expired_token_refreshes_and_goes_out(
    ctx: AppContext, rotating_server: RotatingTokenServer
) -> None:
    _publishing(ctx)
    account_id, _secrets = _account(ctx, rotating_server)
    rotating_server.access = "expired"
    posts.schedule_post(ctx, account_ids=[account_id], text="after a refresh", now=True)

    (outcome,) = Publisher(ctx).run_once().outcomes

    assert outcome.state == "published" and rotating_server.posts == ["after a refresh"]
    assert rotating_server.refreshes == 1


def test_a_refused_refresh_holds_the_post_until_reconnect_with_the_networks_words(
    ctx: AppContext, rotating_server: RotatingTokenServer
) -> None:
    _publishing(ctx)
    account_id, _secrets = _account(ctx, rotating_server)
    rotating_server.issue()  # signed in elsewhere: this account's refresh token is spent
    posts.schedule_post(ctx, account_ids=[account_id], text="held", now=True)

    (outcome,) = Publisher(ctx).run_once().outcomes

    assert outcome.state == "needs_reconnect"
    assert "Value passed for the token was invalid." in outcome.error
    row = accounts.get_account(ctx, account_id)
    assert row.status == "needs_reconnect" and "Value passed for the token was invalid." in row.status_detail
    assert rotating_server.posts == []
