"""Posts and their variants: check, schedule, list, cancel and retry.

A post is composed once; each target account gets a variant that may override the text.
A post's status is derived from its variants (see :func:`post_status`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from desktop.services.accounts import AccountNotFound
from desktop.services.media import describe_media, store_media, stored
from desktop.services.slots import next_free_slot
from desktop.services.zones import iso_utc
from desktop.store.models import Account, Attachment, Campaign, Post, Variant, VariantState, utcnow
from providers.base import Limits, MediaItem, PostPart, PostRequest, Problem, Provider

if TYPE_CHECKING:
    from desktop.services.context import AppContext

PAST_TOLERANCE = timedelta(minutes=1)


class PostError(Exception):
    """A user-facing problem with a post operation."""


class PostNotFound(PostError):
    def __init__(self, post_id: int) -> None:
        super().__init__(f"No post with id {post_id}.")


@dataclass(frozen=True)
class TargetCheck:
    """How one target would take a post: its length as the network counts it, and problems."""

    network: str
    account_id: int | None
    handle: str
    length: int
    limit: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "network": self.network,
            "handle": self.handle or None,
            "length": self.length,
            "limit": self.limit,
            "ok": self.ok,
            "problems": [{"code": p.code, "message": p.message, "part": p.part} for p in self.problems],
        }


class PostRejected(PostError):
    """Scheduling refused because some target would refuse the post."""

    def __init__(self, checks: Sequence[TargetCheck]) -> None:
        bad = [c for c in checks if not c.ok]
        first = bad[0]
        who = first.handle or first.network
        more = f" (and {len(bad) - 1} more target(s))" if len(bad) > 1 else ""
        super().__init__(f"{who}: {first.problems[0].message}{more}")
        self.checks = list(checks)


@dataclass(frozen=True)
class MediaSpec:
    path: Path
    alt_text: str = ""


@dataclass(frozen=True)
class VariantRow:
    id: int
    post_id: int
    account_id: int
    network: str
    handle: str
    state: str
    scheduled_at: datetime | None
    published_at: datetime | None
    remote_id: str
    url: str
    error: str
    attempts: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "network": self.network,
            "handle": self.handle,
            "state": self.state,
            "scheduled_at": iso_utc(self.scheduled_at),
            "published_at": iso_utc(self.published_at),
            "remote_id": self.remote_id or None,
            "url": self.url or None,
            "error": self.error or None,
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class PostRow:
    id: int
    text: str
    campaign: str | None
    status: str
    created_at: datetime
    variants: tuple[VariantRow, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "campaign": self.campaign,
            "status": self.status,
            "created_at": iso_utc(self.created_at),
            "variants": [v.to_json() for v in self.variants],
        }


# --- status ---------------------------------------------------------------------------------

POST_STATUSES = ("draft", "scheduled", "publishing", "published", "partially_published", "failed", "cancelled")
_LIVE = {VariantState.PUBLISHED}
_BROKEN = {VariantState.FAILED, VariantState.NEEDS_RECONNECT}


def post_status(states: Iterable[VariantState]) -> str:
    """A post's status, derived from its variants' states."""
    every = set(states)
    active = every - {VariantState.CANCELLED}
    if not every:
        return "draft"
    if not active:
        return "cancelled"
    if active == {VariantState.DRAFT}:
        return "draft"
    if active & _BROKEN:
        return "partially_published" if active & _LIVE else "failed"
    if VariantState.PUBLISHING in active:
        return "publishing"
    if active - _LIVE:
        return "scheduled"
    return "published"


# --- building what a provider sees ------------------------------------------------------------


def effective_parts(post: Post, variant: Variant | None) -> list[str]:
    if variant is not None and variant.text is not None:
        return [variant.text, *(variant.thread if variant.thread is not None else post.thread or [])]
    return [post.text, *(post.thread or [])]


def build_request(ctx: AppContext, post: Post, variant: Variant) -> PostRequest:
    """The PostRequest a provider publishes for ``variant`` (media from the data dir)."""
    attachments = variant.attachments if variant.media_overridden else post.attachments
    texts = effective_parts(post, variant)
    parts = []
    for i, text in enumerate(texts):
        media = tuple(stored(ctx, a.media).item(a.alt_text) for a in attachments if a.part == i)
        parts.append(PostPart(text=text, media=media))
    return PostRequest(
        parts=tuple(parts),
        language=post.language or None,
        content_warning=post.content_warning or None,
        link=post.link or None,
    )


def check_variant(
    provider: Provider, limits: Limits, request: PostRequest, *, account_id: int | None, handle: str
) -> TargetCheck:
    problems = tuple(provider.validate(request, limits))
    length = max((provider.measure(p.text, limits) for p in request.parts), default=0)
    return TargetCheck(provider.info.id, account_id, handle, length, limits.max_chars, problems)


def check_targets(
    ctx: AppContext,
    *,
    account_ids: Sequence[int] = (),
    networks: Sequence[str] = (),
    text: str,
    media: Sequence[MediaSpec] = (),
) -> list[TargetCheck]:
    """Length and problems for each target, offline. ``networks`` need no connected account."""
    items: tuple[MediaItem, ...] = tuple(describe_media(m.path, m.alt_text) for m in media)
    request = PostRequest(parts=(PostPart(text=text, media=items),))
    checks = []
    with ctx.session() as s:
        for account_id in account_ids:
            account = s.get(Account, account_id)
            if account is None:
                raise AccountNotFound(account_id)
            provider = ctx.registry.get(account.provider)
            limits = Limits.from_json(account.limits) if account.limits else provider.info.limits
            checks.append(check_variant(provider, limits, request, account_id=account.id, handle=account.handle))
    for network in networks:
        provider = ctx.registry.get(network)
        checks.append(check_variant(provider, provider.info.limits, request, account_id=None, handle=""))
    return checks


# --- scheduling -------------------------------------------------------------------------------


def schedule_post(
    ctx: AppContext,
    *,
    account_ids: Sequence[int],
    text: str,
    text_for: Mapping[int, str] | None = None,
    thread: Sequence[str] = (),
    media: Sequence[MediaSpec] = (),
    at: datetime | None = None,
    at_for: Mapping[int, datetime] | None = None,
    next_slot: bool = False,
    now: bool = False,
    draft: bool = False,
    campaign: str | None = None,
    link: str = "",
    language: str = "",
    content_warning: str = "",
    timezone: str = "UTC",
    clock: datetime | None = None,
    session: Session | None = None,
) -> PostRow:
    """Create a post with one variant per account and schedule it (or save it as a draft).

    Refused with :class:`PostRejected` (nothing saved) when any target would refuse the post,
    unless it is a draft. Times are stored in UTC. ``at_for`` gives each account its own time
    instead of ``at``. With ``session`` the work joins the caller's transaction (a CSV import
    saves every row in one) and an error leaves the caller to roll back.
    """
    if session is None:
        with ctx.session() as s:
            post_id = schedule_post(
                ctx,
                account_ids=account_ids,
                text=text,
                text_for=text_for,
                thread=thread,
                media=media,
                at=at,
                at_for=at_for,
                next_slot=next_slot,
                now=now,
                draft=draft,
                campaign=campaign,
                link=link,
                language=language,
                content_warning=content_warning,
                timezone=timezone,
                clock=clock,
                session=s,
            ).id
        return get_post(ctx, post_id)
    s = session
    current = clock or utcnow()
    text_for = dict(text_for or {})
    at_for = dict(at_for or {})
    if not account_ids:
        raise PostError("Pick at least one account to post to.")
    if len(set(account_ids)) != len(account_ids):
        raise PostError("An account is listed twice.")
    unknown = set(text_for) - set(account_ids)
    if unknown:
        raise PostError(f"--text-for names account(s) not in the post: {', '.join(map(str, sorted(unknown)))}.")
    if at_for and set(at_for) != set(account_ids):
        raise PostError("Give a time for every account, or one time for all.")
    if sum(bool(x) for x in (at is not None or bool(at_for), next_slot, now)) > 1:
        raise PostError("Choose one of a time, the next free slot, or now.")
    if not draft and at is None and not at_for and not next_slot and not now:
        raise PostError("Choose when to publish: a time, the next free slot, or now (or save a draft).")
    for when in [at, *at_for.values()]:
        if when is None:
            continue
        if when.tzinfo is None:
            raise PostError("The time has no timezone.")
        if not draft and when < current - PAST_TOLERANCE:
            local = when.astimezone()
            raise PostError(f"{local:%Y-%m-%d %H:%M %Z} is in the past.")
    campaign_id = _campaign_id(s, campaign)
    accounts = []
    for account_id in account_ids:
        account = s.get(Account, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        accounts.append(account)
    post = Post(
        text=text,
        thread=list(thread),
        campaign_id=campaign_id,
        link=link,
        language=language,
        content_warning=content_warning,
        timezone=timezone,
    )
    s.add(post)
    for position, spec in enumerate(media):
        row = store_media(ctx, s, spec.path, spec.alt_text)
        post.attachments.append(Attachment(media_id=row.id, alt_text=spec.alt_text, position=position, part=0))
    s.flush()
    checks = []
    for account in accounts:
        variant = Variant(post=post, account=account, text=text_for.get(account.id))
        s.add(variant)
        provider = ctx.registry.get(account.provider)
        limits = Limits.from_json(account.limits) if account.limits else provider.info.limits
        checks.append(
            check_variant(
                provider, limits, build_request(ctx, post, variant), account_id=account.id, handle=account.handle
            )
        )
        if draft:
            variant.state, variant.scheduled_at = VariantState.DRAFT, at_for.get(account.id, at)
        else:
            variant.state = VariantState.SCHEDULED
            if next_slot:
                slot = next_free_slot(s, account.id, current)
                if slot is None:
                    raise PostError(
                        f"{account.handle} has no free queue slot in the next 8 weeks; add slots for it first."
                    )
                variant.scheduled_at = slot
            else:
                variant.scheduled_at = current if now else at_for.get(account.id, at)
    if not draft and any(not c.ok for c in checks):
        raise PostRejected(checks)  # the caller's transaction rolls the whole post back
    s.flush()
    return _post_row(post)


def _campaign_id(s: Session, name: str | None) -> int | None:
    if not name:
        return None
    campaign_id = s.scalar(select(Campaign.id).where(func.lower(Campaign.name) == name.strip().lower()))
    if campaign_id is None:
        raise PostError(f"No campaign named {name!r}. Create it with: campaign-desk campaigns add {name!r}")
    return campaign_id


# --- reading ------------------------------------------------------------------------------------


def _variant_row(post: Post, v: Variant) -> VariantRow:
    return VariantRow(
        id=v.id,
        post_id=post.id,
        account_id=v.account_id,
        network=v.account.provider,
        handle=v.account.handle,
        state=v.state.value,
        scheduled_at=v.scheduled_at,
        published_at=v.published_at,
        remote_id=v.remote_id,
        url=v.remote_url,
        error=v.last_error,
        attempts=v.attempt_count,
        text=effective_parts(post, v)[0],
    )


def _post_row(post: Post) -> PostRow:
    variants = tuple(_variant_row(post, v) for v in post.variants)
    return PostRow(
        id=post.id,
        text=post.text,
        campaign=post.campaign.name if post.campaign else None,
        status=post_status(v.state for v in post.variants),
        created_at=post.created_at,
        variants=variants,
    )


_LOAD = (
    selectinload(Post.variants).selectinload(Variant.account),
    selectinload(Post.campaign),
)


def get_post(ctx: AppContext, post_id: int) -> PostRow:
    with ctx.session() as s:
        post = s.scalar(select(Post).where(Post.id == post_id).options(*_LOAD))
        if post is None:
            raise PostNotFound(post_id)
        return _post_row(post)


def list_posts(
    ctx: AppContext,
    *,
    state: str | None = None,
    campaign: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
) -> list[PostRow]:
    """Posts, newest first. ``state`` matches a post status or any variant's state; ``start``/``end``
    bound the variants' scheduled (or published) time."""
    query = select(Post).options(*_LOAD).order_by(Post.id.desc())
    when = func.coalesce(Variant.published_at, Variant.scheduled_at)
    needs_variant = start is not None or end is not None or (state is not None and state not in POST_STATUSES)
    with ctx.session() as s:
        if campaign:
            campaign_id = _campaign_id(s, campaign)
            query = query.where(Post.campaign_id == campaign_id)
        if needs_variant:
            sub = select(Variant.post_id)
            if start is not None:
                sub = sub.where(when >= start)
            if end is not None:
                sub = sub.where(when < end)
            if state is not None and state not in POST_STATUSES:
                sub = sub.where(Variant.state == VariantState(state))
            query = query.where(Post.id.in_(sub))
        rows = [_post_row(p) for p in s.scalars(query)]
    if state is not None and state in POST_STATUSES:
        rows = [r for r in rows if r.status == state or any(v.state == state for v in r.variants)]
    return rows[:limit] if limit else rows


