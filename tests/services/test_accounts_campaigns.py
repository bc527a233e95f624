"""Account and campaign services on a real store and keyring."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from desktop.services import accounts, campaigns
from desktop.services.context import AppContext
from desktop.services.vault import account_key
from desktop.store.models import Account, Post, Variant, VariantState


@pytest.fixture
def ctx(isolated_home: Path) -> AppContext:
    context = AppContext.open()
    yield context
    context.close()


def _add_account(ctx: AppContext, handle: str = "ann.test") -> int:
    with ctx.session() as s:
        a = Account(provider="bluesky", remote_id=f"did:plc:{handle}", handle=handle, server_url="http://localhost:1")
        s.add(a)
        s.flush()
        ctx.vault.save(account_key(a.provider, a.server_url, a.remote_id), {"refresh_jwt": "r"})
        return a.id


def test_context_uses_the_home_from_the_environment(ctx: AppContext, isolated_home: Path) -> None:
    assert ctx.data_dir == isolated_home.resolve()
    assert (isolated_home / "campaign-desk.db").exists()


def test_list_accounts_counts_waiting_posts(ctx: AppContext) -> None:
    account_id = _add_account(ctx)
    with ctx.session() as s:
        post = Post(text="x")
        s.add(Variant(post=post, account_id=account_id, state=VariantState.SCHEDULED))
        s.add(Variant(post=Post(text="y"), account_id=account_id, state=VariantState.PUBLISHED))
    (row,) = accounts.list_accounts(ctx)
    assert (row.handle, row.status, row.scheduled) == ("ann.test", "connected", 1)
    assert row.to_json()["network"] == "bluesky"


def test_remove_account_deletes_keyring_entry_and_variants(ctx: AppContext) -> None:
    account_id = _add_account(ctx)
    with ctx.session() as s:
        s.add(Variant(post=Post(text="x"), account_id=account_id))
    removed = accounts.remove_account(ctx, account_id)
    assert removed.keyring_entry_deleted and removed.variants_removed == 1
    assert accounts.list_accounts(ctx) == []
    assert ctx.vault.load(account_key("bluesky", "http://localhost:1", "did:plc:ann.test")) is None
    with pytest.raises(accounts.AccountNotFound):
        accounts.remove_account(ctx, account_id)


def test_disconnect_keeps_the_account_but_forgets_secrets(ctx: AppContext) -> None:
    account_id = _add_account(ctx)
    row = accounts.disconnect_account(ctx, account_id)
    assert row.status == "disconnected"
    assert accounts.credential_state(ctx, row) == "missing"
    with pytest.raises(accounts.AccountError, match="reconnect"):
        accounts.open_account(ctx, account_id)


def test_campaigns_add_list_and_refuse_duplicates(ctx: AppContext) -> None:
    first = campaigns.add_campaign(
        ctx, "Spring launch", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31), utm={"source": "social"}
    )
    second = campaigns.add_campaign(ctx, "Summer")
    assert first.color != second.color  # palette assigns distinct colours in turn
    with pytest.raises(campaigns.CampaignError, match="already exists"):
        campaigns.add_campaign(ctx, "spring LAUNCH")
    with pytest.raises(campaigns.CampaignError, match="ends"):
        campaigns.add_campaign(ctx, "Backwards", starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 1))
    with pytest.raises(campaigns.CampaignError, match="RRGGBB"):
        campaigns.add_campaign(ctx, "Bad colour", color="red")
    with ctx.session() as s:
        s.add(Post(text="in campaign", campaign_id=first.id))
    rows = {r.name: r for r in campaigns.list_campaigns(ctx)}
    assert rows["Spring launch"].posts == 1 and rows["Summer"].posts == 0
    assert rows["Spring launch"].to_json()["utm"] == {"source": "social"}
    assert campaigns.find_campaign(ctx, "summer") == rows["Summer"]
