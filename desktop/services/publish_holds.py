"""What the publisher stops waiting on, in words: variants it will not send without the user.

Due posts of accounts that need reconnecting, posts too late to send unasked, posts whose attempt
budget is spent, a network whose plugin is missing, and claims left by a dead publisher where the
network cannot be asked (``outcome_unknown``). Every move is a conditional write through
:mod:`desktop.services.transitions`, so a publisher's claim landing at the same moment wins.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from desktop.services import app_settings, transitions
from desktop.services.posts import due_filter
from desktop.services.publish_report import Outcome
from desktop.services.transitions import S
from desktop.store.models import Account, AccountStatus, Variant, VariantState
from providers.base import PublishedPart

if TYPE_CHECKING:
    from desktop.services.context import AppContext


def owner_is_dead(claimed_by: str) -> bool:
    """True if ``claimed_by`` names a process on this host that no longer runs."""
    try:
        _kind, pid_host, _tag = claimed_by.split(" ")
        pid_text, host = pid_host.split("@", 1)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return False  # ourselves: never dead while we ask
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return False


def say(message: str) -> Callable[[Variant, Account], str]:
    """A reason that does not depend on the row."""
    return lambda _variant, _account: message


class Holds:
    """The publisher's checks before it claims anything; each returns the outcomes it wrote."""

    def __init__(self, ctx: AppContext, *, clock: Callable[[], datetime], lease: timedelta, max_attempts: int) -> None:
        self.ctx = ctx
        self.clock = clock
        self.lease = lease
        self.max_attempts = max_attempts

    def reachable(self) -> Any:
        return (Account.paused.is_(False), Account.status == AccountStatus.CONNECTED)

    def candidates(self, *conditions: Any) -> list[tuple[int, VariantState, str, datetime | None, str]]:
        with self.ctx.session() as s:
            rows = s.execute(
                select(Variant.id, Variant.state, Variant.claimed_by, Variant.claimed_at, Account.provider)
                .join(Account, Account.id == Variant.account_id)
                .where(*conditions)
                .order_by(Variant.scheduled_at, Variant.id)
            ).all()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def is_stale(self, claimed_by: str, claimed_at: datetime | None) -> bool:
        expired = claimed_at is None or claimed_at < self.clock() - self.lease
        return expired or owner_is_dead(claimed_by)

    def unknown_orphans(self) -> list[Outcome]:
        """Stale claims the network cannot be asked about (the account is paused, disconnected or
        needs reconnecting, or its plugin is missing): the user checks the network."""
        outcomes = []
        for variant_id, _state, claimed_by, claimed_at, network in self.candidates(Variant.state == S.PUBLISHING):
            if not self.is_stale(claimed_by, claimed_at):
                continue
            why = self.why_unreachable(variant_id, network)
            if why is None:
                continue
            message = (
                f"Publishing was interrupted and {why}, so whether it went out is unknown. Check the post on "
                "the network: if it is not there, Retry; if it is, Cancel."
            )
            outcomes.extend(
                self.move_waiting(
                    [variant_id],
                    expected=(S.PUBLISHING,),
                    to=S.OUTCOME_UNKNOWN,
                    why=say(message),
                    where=(Variant.claimed_by == claimed_by,),
                    values={"claimed_by": "", "claimed_at": None},
                )
            )
        return outcomes

    def why_unreachable(self, variant_id: int, network: str) -> str | None:
        if network not in self.ctx.registry:
            return f"the {network.capitalize()} plugin is not installed"
        with self.ctx.session() as s:
            account = s.scalar(select(Account).join(Variant).where(Variant.id == variant_id))
            if account is None:
                return None
            if account.paused:
                return f"publishing for {account.handle} is paused"
            if account.status != AccountStatus.CONNECTED:
                return f"{account.handle} needs to be reconnected"
        return None

    def no_plugin(self, variant_id: int, state: VariantState, network: str) -> list[Outcome]:
        message = (
            f"The {network.capitalize()} plugin is not installed, so this post cannot be sent. Install the plugin and "
            "Retry, or cancel the post."
        )
        return self.move_waiting([variant_id], expected=(state,), to=S.FAILED, why=lambda _v, _a: message)

    def hold_unreachable_accounts(self) -> list[Outcome]:
        """Due variants of accounts that need reconnecting: say so now rather than wait silently."""
        return self.stop_waiting(
            (due_filter(self.clock()), Account.status != AccountStatus.CONNECTED),
            S.NEEDS_RECONNECT,
            lambda v, a: a.status_detail or f"{a.handle} needs to be reconnected before posts can go out.",
        )

    def give_up_late(self) -> list[Outcome]:
        """Scheduled variants more than the give-up window late are not sent without the user."""
        hours = float(app_settings.get(self.ctx, app_settings.GIVE_UP_HOURS) or 0)
        if hours <= 0:
            return []
        cutoff = self.clock() - timedelta(hours=hours)
        return self.stop_waiting(
            (Variant.state == S.SCHEDULED, Variant.scheduled_at < cutoff, Variant.attempt_count == 0),
            S.FAILED,
            lambda v, a: (
                f"Not sent: it was due {v.scheduled_at:%Y-%m-%d %H:%M} UTC, more than {hours:g} hours ago, while "
                "nothing was publishing. Retry to send it now, or edit or cancel it."
            ),
        )

    def give_up_exhausted(self) -> list[Outcome]:
        """Due variants whose attempt budget is spent stop here, in words, instead of being claimed."""
        return self.stop_waiting(
            (due_filter(self.clock()), Variant.attempt_count >= self.max_attempts),
            S.FAILED,
            lambda v, a: f"Gave up after {v.attempt_count} attempts. Last error: {v.last_error or 'none recorded'}",
        )

    def stop_waiting(
        self, conditions: tuple[Any, ...], state: VariantState, why: Callable[[Variant, Account], str]
    ) -> list[Outcome]:
        """Move matching variants of unpaused accounts to ``state`` with a reason the user sees.
        Each move is conditional on the state read, so a concurrent publisher's claim wins."""
        with self.ctx.session() as s:
            ids = s.scalars(
                select(Variant.id)
                .join(Account, Account.id == Variant.account_id)
                .where(*conditions, Account.paused.is_(False))
            ).all()
        return self.move_waiting(ids, expected=tuple(transitions.DUE), to=state, why=why)

    def move_waiting(
        self,
        variant_ids: Sequence[int],
        *,
        expected: Sequence[VariantState],
        to: VariantState,
        why: Callable[[Variant, Account], str],
        where: Sequence[Any] = (),
        values: dict[str, Any] | None = None,
    ) -> list[Outcome]:
        outcomes = []
        for variant_id in variant_ids:
            with self.ctx.session() as s:
                row = s.execute(
                    select(Variant, Account)
                    .join(Account, Account.id == Variant.account_id)
                    .where(Variant.id == variant_id)
                ).first()
                if row is None:
                    continue
                variant, account = row
                if variant.state not in expected:
                    continue
                target = S.PARTIALLY_LIVE if to == S.FAILED and variant.remote_parts else to
                message = why(variant, account)
                moved = transitions.move_one(
                    s,
                    variant_id,
                    expected=(variant.state,),
                    to=target,
                    where=(Variant.version == variant.version, *where),
                    values={"last_error": message, "next_attempt_at": None, **(values or {})},
                )
                if moved:
                    outcomes.append(
                        Outcome(
                            variant.id,
                            variant.post_id,
                            account.id,
                            account.provider,
                            account.handle,
                            target.value,
                            error=message,
                            parts=tuple(PublishedPart.from_json(p) for p in variant.remote_parts or []),
                        )
                    )
        return outcomes
