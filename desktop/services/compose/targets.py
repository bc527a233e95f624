"""The accounts the composer can post to, with each one's stored limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from desktop.services.compose.document import Target
from desktop.store.models import Account, AccountStatus
from providers.base import Limits

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from providers.registry import Registry


def list_targets(ctx: AppContext) -> list[Target]:
    """Every account the composer can post to, with its stored limits (one query)."""
    with ctx.session() as s:
        rows = list(s.scalars(select(Account).order_by(Account.provider, Account.handle)))
        return [_target(ctx.registry, a) for a in rows if a.provider in ctx.registry]


def _target(registry: Registry, a: Account) -> Target:
    info = registry.cls(a.provider).info
    limits = Limits.from_json(a.limits) if a.limits else info.limits
    return Target(
        account_id=a.id,
        network=a.provider,
        network_name=info.name,
        handle=a.handle,
        display_name=a.display_name or a.handle,
        limits=limits,
        threads=info.threads and limits.max_parts > 1,
        alt_text=info.alt_text,
        status=a.status.value if isinstance(a.status, AccountStatus) else str(a.status),
    )
