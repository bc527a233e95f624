"""What publishing did and what needs the user: the attempt log, failures to act on,
one notification per failure, and a daily digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from desktop.services import transitions
from desktop.services.background_job import last_wake_time
from desktop.services.zones import format_local, iso_utc, user_zone
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
    scheduled_at: datetime | None = None  # when the variant was due
    late: str = ""  # "due 09:00, published 09:47 after the computer woke"; "" when on time
    #: The public address of what went out (a thread's first part); "" when nothing is public.
    url: str = ""

    @property
    def details(self) -> str:
        """What the log's Details column shows: the error, else how late it went out."""
        return self.error or self.late

    @property
    def what_happened(self) -> str:
        """This attempt in a sentence for the user (its error or late note is ``details``)."""
        if self.outcome in ("published", "already_published"):
            return f"The post to {self.handle} went out later than planned."
        if self.outcome == "retry":
            return f"This attempt to post to {self.handle} did not go through; Campaign Desk tries again by itself."
        if self.outcome == "auth":
            return f"The sign-in to {self.handle} had expired. Reconnect the account on the Accounts page."
        if self.outcome == "pending":
            return f"The post to {self.handle} is being sent."
        return f"The post to {self.handle} was not published. “Needs your attention” above says what to do."

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
            "late": self.late or None,
        }


LATE_AFTER = timedelta(minutes=5)
PUBLISHED_OUTCOMES = (AttemptOutcome.PUBLISHED, AttemptOutcome.ALREADY_PUBLISHED)


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // (24 * 60)} days"


def late_note(
    scheduled_at: datetime | None,
    published_at: datetime | None,
    *,
    woke_at: datetime | None = None,
    zone: tzinfo | None = None,
) -> str:
    """How late a post went out, in words; "" when within :data:`LATE_AFTER` of its time.

    With ``woke_at`` (when the computer last woke from sleep) between the two times, the cause
    is known: "due 09:00, published 09:47 after the computer woke"; otherwise "published 47 min
    late". Times are shown in ``zone`` (default: the system's), with the day when they differ.
    """
    if scheduled_at is None or published_at is None or published_at - scheduled_at <= LATE_AFTER:
        return ""
    if woke_at is not None and scheduled_at <= woke_at <= published_at:
        due_day, out_day = format_local(scheduled_at, "%Y%m%d", zone), format_local(published_at, "%Y%m%d", zone)
        fmt = "%H:%M" if due_day == out_day else "%a %d %b %H:%M"
        due, out = format_local(scheduled_at, fmt, zone), format_local(published_at, fmt, zone)
        return f"due {due}, published {out} after the computer woke"
    return f"published {_span(published_at - scheduled_at)} late"


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
    #: URLs (or ids) of the parts already public, for a partially live thread.
    live_urls: tuple[str, ...] = ()

    @property
    def first_live_url(self) -> str:
        """The first public part's web address (what "View post" opens); "" when none is public."""
        return next((u for u in self.live_urls if _public_url(u)), "")

    @property
    def what_to_do(self) -> str:
        """What happened and what the user can do, in a sentence (the network's words are ``error``)."""
        where = self.handle
        if self.state == "needs_reconnect":
            return f"The sign-in to {where} has expired. Reconnect the account on the Accounts page, then retry."
        if self.state == "partially_live":
            return (
                f"Only part of the thread went out to {where}. Retry sends the rest (never the parts already "
                "public); cancel stops it."
            )
        if self.state == "outcome_unknown":
            return (
                f"Sending to {where} was interrupted, so the post may or may not be public. Check the network "
                "before you retry."
            )
        return f"The post to {where} was not published. Edit it and retry, or cancel it."


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
        select(
            PublishAttempt,
            Variant.post_id,
            Account.provider,
            Account.handle,
            Post.text,
            Variant.scheduled_at,
            Variant.remote_url,
        )
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
        rows = s.execute(query).all()
    zone = user_zone(ctx)
    # Asking the OS when it woke may start a process: only when some post went out late.
    went_late = any(
        a.outcome in PUBLISHED_OUTCOMES and late_note(scheduled_at, a.finished_at)
        for a, _p, _n, _h, _t, scheduled_at, _u in rows
    )
    woke_at = last_wake_time() if went_late else None
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
            scheduled_at,
            late_note(scheduled_at, a.finished_at, woke_at=woke_at, zone=zone)
            if a.outcome in PUBLISHED_OUTCOMES
            else "",
            _public_url(url) if a.outcome in PUBLISHED_OUTCOMES else "",
        )
        for a, post_id, provider, handle, text, scheduled_at, url in rows
    ]


def _public_url(url: str | None) -> str:
    """Only a web address can be opened; some networks record a bare id for a part."""
    return url if url and url.startswith(("https://", "http://")) else ""


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
                tuple(str(p.get("url") or p.get("remote_id")) for p in v.remote_parts or []),
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
    zone: tzinfo | None = None  # the user's zone, for the next post's time

    def text(self) -> str:
        parts = [f"{self.published} published"]
        if self.failed:
            parts.append(f"{self.failed} need attention")
        parts.append(f"{self.waiting} scheduled")
        line = ", ".join(parts) + " in the last 24 hours."
        if self.next_due:
            line += f" Next: {format_local(self.next_due, '%a %H:%M', self.zone)}."
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
    return Digest(since, published or 0, failed or 0, waiting or 0, next_due, user_zone(ctx))
