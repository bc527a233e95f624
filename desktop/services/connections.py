"""Calling a provider for an account with credentials that may have expired.

Shared by the publisher and the metrics sync. Tokens that say when they expire (``expires_at``,
epoch seconds, in the account's secrets) are refreshed shortly before they do; on
:class:`AuthExpired` the credentials are refreshed once and the call is tried again.

One refresh per account at a time, across processes: the app, the OS job and the CLI may all
hold the same account, and networks that rotate refresh tokens accept each one once, so a lost
race would look like "Reconnect". A refresher takes the account's lease (one conditional UPDATE
of ``credential_leases``: free or expired), re-reads the vault (someone may have refreshed
already), refreshes, saves the new secrets to the vault *before* using them, and lets go.
Whoever finds the lease taken waits, then uses what the holder saved.
"""

from __future__ import annotations

import secrets as _secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from desktop.store.models import CredentialLease
from providers.base import AuthExpired

if TYPE_CHECKING:
    from desktop.services.accounts import AccountHandle
    from desktop.services.context import AppContext

#: Refresh this long before a token says it expires.
EXPIRY_MARGIN = 120.0
#: How long a lease holds without being let go (a refresher that died frees it after this).
LEASE_SECONDS = 60.0


def expires_soon(secrets: Mapping[str, str], now: float, margin: float = EXPIRY_MARGIN) -> bool:
    """The secrets carry an ``expires_at`` within ``margin`` seconds of ``now`` (epoch seconds)."""
    try:
        expires_at = float(secrets.get("expires_at", ""))
    except ValueError:
        return False
    return expires_at - now <= margin


class CredentialRefresher:
    """Runs ``call(connection)`` for an account, refreshing its credentials when they are about
    to expire or were refused (once)."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        clock: Callable[[], float] = time.time,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.ctx = ctx
        self._clock = clock
        self._lease_seconds = lease_seconds
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()
        #: Identifies this refresher's lease rows (one per process and refresher).
        self.holder = _secrets.token_hex(8)

    def call(self, handle: AccountHandle, call: Callable[[Any], Any]) -> Any:
        """``call(handle.connection)``, with credentials refreshed first when they expire within
        the margin; on AuthExpired refresh once and call again with the new secrets. Raises
        AuthExpired (with the refused call's network words) if refreshing fails."""
        conn = handle.connection
        if expires_soon(conn.secrets, self._clock()) and conn.secrets.get("refresh_token"):
            try:
                conn = replace(conn, secrets=self.refresh(handle, conn.secrets))
            except AuthExpired:
                pass  # let the call itself say whether the token still works
        try:
            return call(conn)
        except AuthExpired as exc:
            refused = exc
        try:
            fresh = self.refresh(handle, conn.secrets)
        except AuthExpired as exc:  # keep the network's words from the refused call
            raise AuthExpired(exc.message, network_message=exc.network_message or refused.network_message) from exc
        return call(replace(conn, secrets=fresh))

    def refresh(self, handle: AccountHandle, stale: Mapping[str, str]) -> dict[str, str]:
        """New secrets for the account whose ``stale`` secrets expired: refreshed here under the
        account's lease, or the ones another thread or process saved meanwhile."""
        with self._lock(handle.account_id):
            while True:
                current = self._newer(handle, stale)
                if current is not None:
                    return current
                if self._take_lease(handle.account_id):
                    break
                self._wait_for_lease(handle.account_id)
            try:
                current = self._newer(handle, stale)  # the previous holder may have just saved
                if current is not None:
                    return current
                conn = replace(handle.connection, secrets=dict(stale))
                fresh = dict(handle.provider.refresh(conn))
                self.ctx.vault.save(handle.vault_key, fresh)  # saved before anyone uses it
                return fresh
            finally:
                self._release_lease(handle.account_id)

    def _newer(self, handle: AccountHandle, stale: Mapping[str, str]) -> dict[str, str] | None:
        current = self.ctx.vault.load(handle.vault_key)
        if current is not None and dict(current) != dict(stale):
            return current
        return None

    # --- the lease ---------------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _take_lease(self, account_id: int) -> bool:
        now = self._now()
        try:
            with self.ctx.session() as s:
                if s.get(CredentialLease, account_id) is None:
                    s.add(CredentialLease(account_id=account_id))
        except IntegrityError:
            pass  # someone else made the row first: fine, it is free or theirs
        with self.ctx.session() as s:
            taken = s.execute(
                update(CredentialLease)
                .where(
                    CredentialLease.account_id == account_id,
                    or_(CredentialLease.holder.is_(None), CredentialLease.expires_at < now),
                )
                .values(holder=self.holder, expires_at=now + timedelta(seconds=self._lease_seconds))
                .execution_options(synchronize_session=False)
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]

    def _release_lease(self, account_id: int) -> None:
        with self.ctx.session() as s:
            s.execute(
                update(CredentialLease)
                .where(CredentialLease.account_id == account_id, CredentialLease.holder == self.holder)
                .values(holder=None, expires_at=None)
                .execution_options(synchronize_session=False)
            )

    def _wait_for_lease(self, account_id: int) -> None:
        """Until the lease is free or expired (the holder lets go after saving its tokens)."""
        while True:
            with self.ctx.session() as s:
                lease = s.get(CredentialLease, account_id)
                if lease is None or lease.holder is None or (lease.expires_at and lease.expires_at < self._now()):
                    return
            time.sleep(0.05)  # polling another process's lease row; not a timing assumption

    def _lock(self, account_id: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(account_id, threading.Lock())
