"""Connected accounts: connect, list, disconnect, remove, and the Connection a provider needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from desktop.services import transitions
from desktop.services.vault import VaultError, account_key
from desktop.store.models import Account, AccountStatus, Variant, VariantState
from providers.base import ConnectedAccount, Connection, Limits, Provider

if TYPE_CHECKING:
    from desktop.services.context import AppContext


class AccountError(Exception):
    """A user-facing problem with an account operation."""


class AccountNotFound(AccountError):
    def __init__(self, account_id: int) -> None:
        super().__init__(f"No account with id {account_id}.")
        self.account_id = account_id


@dataclass(frozen=True)
class AccountRow:
    id: int
    network: str
    network_name: str
    handle: str
    display_name: str
    server_url: str
    status: str
    status_detail: str
    paused: bool
    scheduled: int  # variants waiting to go out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "network": self.network,
            "handle": self.handle,
            "display_name": self.display_name,
            "server_url": self.server_url,
            "status": self.status,
            "paused": self.paused,
            "scheduled": self.scheduled,
        }


def _network_name(ctx: AppContext, network: str) -> str:
    return ctx.registry.cls(network).info.name if network in ctx.registry else network


def _row(ctx: AppContext, account: Account, scheduled: int = 0) -> AccountRow:
    return AccountRow(
        id=account.id,
        network=account.provider,
        network_name=_network_name(ctx, account.provider),
        handle=account.handle,
        display_name=account.display_name,
        server_url=account.server_url,
        status=account.status.value,
        status_detail=account.status_detail,
        paused=account.paused,
        scheduled=scheduled,
    )


def list_accounts(ctx: AppContext) -> list[AccountRow]:
    waiting = (
        select(Variant.account_id, func.count().label("n"))
        .where(Variant.state.in_([VariantState.SCHEDULED, VariantState.RETRYING]))
        .group_by(Variant.account_id)
        .subquery()
    )
    with ctx.session() as s:
        rows = s.execute(
            select(Account, func.coalesce(waiting.c.n, 0))
            .outerjoin(waiting, waiting.c.account_id == Account.id)
            .order_by(Account.provider, Account.handle)
        ).all()
        return [_row(ctx, account, scheduled) for account, scheduled in rows]


def get_account(ctx: AppContext, account_id: int) -> AccountRow:
    with ctx.session() as s:
        account = s.get(Account, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        return _row(ctx, account)


def _check_vault(ctx: AppContext) -> None:
    """Refuse before asking the network anything when the keyring may not hold secrets."""
    status = ctx.vault.status()
    if not status.allowed:
        raise AccountError(status.message)


def connect_account(
    ctx: AppContext, network: str, fields: Mapping[str, str], *, check: Callable[[], None] | None = None
) -> AccountRow:
    """Check the connect form against the network, then store the account and its secrets.

    Reconnecting an existing account updates it in place (its posts stay) and replaces its
    secrets, so a refresh token is never lost to a half-finished reconnect.

    ``check`` is called after the network answered and before anything is stored; it raises to
    stop there (the user cancelled while the network was being asked), leaving no account row
    and no keyring entry behind.
    """
    provider = ctx.registry.get(network)
    _check_vault(ctx)
    connected = provider.connect(fields)
    if check is not None:
        check()
    return save_connected(ctx, network, connected)


@dataclass(frozen=True)
class AccountChoice:
    """A pasted token that can post as several accounts (the Pages a Facebook user manages). Nothing
    is stored yet: the user picks which to connect, and each chosen one goes through
    :func:`save_connected`; the others' secrets are dropped with this object."""

    network: str
    accounts: tuple[ConnectedAccount, ...]


def lists_accounts(cls: type[Provider]) -> bool:
    """A network whose pasted token can act for several accounts (Facebook: a user token and the Pages
    it manages). Its provider opts in with ``ProviderInfo.token_lists_accounts`` and then lists them
    from the connect form's fields with ``accounts_from_tokens("", fields)``."""
    return cls.info.token_lists_accounts


def token_accounts(ctx: AppContext, network: str, fields: Mapping[str, str]) -> list[ConnectedAccount]:
    """The accounts the connect form's token can post as, checked with the network; stores nothing.
    One for most networks (``connect``); every one listed where :func:`lists_accounts`."""
    provider = ctx.registry.get(network)
    _check_vault(ctx)
    if not lists_accounts(type(provider)):
        return [provider.connect(fields)]
    found = list(provider.accounts_from_tokens("", fields))
    if not found:
        raise AccountError(f"This {provider.info.name} token can post as no account.")
    return found


def connect_or_choose(
    ctx: AppContext, network: str, fields: Mapping[str, str], *, check: Callable[[], None] | None = None
) -> AccountRow | AccountChoice:
    """Like :func:`connect_account`, but a token that can post as several accounts stores nothing and
    returns them for the user to choose. ``check`` as in :func:`connect_account`."""
    found = token_accounts(ctx, network, fields)
    if check is not None:
        check()
    if len(found) == 1:
        return save_connected(ctx, network, found[0])
    return AccountChoice(network, tuple(found))


