"""One account in detail: its limits, which metrics it can provide now, and its reconnect form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.services.accounts import AccountError, AccountNotFound, AccountRow, get_account, open_account
from desktop.services.vault import VaultError
from desktop.store.models import Account
from providers.base import Connection, Limits

if TYPE_CHECKING:
    from desktop.services.context import AppContext

# Connect-form field names that mean the account's identity rather than a stored setting.
_IDENTITY_FIELDS = {"handle": "handle", "instance": "server_url", "server": "server_url"}


@dataclass(frozen=True)
class AccountCapabilities:
    """The metrics an account can provide now; ``note`` says why some or all are missing."""

    post_metrics: tuple[str, ...]
    account_metrics: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class AccountDetails:
    account: AccountRow
    limits: Limits
    capabilities: AccountCapabilities


@dataclass(frozen=True)
class ReconnectForm:
    """What the connect dialog needs to reconnect an account: its network and non-secret fields."""

    network: str
    values: dict[str, str]


@dataclass(frozen=True)
class _Stored:
    network: str
    remote_id: str
    handle: str
    server_url: str
    status: str
    settings: dict[str, str]
    limits: dict[str, Any] | None


def _load(ctx: AppContext, account_id: int) -> _Stored:
    with ctx.session() as s:
        account = s.get(Account, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        return _Stored(
            network=account.provider,
            remote_id=account.remote_id,
            handle=account.handle,
            server_url=account.server_url,
            status=account.status.value,
            settings={str(k): str(v) for k, v in (account.settings or {}).items()},
            limits=account.limits,
        )


def account_capabilities(ctx: AppContext, account_id: int) -> AccountCapabilities:
    """Which post and account metrics this account can provide now.

    The provider answers from the account's live Connection (``metrics_offered``: e.g. Bluesky
    without an AppView offers none, and says why). No network call is made.
    """
    stored = _load(ctx, account_id)
    network = stored.network
    if network not in ctx.registry:
        return AccountCapabilities((), (), f"The {network} network plugin is not loaded.")
    info = ctx.registry.cls(network).info
    if not info.post_metrics and not info.account_metrics:
        return AccountCapabilities((), (), f"{info.name} does not provide metrics.")
    provider = ctx.registry.get(network)
    if stored.status != "connected":
        # Its secrets may be gone (disconnected); what it offers depends on its settings only.
        conn = Connection(stored.server_url, stored.remote_id, stored.handle, {}, stored.settings)
        offer = provider.metrics_offered(conn)
        if offer.post or offer.account:
            return AccountCapabilities(offer.post, offer.account, "Metrics are collected again once you reconnect.")
        return AccountCapabilities((), (), offer.note or f"{info.name} does not provide metrics for this account.")
    try:
        conn = open_account(ctx, account_id).connection
    except VaultError as exc:
        return AccountCapabilities((), (), f"Metrics unknown: {exc}")
    except AccountError:
        return AccountCapabilities(
            (), (), "Metrics unknown: no saved credentials for this account. Reconnect it to collect metrics."
        )
    offer = provider.metrics_offered(conn)
    if not offer.post and not offer.account:
        return AccountCapabilities((), (), offer.note or f"{info.name} does not provide metrics for this account.")
    return AccountCapabilities(offer.post, offer.account, offer.note)


def account_details(ctx: AppContext, account_id: int) -> AccountDetails:
    """The account, its limits (the server's, else the network's) and its metric capabilities."""
    row = get_account(ctx, account_id)
    stored = _load(ctx, account_id)
    if stored.limits:
        limits = Limits.from_json(stored.limits)
    elif stored.network in ctx.registry:
        limits = ctx.registry.cls(stored.network).info.limits
    else:
        limits = Limits(max_chars=0, max_media=0)
    return AccountDetails(row, limits, account_capabilities(ctx, account_id))


def reconnect_form(ctx: AppContext, account_id: int) -> ReconnectForm:
    """The network and the non-secret connect fields to prefill when reconnecting an account.

    Stored settings (e.g. Bluesky ``service``) come first, then the account's identity
    (handle, server). Secrets are never returned.
    """
    stored = _load(ctx, account_id)
    identity = {"handle": stored.handle, "server_url": stored.server_url}
    values: dict[str, str] = {}
    network = stored.network
    fields = ctx.registry.cls(network).info.connect_fields if network in ctx.registry else ()
    for f in fields:
        if f.secret:
            continue
        value = stored.settings.get(f.name) or identity.get(_IDENTITY_FIELDS.get(f.name, ""), "")
        if value:
            values[f.name] = value
    return ReconnectForm(network, values)
