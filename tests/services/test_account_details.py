"""Account details: which metrics an account can provide now, its limits, and its reconnect form."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.services.account_details import (
    AccountCapabilities,
    account_capabilities,
    account_details,
    reconnect_form,
)
from desktop.services.accounts import AccountNotFound, disconnect_account
from desktop.services.context import AppContext
from desktop.services.vault import account_key
from desktop.store.models import Account, AccountStatus

DID = "did:plc:shop"


def add_account(
    ctx: AppContext,
    provider: str,
    handle: str,
    server_url: str,
    *,
    remote_id: str = "1",
    settings: dict[str, str] | None = None,
    limits: dict[str, Any] | None = None,
    status: AccountStatus = AccountStatus.CONNECTED,
    secrets: dict[str, str] | None = None,
) -> int:
    with ctx.session() as s:
        account = Account(
            provider=provider,
            remote_id=remote_id,
            handle=handle,
            display_name="Shop",
            server_url=server_url,
            settings=settings or {},
            limits=limits,
            status=status,
        )
        s.add(account)
        s.flush()
        account_id = account.id
    if secrets is not None:
        ctx.vault.save(account_key(provider, server_url, remote_id), secrets)
    return account_id


def add_bluesky(ctx: AppContext, appview: str, *, secrets: bool = True) -> int:
    return add_account(
        ctx,
        "bluesky",
        "shop.bsky.social",
        "https://pds.example",
        remote_id=DID,
        settings={"service": "https://entryway.example", "appview": appview},
        secrets={"access_jwt": "a", "refresh_jwt": "r", "app_password": "p"} if secrets else None,
    )


def test_mastodon_offers_its_declared_metrics(ctx: AppContext) -> None:
    account_id = add_account(ctx, "mastodon", "@shop@masto.example", "https://masto.example", secrets={})
    assert account_capabilities(ctx, account_id) == AccountCapabilities(
        ("likes", "reposts", "replies", "quotes"), ("followers", "following", "posts"), ""
    )


def test_bluesky_with_an_appview_offers_post_and_account_metrics(ctx: AppContext) -> None:
    caps = account_capabilities(ctx, add_bluesky(ctx, "https://appview.example"))
    assert caps.post_metrics == ("likes", "reposts", "replies", "quotes", "saves")
    assert caps.account_metrics == ("followers", "following", "posts")
    assert caps.note == ""


@pytest.mark.parametrize("appview", ["none", ""])
def test_bluesky_without_an_appview_offers_no_metrics_and_says_why(ctx: AppContext, appview: str) -> None:
    caps = account_capabilities(ctx, add_bluesky(ctx, appview))
    assert (caps.post_metrics, caps.account_metrics) == ((), ())
    assert caps.note.startswith("No metrics: this Bluesky account has no AppView configured.")


def test_without_saved_credentials_the_metrics_are_unknown(ctx: AppContext) -> None:
    caps = account_capabilities(ctx, add_bluesky(ctx, "https://appview.example", secrets=False))
    assert (caps.post_metrics, caps.account_metrics) == ((), ())
    assert "no saved credentials" in caps.note


def test_a_disconnected_account_keeps_its_metrics_but_says_to_reconnect(ctx: AppContext) -> None:
    account_id = add_account(ctx, "mastodon", "@shop@masto.example", "https://masto.example", secrets={"t": "x"})
    disconnect_account(ctx, account_id)
    caps = account_capabilities(ctx, account_id)
    assert caps.post_metrics == ("likes", "reposts", "replies", "quotes")
    assert "reconnect" in caps.note


def test_details_use_the_servers_limits_when_known(ctx: AppContext) -> None:
    learned = add_account(
        ctx, "mastodon", "@a@big.example", "https://big.example", limits={"max_chars": 5000, "max_media": 8}
    )
    default = add_account(ctx, "mastodon", "@b@masto.example", "https://masto.example", remote_id="2")
    limits = account_details(ctx, learned).limits
    assert (limits.max_chars, limits.max_media) == (5000, 8)
    details = account_details(ctx, default)
    assert details.limits == ctx.registry.cls("mastodon").info.limits
    assert (details.account.handle, details.account.display_name) == ("@b@masto.example", "Shop")


def test_reconnect_form_prefills_the_non_secret_fields(ctx: AppContext) -> None:
    masto = add_account(ctx, "mastodon", "@shop@masto.example", "https://masto.example")
    sky = add_bluesky(ctx, "https://appview.example")
    assert reconnect_form(ctx, masto).values == {"instance": "https://masto.example"}
    form = reconnect_form(ctx, sky)
    assert form.network == "bluesky"
    assert form.values == {
        "handle": "shop.bsky.social",
        "service": "https://entryway.example",
        "appview": "https://appview.example",
    }


def test_unknown_account(ctx: AppContext) -> None:
    with pytest.raises(AccountNotFound):
        account_capabilities(ctx, 404)