def account_names(accounts: Sequence[ConnectedAccount]) -> str:
    """ "Corner Bakery (1234), Corner Cafe (5678)": for messages that list what a token can post as."""
    return ", ".join(f"{a.display_name} ({a.remote_id})" for a in accounts)


def choose_account(accounts: Sequence[ConnectedAccount], wanted: str) -> ConnectedAccount:
    """The account named ``wanted``: its id, handle or name, case aside."""
    key = wanted.strip().casefold()
    for account in accounts:
        if key in (account.remote_id.casefold(), account.handle.casefold(), account.display_name.casefold()):
            return account
    raise AccountError(f"This token cannot post as {wanted!r}. It can post as: {account_names(accounts)}.")


def save_connected(ctx: AppContext, network: str, connected: ConnectedAccount) -> AccountRow:
    """Store an account the network confirmed (a connect form, or a browser sign-in's
    ``accounts_from_tokens``): its secrets in the vault first, then its row, updated in place
    when it was connected before (its posts stay, held posts resume)."""
    key = account_key(network, connected.server_url, connected.remote_id)
    ctx.vault.save(key, connected.secrets)
    with ctx.session() as s:
        account = s.scalar(
            select(Account).where(
                Account.provider == network,
                Account.server_url == connected.server_url,
                Account.remote_id == connected.remote_id,
            )
        )
        if account is None:
            account = Account(provider=network, remote_id=connected.remote_id, server_url=connected.server_url)
            s.add(account)
        account.handle = connected.handle
        account.display_name = connected.display_name
        account.avatar_url = connected.avatar_url
        account.status = AccountStatus.CONNECTED
        account.status_detail = ""
        account.limits = connected.limits.to_json() if connected.limits else None
        account.settings = dict(connected.settings)
        s.flush()
        # Posts held while the account needed reconnecting resume now.
        transitions.resume_reconnected(s, account.id)
        return _row(ctx, account)


@dataclass(frozen=True)
class RemovedAccount:
    id: int
    handle: str
    keyring_entry_deleted: bool
    variants_removed: int


def remove_account(ctx: AppContext, account_id: int) -> RemovedAccount:
    """Delete the account, its variants, and its keyring entry."""
    with ctx.session() as s:
        account = s.get(Account, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        key = account_key(account.provider, account.server_url, account.remote_id)
        variants = list(account.variants)
        if any(v.state in transitions.IN_FLIGHT for v in variants):
            raise AccountError(f"A post to {account.handle} is being published right now; try again in a moment.")
        handle = account.handle
        s.delete(account)
        try:  # each variant row goes only at the version read: a claim in between stops it all
            s.flush()
        except StaleDataError:
            raise transitions.Conflict(
                f"A post to {handle} started publishing just now, so the account was not removed. Try again "
                "in a moment."
            ) from None
        # the keyring before the commit: if it fails, the rows stay too (a DB row without secrets
        # is harmless; secrets without a row would be orphaned)
        deleted = ctx.vault.delete(key)
    return RemovedAccount(account_id, handle, deleted, len(variants))


def disconnect_account(ctx: AppContext, account_id: int) -> AccountRow:
    """Forget the account's secrets but keep it and its history; it can be reconnected."""
    with ctx.session() as s:
        account = s.get(Account, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        ctx.vault.delete(account_key(account.provider, account.server_url, account.remote_id))
        account.status = AccountStatus.DISCONNECTED
        account.status_detail = "Disconnected by you."
        s.flush()
        return _row(ctx, account)


def set_paused(ctx: AppContext, account_id: int, paused: bool) -> AccountRow:
    with ctx.session() as s:
        account = s.get(Account, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        account.paused = paused
        s.flush()
        return _row(ctx, account)


def credential_state(ctx: AppContext, account: AccountRow) -> str:
    """ "present", "missing" or "unavailable: <why>" — for doctor and the Accounts page."""
    with ctx.session() as s:
        row = s.get(Account, account.id)
        if row is None:
            raise AccountNotFound(account.id)
        key = account_key(row.provider, row.server_url, row.remote_id)
    try:
        return "present" if ctx.vault.load(key) is not None else "missing"
    except VaultError as exc:
        return f"unavailable: {exc}"


@dataclass(frozen=True)
class AccountHandle:
    """What a service needs to call a provider for one account."""

    account_id: int
    provider: Provider
    connection: Connection
    limits: Limits
    vault_key: str


def open_account(ctx: AppContext, account_id: int) -> AccountHandle:
    """The provider and a live Connection (secrets from the vault) for an account."""
    with ctx.session() as s:
        account = s.get(Account, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        provider = ctx.registry.get(account.provider)
        key = account_key(account.provider, account.server_url, account.remote_id)
        server_url, remote_id, handle = account.server_url, account.remote_id, account.handle
        settings = {str(k): str(v) for k, v in (account.settings or {}).items()}
        limits = Limits.from_json(account.limits) if account.limits else provider.info.limits
    secrets = ctx.vault.load(key)
    if secrets is None:
        raise AccountError(f"No saved credentials for {handle}: please reconnect the account.")
    conn = Connection(server_url=server_url, remote_id=remote_id, handle=handle, secrets=secrets, settings=settings)
    return AccountHandle(account_id, provider, conn, limits, key)
