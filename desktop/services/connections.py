"""Calling a provider for an account with credentials that may have expired.

Shared by the publisher and the metrics sync: on :class:`AuthExpired` the account's credentials
are refreshed once (new secrets saved to the vault before they are used, so a rotated refresh
token is never lost) and the call is tried again. Refreshes of one account are serialised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from providers.base import AuthExpired

if TYPE_CHECKING:
    from desktop.services.accounts import AccountHandle
    from desktop.services.context import AppContext


class CredentialRefresher:
    """Runs ``call(connection)`` for an account, refreshing its credentials once if they expired."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def call(self, handle: AccountHandle, call: Callable[[Any], Any]) -> Any:
        """``call(handle.connection)``; on AuthExpired refresh once and call again with the new
        secrets. Raises AuthExpired (with the refused call's network words) if refreshing fails."""
        try:
            return call(handle.connection)
        except AuthExpired as exc:
            refused = exc
        with self._lock(handle.account_id):
            current = self.ctx.vault.load(handle.vault_key)
            if current is not None and dict(current) != dict(handle.connection.secrets):
                secrets = current  # another thread or process refreshed already
            else:
                try:
                    secrets = dict(handle.provider.refresh(handle.connection))
                except AuthExpired as exc:  # keep the network's words from the refused call
                    raise AuthExpired(exc.message, network_message=refused.network_message) from exc
                self.ctx.vault.save(handle.vault_key, secrets)
        return call(replace(handle.connection, secrets=secrets))

    def _lock(self, account_id: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(account_id, threading.Lock())
