"""What publishing did and what needs the user: the attempt log, failures to act on,
one notification per failure, and a daily digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from desktop.services import transitions
from desktop.services.zones import iso_utc
from desktop.store.models import (
    Account,
    AttemptOutcome,
    Post,
    PublishAttempt,
    Variant,
    VariantState,
    utcnow,
)

if TYPE_CHECKING:
    from desktop.services.context import AppContext

NEEDS_USER = tuple(transitions.NEEDS_USER)


class ActivityError(Exception):
    pass


@dataclass(frozen=True)
class AttemptRow:
    id: int
    variant_id: int
    post_id: int
    network: str
    handle: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    error: str
    runner: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "variant_id": self.variant_id,
            "post_id": self.post_id,
            "network": self.network,
            "handle": self.handle,
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at),
            "outcome": self.outcome,
            "error": self.error or None,
        }


@dataclass(frozen=True)
class AttentionRow:
    """A variant that failed or waits for a reconnect: the user must act."""

    variant_id: int
    post_id: int
    account_id: int
    network: str
    handle: str
    state: str
    scheduled_at: datetime | None
    error: str
    text: str
    attempts: int


def attempt_log(
    ctx: AppContext,
    *,
    outcome: str | None = None,
    account_id: int | None = None,
    search: str = "",
    limit: int = 500,
) -> list[AttemptRow]:
    """Publish attempts, newest first, filtered."""
    query = (
        select(PublishAttempt, Variant.post_id, Account.provider, Account.handle, Post.text)
        .join(Variant, Variant.id == PublishAttempt.variant_id)
        .join(Account, Account.id == Variant.account_id)
        .join(Post, Post.id == Variant.post_id)
        .order_by(PublishAttempt.id.desc())
        .limit(limit)
    )
    if outcome:
        query = query.where(PublishAttempt.outcome == AttemptOutcome(outcome))
    if account_id is not None:
        query = query.where(Variant.account_id == account_id)
    if search.strip():
        needle = f"%{search.strip().lower()}%"
        query = query.where(func.lower(Post.text).like(needle) | func.lower(PublishAttempt.error).like(needle))
    with ctx.session() as s:
        return [
            AttemptRow(
                a.id,
                a.variant_id,
                post_id,
                provider,
                handle,
                a.started_at,
                a.finished_at,
                a.outcome.value,
                a.error,
                a.runner,
                text,
            )
            for a, post_id, provider, handle, text in s.execute(query)
        ]


def needs_attention(ctx: AppContext) -> list[AttentionRow]:
    """Failed and held variants, most recent first."""
    query = (
        select(Variant, Account.provider, Account.handle, Post.text)
        .join(Account, Account.id == Variant.account_id)
        .join(Post, Post.id == Variant.post_id)
        .where(Variant.state.in_(NEEDS_USER))
        .order_by(Variant.updated_at.desc())
    )
    with ctx.session() as s:
        return [
            AttentionRow(
                v.id,
                v.post_id,
                v.account_id,
                provider,
                handle,
                v.state.value,
                v.scheduled_at,
                v.last_error,
                v.text if v.text is not None else text,
                v.attempt_count,
            )
            for v, provider, handle, text in s.execute(query)
        ]


def take_new_failures(ctx: AppContext) -> list[AttentionRow]:
    """Failures the user has not been told about yet, marked as told: one notification per
    failure, however many retries led to it. Safe when two app windows ask at once."""
    now = utcnow()
    told = []
    with ctx.session() as s:
        candidates = s.scalars(
            select(Variant.id).where(Variant.state.in_(NEEDS_USER), Variant.notified_at.is_(None))
        ).all()
        for variant_id in candidates:
            if transitions.mark_notified(s, variant_id, now):
                told.append(variant_id)
    return [row for row in needs_attention(ctx) if row.variant_id in told]


def retry_variant(ctx: AppContext, variant_id: int) -> None:
    """Send one failed variant again now, with its same idempotency key."""
    with ctx.session() as s:
        if transitions.retry(s, [variant_id], at=utcnow()) != 1:
            raise ActivityError("Only a failed or cancelled post can be retried.")


def cancel_variant(ctx: AppContext, variant_id: int) -> None:
    """Stop one variant that has not gone out."""
    with ctx.session() as s:
        if transitions.cancel(s, [variant_id]) != 1:
            raise ActivityError("That post has already gone out or is being published right now.")


@dataclass(frozen=True)
class Digest:
    since: datetime
    published: int
    failed: int
    waiting: int  # scheduled or retrying
    next_due: datetime | None

    def text(self) -> str:
        parts = [f"{self.published} published"]
        if self.failed:
            parts.append(f"{self.failed} need attention")
        parts.append(f"{self.waiting} scheduled")
        line = ", ".join(parts) + " in the last 24 hours."
        if self.next_due:
            line += f" Next: {self.next_due.astimezone():%a %H:%M}."
        return line


def digest(ctx: AppContext, *, now: datetime | None = None) -> Digest:
    current = now or utcnow()
    since = current - timedelta(days=1)
    with ctx.session() as s:
        published = s.scalar(
            select(func.count())
            .select_from(Variant)
            .where(Variant.state == VariantState.PUBLISHED, Variant.published_at >= since)
        )
        failed = s.scalar(select(func.count()).select_from(Variant).where(Variant.state.in_(NEEDS_USER)))
        waiting = s.scalar(
            select(func.count())
            .select_from(Variant)
            .where(Variant.state.in_((VariantState.SCHEDULED, VariantState.RETRYING)))
        )
        next_due = s.scalar(
            select(func.min(Variant.scheduled_at)).where(
                Variant.state == VariantState.SCHEDULED, Variant.scheduled_at >= current
            )
        )
    return Digest(since, published or 0, failed or 0, waiting or 0, next_due)