# --- changing state -------------------------------------------------------------------------------

_CANCELLABLE = {
    VariantState.DRAFT,
    VariantState.SCHEDULED,
    VariantState.RETRYING,
    VariantState.FAILED,
    VariantState.NEEDS_RECONNECT,
}
_RETRYABLE = {VariantState.FAILED, VariantState.NEEDS_RECONNECT, VariantState.CANCELLED}


def cancel_post(ctx: AppContext, post_id: int) -> tuple[PostRow, int]:
    """Cancel every variant not yet published or in flight. Returns the post and how many changed."""
    with ctx.session() as s:
        post = s.scalar(select(Post).where(Post.id == post_id).options(*_LOAD))
        if post is None:
            raise PostNotFound(post_id)
        changed = 0
        for v in post.variants:
            if v.state in _CANCELLABLE:
                v.state = VariantState.CANCELLED
                v.next_attempt_at = None
                changed += 1
        s.flush()
        return _post_row(post), changed


def retry_post(ctx: AppContext, post_id: int, *, clock: datetime | None = None) -> tuple[PostRow, int]:
    """Send again only the variants that failed (never the live ones), now, with the same key."""
    current = clock or utcnow()
    with ctx.session() as s:
        post = s.scalar(select(Post).where(Post.id == post_id).options(*_LOAD))
        if post is None:
            raise PostNotFound(post_id)
        changed = 0
        for v in post.variants:
            if v.state in _RETRYABLE:
                v.state = VariantState.SCHEDULED
                v.scheduled_at = current  # the user confirmed: not "late" any more
                v.next_attempt_at = None
                v.notified_at = None
                changed += 1
        s.flush()
        return _post_row(post), changed


def due_filter(now: datetime) -> Any:
    """SQL condition: a variant that should be published now."""
    return or_(
        (Variant.state == VariantState.SCHEDULED) & (Variant.scheduled_at <= now),
        (Variant.state == VariantState.RETRYING) & (Variant.next_attempt_at <= now),
    )
