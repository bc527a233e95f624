"""Posts and their variants: check, schedule, list, cancel and retry.

A post is composed once; each target account gets a variant that may override the text.
A post's status is derived from its variants (see :func:`post_status`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from desktop.services import app_settings, transitions, utm
from desktop.services.accounts import AccountNotFound
from desktop.services.media import describe_media, store_media, stored
from desktop.services.slots import next_free_slot
from desktop.services.zones import iso_utc
from desktop.store.models import Account, Attachment, Campaign, Post, Variant, VariantState, utcnow
from providers.base import Limits, MediaItem, PostPart, PostRequest, Problem, Provider, PublishedPart

if TYPE_CHECKING:
    from desktop.services.context import AppContext

PAST_TOLERANCE = timedelta(minutes=1)
#: How far ahead a post may be scheduled: further than this is a typo, not a plan.
HORIZON = timedelta(days=3653)
#: Setting: refuse to schedule images without alt text.
REQUIRE_ALT_TEXT = "require_alt_text"


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
    parts: tuple[PublishedPart, ...] = ()  # what is live, in order

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
            "parts": [p.to_json() for p in self.parts],
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
_LIVE = {VariantState.PUBLISHED, VariantState.PARTIALLY_LIVE}
_BROKEN = {
    VariantState.FAILED,
    VariantState.NEEDS_RECONNECT,
    VariantState.PARTIALLY_LIVE,
    VariantState.OUTCOME_UNKNOWN,
}


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
    if active & {VariantState.IMPORTING}:
        return "scheduled"
    if VariantState.PUBLISHING in active:
        return "publishing"
    if active - _LIVE:
        return "scheduled"
    return "published"


# --- building what a provider sees ------------------------------------------------------------


def effective_parts(post: Post, variant: Variant | None) -> list[str]:
    """The texts ``variant`` posts (its override, else the shared ones), first comment excluded."""
    if variant is not None and variant.text is not None:
        return [variant.text, *(variant.thread if variant.thread is not None else post.thread or [])]
    return [post.text, *(post.thread or [])]


def takes_first_comment(ctx: AppContext, account: Account) -> bool:
    """Whether the first comment goes out on this account's network (as the thread's last part)."""
    info = ctx.registry.cls(account.provider).info
    limits = Limits.from_json(account.limits) if account.limits else info.limits
    return info.threads and limits.max_parts > 1


def untagged_parts(ctx: AppContext, post: Post, variant: Variant) -> list[str]:
    """The texts ``variant`` sends as the user wrote them, first comment included where the
    network takes it (as the thread's last part)."""
    texts = effective_parts(post, variant)
    if post.first_comment.strip() and takes_first_comment(ctx, variant.account):
        texts = [*texts, post.first_comment]
    return texts


def tagged_parts(post: Post, variant: Variant, texts: Sequence[str]) -> list[str]:
    """``texts`` as they go out: the texts fixed at the first claim (``Variant.tagged_texts``) where
    there are some, the rest with the campaign's UTM tags (none without a campaign)."""
    fixed = [str(t) for t in variant.tagged_texts or []][: len(texts)]
    rest = list(texts[len(fixed) :])
    if rest and post.campaign is not None:
        rest = utm.tag_parts(rest, utm.params_for(post.campaign, variant.account.provider), skip=post.no_utm or ())
    return [*fixed, *rest]


def _card_link(post: Post, variant: Variant, texts: Sequence[str], tagged: Sequence[str]) -> str | None:
    """The preview card's link: the post's chosen card link, tagged as it stands in the text, else
    tagged now (or as written). Without a chosen one, the first link of the first part as it is
    sent (tagged): the card a network that needs one attached (Bluesky) shows, as its own app and
    Mastodon do for a post's first link."""
    if not post.link:
        first = utm.links_in(tagged[:1])
        return first[0] if first else None
    if post.campaign is None or post.link in (post.no_utm or ()):
        return post.link
    found = utm.tagged_counterpart(post.link, texts, tagged)
    if found is not None:
        return found
    return utm.tag_url(post.link, utm.params_for(post.campaign, variant.account.provider))


def build_request(ctx: AppContext, post: Post, variant: Variant) -> PostRequest:
    """The PostRequest a provider publishes for ``variant`` (media from the data dir), with the
    post's first comment as the last part where the network has replies, and the campaign's
    UTM tags on its links (:func:`tagged_parts`)."""
    attachments = variant.attachments if variant.media_overridden else post.attachments
    untagged = untagged_parts(ctx, post, variant)
    texts = tagged_parts(post, variant, untagged)
    parts = []
    for i, text in enumerate(texts):
        media = tuple(stored(ctx, a.media).item(a.alt_text) for a in attachments if a.part == i)
        parts.append(PostPart(text=text, media=media))
    return PostRequest(
        parts=tuple(parts),
        language=post.language or None,
        content_warning=post.content_warning or None,
        link=_card_link(post, variant, untagged, texts),
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
    campaign: str | None = None,
    no_utm: Sequence[str] = (),
) -> list[TargetCheck]:
    """Length and problems for each target, offline. ``networks`` need no connected account.
    With ``campaign``, the text is checked with its links tagged as that network's would be."""
    items: tuple[MediaItem, ...] = tuple(describe_media(m.path, m.alt_text) for m in media)
    checks = []
    with ctx.session() as s:
        found = s.get(Campaign, campaign_id_for(s, campaign)) if campaign else None

        def request(network: str) -> PostRequest:
            tagged = utm.tag_text(text, utm.params_for(found, network), skip=no_utm) if found else text
            return PostRequest(parts=(PostPart(text=tagged, media=items),))

        for account_id in account_ids:
            account = s.get(Account, account_id)
            if account is None:
                raise AccountNotFound(account_id)
            provider = ctx.registry.get(account.provider)
            limits = Limits.from_json(account.limits) if account.limits else provider.info.limits
            checks.append(
                check_variant(provider, limits, request(account.provider), account_id=account.id, handle=account.handle)
            )
        for network in networks:
            provider = ctx.registry.get(network)
            checks.append(check_variant(provider, provider.info.limits, request(network), account_id=None, handle=""))
    return checks


# --- scheduling: one core for the composer, the command line and CSV import ---------------------


@dataclass(frozen=True)
class When:
    """When to publish: a time (UTC) for all or per account, the account's next free queue slot,
    or now; or nothing yet, for a draft."""

    at: datetime | None = None
    at_for: Mapping[int, datetime] = field(default_factory=dict)
    next_slot: bool = False
    now: bool = False
    draft: bool = False


def check_when(when: When, account_ids: Sequence[int], current: datetime) -> None:
    """The time rules, the same everywhere: one choice, with a zone, not in the past (a minute's
    grace), not absurdly far ahead."""
    if when.at_for and set(when.at_for) != set(account_ids):
        raise PostError("Give a time for every account, or one time for all.")
    timed = when.at is not None or bool(when.at_for)
    if sum((timed, when.next_slot, when.now)) > 1:
        raise PostError("Choose one of a time, the next free slot, or now.")
    if not when.draft and not (timed or when.next_slot or when.now):
        raise PostError("Choose when to publish: a time, the next free slot, or now (or save a draft).")
    for at in [when.at, *when.at_for.values()]:
        if at is None:
            continue
        if at.tzinfo is None:
            raise PostError("The time has no timezone.")
        if at > current + HORIZON:
            raise PostError(f"{at:%Y-%m-%d} is more than 10 years ahead; pick a nearer date.")
        if not when.draft and at < current - PAST_TOLERANCE:
            raise PostError(f"{at.astimezone():%Y-%m-%d %H:%M %Z} is in the past.")


def alt_text_problems(request: PostRequest, provider: Provider) -> list[Problem]:
    """The user's own rule (Settings): every image needs alt text, where the network takes it."""
    if not provider.info.alt_text:
        return []
    return [
        Problem(
            "alt_missing", f"{m.path.name} has no alt text (describe the image).", i if len(request.parts) > 1 else None
        )
        for i, part in enumerate(request.parts)
        for m in part.media
        if m.mime.startswith("image/") and not m.alt_text.strip()
    ]


def check_request(
    provider: Provider, limits: Limits, request: PostRequest, *, account_id: int, handle: str, require_alt: bool
) -> TargetCheck:
    """Everything that refuses a post for one target: the network's rules and the user's own.
    The one check behind the composer, ``schedule`` and CSV import."""
    check = check_variant(provider, limits, request, account_id=account_id, handle=handle)
    if require_alt:
        check = replace(check, problems=(*check.problems, *alt_text_problems(request, provider)))
    return check


def no_campaign(name: str) -> PostError:
    return PostError(f"No campaign named {name!r}; create it first (Campaigns page, or `campaigns add`).")


def schedule_variants(
    ctx: AppContext,
    s: Session,
    post: Post,
    variants: Sequence[Variant],
    when: When,
    *,
    current: datetime,
    hold_for_import: str | None = None,
) -> list[TargetCheck]:
    """Check each variant as its network would and give it its state and time. Refused with
    :class:`PostRejected` when any target would refuse its variant (drafts are saved anyway);
    the caller's transaction then rolls everything back. With ``hold_for_import`` the variants
    wait in ``importing`` until the import releases them."""
    check_when(when, [v.account_id for v in variants], current)
    require_alt = bool(app_settings.get(ctx, REQUIRE_ALT_TEXT))
    checks = []
    for v in variants:
        account = v.account
        provider = ctx.registry.get(account.provider)
        limits = Limits.from_json(account.limits) if account.limits else provider.info.limits
        request = build_request(ctx, post, v)
        checks.append(
            check_request(
                provider, limits, request, account_id=account.id, handle=account.handle, require_alt=require_alt
            )
        )
        v.next_attempt_at = None
        if when.draft:
            v.state, v.scheduled_at = VariantState.DRAFT, when.at_for.get(account.id, when.at)
            continue
        v.state = VariantState.IMPORTING if hold_for_import else VariantState.SCHEDULED
        if when.next_slot:
            slot = next_free_slot(s, account.id, current)
            if slot is None:
                raise PostError(f"{account.handle} has no free queue slot in the next 8 weeks; add slots for it first.")
            v.scheduled_at = slot
        else:
            v.scheduled_at = current if when.now else when.at_for.get(account.id, when.at)
    if not when.draft and any(not c.ok for c in checks):
        raise PostRejected(checks)
    return checks


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
    first_comment: str = "",
    no_utm: Sequence[str] = (),
    timezone: str = "UTC",
    clock: datetime | None = None,
    session: Session | None = None,
    hold_for_import: str | None = None,
) -> PostRow:
    """Create a post with one variant per account and schedule it (or save it as a draft).

    Refused with :class:`PostRejected` (nothing saved) when any target would refuse the post,
    unless it is a draft. Times are stored in UTC. ``at_for`` gives each account its own time
    instead of ``at``. With ``session`` the work joins the caller's transaction and an error
    leaves the caller to roll back; with ``hold_for_import`` (a CSV import's job id) the post is
    tagged with it and its variants wait in ``importing`` until the import releases them.
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
                first_comment=first_comment,
                no_utm=no_utm,
                timezone=timezone,
                clock=clock,
                session=s,
                hold_for_import=hold_for_import,
            ).id
        return get_post(ctx, post_id)
    s = session
    current = clock or utcnow()
    text_for = dict(text_for or {})
    if not account_ids:
        raise PostError("Pick at least one account to post to.")
    if len(set(account_ids)) != len(account_ids):
        raise PostError("An account is listed twice.")
    unknown = set(text_for) - set(account_ids)
    if unknown:
        raise PostError(f"--text-for names account(s) not in the post: {', '.join(map(str, sorted(unknown)))}.")
    when = When(at=at, at_for=dict(at_for or {}), next_slot=next_slot, now=now, draft=draft)
    check_when(when, account_ids, current)
    check_no_utm(no_utm, [text, *thread, *text_for.values(), first_comment, link])
    campaign_id = campaign_id_for(s, campaign)
    accounts = []
    for account_id in account_ids:
        account = s.get(Account, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        accounts.append(account)
    _refuse_media_early(ctx, accounts, text, media, draft=draft)
    post = Post(
        text=text,
        thread=list(thread),
        campaign_id=campaign_id,
        link=link,
        language=language,
        content_warning=content_warning,
        first_comment=first_comment,
        no_utm=list(dict.fromkeys(no_utm)),
        timezone=timezone,
        import_job=hold_for_import,
    )
    s.add(post)
    for position, spec in enumerate(media):
        row = store_media(ctx, s, spec.path, spec.alt_text)
        post.attachments.append(Attachment(media_id=row.id, alt_text=spec.alt_text, position=position, part=0))
    variants = [Variant(post=post, account=account, text=text_for.get(account.id)) for account in accounts]
    s.add_all(variants)
    s.flush()
    schedule_variants(ctx, s, post, variants, when, current=current, hold_for_import=hold_for_import)
    s.flush()
    return _post_row(post)


def _refuse_media_early(
    ctx: AppContext, accounts: Sequence[Account], text: str, media: Sequence[MediaSpec], *, draft: bool
) -> None:
    """Media a target refuses (type, size, pixels, length) is refused before anything is copied
    into the data dir; the full check follows in :func:`schedule_variants`."""
    if not media or draft:
        return
    items = tuple(describe_media(m.path, m.alt_text) for m in media)  # reads the files, copies nothing
    request = PostRequest(parts=(PostPart(text=text, media=items),))
    checks = []
    for account in accounts:
        provider = ctx.registry.get(account.provider)
        limits = Limits.from_json(account.limits) if account.limits else provider.info.limits
        problems = tuple(p for p in provider.validate(request, limits) if p.code.startswith("media"))
        checks.append(TargetCheck(provider.info.id, account.id, account.handle, 0, limits.max_chars, problems))
    if any(not c.ok for c in checks):
        raise PostRejected(checks)


def check_no_utm(no_utm: Sequence[str], texts: Sequence[str]) -> None:
    """Each link opted out of UTM tags must be a link in the post, as written."""
    found = set(utm.links_in(texts))
    missing = [u for u in no_utm if u not in found]
    if missing:
        raise PostError(
            f"{missing[0]} is not a link in this post; give it exactly as written in the text "
            "(with http:// or https://) to leave it without UTM tags."
        )


def archived_campaign(name: str) -> PostError:
    return PostError(
        f"The campaign {name!r} is archived; unarchive it first (Campaigns page, or "
        f"`campaigns archive {name!r} --undo`) to add posts to it."
    )


def campaign_id_for(s: Session, name: str | None, *, archived_ok: bool = False) -> int | None:
    """The id of the campaign named ``name`` (any case), refused in words when there is none —
    or when it is archived, unless ``archived_ok`` (reading, or a post already in it)."""
    if not name:
        return None
    found = s.execute(
        select(Campaign.id, Campaign.name, Campaign.archived).where(func.lower(Campaign.name) == name.strip().lower())
    ).first()
    if found is None:
        raise no_campaign(name)
    if found.archived and not archived_ok:
        raise archived_campaign(found.name)
    return int(found.id)


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
        parts=tuple(PublishedPart.from_json(p) for p in v.remote_parts or []),
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
    # posts published outside the app (imported for analytics) are not the user's to manage here
    query = (
        select(Post).options(*_LOAD).where(Post.import_job.is_(None), Post.external.is_(False)).order_by(Post.id.desc())
    )
    when = func.coalesce(Variant.published_at, Variant.scheduled_at)
    needs_variant = start is not None or end is not None or (state is not None and state not in POST_STATUSES)
    with ctx.session() as s:
        if campaign:
            campaign_id = campaign_id_for(s, campaign, archived_ok=True)
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


# --- changing state (through desktop.services.transitions) ----------------------------------------


def _load(s: Session, post_id: int) -> Post:
    post = s.scalar(select(Post).where(Post.id == post_id).options(*_LOAD))
    if post is None:
        raise PostNotFound(post_id)
    return post


def cancel_post(ctx: AppContext, post_id: int) -> tuple[PostRow, int]:
    """Cancel every variant not yet published and not in flight (a thread's live parts stay
    live). Returns the post as it now is and how many variants changed."""
    with ctx.session() as s:
        post = _load(s, post_id)
        changed = transitions.cancel(s, [v.id for v in post.variants])
    return get_post(ctx, post_id), changed


def retry_post(ctx: AppContext, post_id: int, *, clock: datetime | None = None) -> tuple[PostRow, int]:
    """Send again only the variants that stopped (never the live ones), now, with the same key and a
    fresh attempt budget; a partially live thread resumes after its live parts."""
    current = clock or utcnow()
    with ctx.session() as s:
        post = _load(s, post_id)
        changed = transitions.retry(s, [v.id for v in post.variants], at=current)
    return get_post(ctx, post_id), changed


def live_parts_note(row: PostRow) -> str:
    """What of a post is already public, in a sentence (for cancel and delete), or ""."""
    notes = []
    for v in row.variants:
        if v.parts and v.state != VariantState.PUBLISHED.value:
            shown = "part 1" if len(v.parts) == 1 else f"parts 1–{len(v.parts)}"
            where = v.parts[0].url or v.parts[0].remote_id
            notes.append(f"{v.handle}: {shown} already public ({where})")
        elif v.state == VariantState.PUBLISHED.value:
            notes.append(f"{v.handle}: already public ({v.url or v.remote_id})")
    if not notes:
        return ""
    return "Still live on the network — delete it there if you want it gone: " + "; ".join(notes) + "."


def due_filter(now: datetime) -> Any:
    """SQL condition: a variant that should be published now."""
    return or_(
        (Variant.state == VariantState.SCHEDULED) & (Variant.scheduled_at <= now),
        (Variant.state == VariantState.RETRYING) & (Variant.next_attempt_at <= now),
    )
