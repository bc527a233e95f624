"""The composer's document: one post being written, shared and per account, without Qt.

A :class:`ComposeDoc` holds the shared thread (a list of part texts), shared media, one
optional override per account (its own parts, media and alt text), a first comment, the
campaign and the time choice. The functions here measure and validate it the way each
target network counts (through the providers and each account's stored Limits), split a
long text at the limit, and save it to / load it from the store, editing a post in place so
every variant keeps its idempotency key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from desktop.services import app_settings, utm
from desktop.services.media import store_media, stored
from desktop.services.posts import (
    REQUIRE_ALT_TEXT,
    PostError,
    PostNotFound,
    When,
    campaign_id_for,
    effective_parts,
    schedule_variants,
)
from desktop.services.transitions import EDITABLE, Conflict
from desktop.services.zones import user_zone_name
from desktop.store.models import (
    Account,
    AccountStatus,
    Attachment,
    Post,
    Variant,
    VariantState,
    utcnow,
)
from providers.base import Limits, MediaItem, PostPart, PostRequest, Problem, Provider

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.services.context import AppContext
    from providers.registry import Registry

__all__ = ["REQUIRE_ALT_TEXT", "When"]  # re-exported: the composer's UI imports them from here

#: Counters turn amber at this share of the limit.
WARN_RATIO = 0.9
#: Variants in these states are live, in flight or still being imported: the composer never changes them.
LOCKED = frozenset(set(VariantState) - EDITABLE - {VariantState.PARTIALLY_LIVE})
#: Said when a save loses a race with a publisher (or another window).
CHANGED_ELSEWHERE = (
    "This post changed while you were editing it (it may be going out right now). Nothing was overwritten: "
    "close it and open it again to see where it stands."
)


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRef:
    """One attached file (already copied into the data dir) and its alt text."""

    path: Path
    mime: str
    size: int = 0
    width: int | None = None
    height: int | None = None
    alt_text: str = ""
    name: str = ""

    def item(self) -> MediaItem:
        return MediaItem(self.path, self.mime, self.alt_text, self.size, self.width, self.height)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "mime": self.mime,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "alt_text": self.alt_text,
            "name": self.name,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MediaRef:
        return cls(
            Path(data["path"]),
            data["mime"],
            data.get("size", 0),
            data.get("width"),
            data.get("height"),
            data.get("alt_text", ""),
            data.get("name", ""),
        )


@dataclass(frozen=True)
class Target:
    """A connected account as the composer needs it: who, where, and what it accepts."""

    account_id: int
    network: str
    network_name: str
    handle: str
    display_name: str
    limits: Limits
    threads: bool
    alt_text: bool
    status: str = "connected"

    @property
    def label(self) -> str:
        return self.handle if self.handle.startswith("@") else f"@{self.handle}"


@dataclass
class Override:
    """What one account posts instead of the shared content (None: use the shared one)."""

    parts: list[str] | None = None
    media: list[MediaRef] | None = None


@dataclass
class ComposeDoc:
    """The post being composed. Plain data: the UI edits it, the functions below read it."""

    account_ids: list[int] = field(default_factory=list)
    parts: list[str] = field(default_factory=lambda: [""])
    media: list[MediaRef] = field(default_factory=list)
    overrides: dict[int, Override] = field(default_factory=dict)
    first_comment: str = ""
    campaign: str | None = None
    link: str = ""
    at: datetime | None = None  # UTC; None: not chosen yet
    post_id: int | None = None
    status: str = "draft"  # of the stored post, when editing one
    locked: frozenset[int] = frozenset()  # accounts whose variant is already live
    #: Links (as written) the user opted out of the campaign's UTM tags.
    no_utm: list[str] = field(default_factory=list)
    #: Each stored variant's version when this document last read or saved it: a save finding
    #: another is refused (the publisher, or another window, changed it in between).
    versions: dict[int, int] = field(default_factory=dict)

    def parts_for(self, account_id: int) -> list[str]:
        o = self.overrides.get(account_id)
        return list(o.parts) if o and o.parts is not None else list(self.parts)

    def media_for(self, account_id: int) -> list[MediaRef]:
        o = self.overrides.get(account_id)
        return list(o.media) if o and o.media is not None else list(self.media)

    def is_overridden(self, account_id: int) -> bool:
        o = self.overrides.get(account_id)
        return bool(o and (o.parts is not None or o.media is not None))

    def is_empty(self) -> bool:
        return not any(p.strip() for p in self.parts) and not self.media and not self.overrides

    def to_json(self) -> dict[str, Any]:
        return {
            "account_ids": list(self.account_ids),
            "parts": list(self.parts),
            "media": [m.to_json() for m in self.media],
            "overrides": {
                str(k): {
                    "parts": o.parts,
                    "media": None if o.media is None else [m.to_json() for m in o.media],
                }
                for k, o in self.overrides.items()
            },
            "first_comment": self.first_comment,
            "campaign": self.campaign,
            "link": self.link,
            "at": self.at.isoformat() if self.at else None,
            "post_id": self.post_id,
            "status": self.status,
            "locked": sorted(self.locked),
            "no_utm": list(self.no_utm),
            "versions": {str(k): v for k, v in self.versions.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ComposeDoc:
        overrides = {
            int(k): Override(
                parts=v.get("parts"),
                media=None if v.get("media") is None else [MediaRef.from_json(m) for m in v["media"]],
            )
            for k, v in (data.get("overrides") or {}).items()
        }
        return cls(
            account_ids=[int(a) for a in data.get("account_ids", [])],
            parts=list(data.get("parts") or [""]),
            media=[MediaRef.from_json(m) for m in data.get("media", [])],
            overrides=overrides,
            first_comment=data.get("first_comment", ""),
            campaign=data.get("campaign"),
            link=data.get("link", ""),
            at=datetime.fromisoformat(data["at"]) if data.get("at") else None,
            post_id=data.get("post_id"),
            status=data.get("status", "draft"),
            locked=frozenset(int(a) for a in data.get("locked", [])),
            no_utm=[str(u) for u in data.get("no_utm") or []],
            versions={int(k): int(v) for k, v in (data.get("versions") or {}).items()},
        )


@dataclass(frozen=True)
class Count:
    """One part's length as a network counts it, against its limit."""

    length: int
    limit: int

    @property
    def level(self) -> str:
        """ "ok", "warn" (≥ 90 % of the limit) or "over"."""
        if self.length > self.limit:
            return "over"
        return "warn" if self.length >= self.limit * WARN_RATIO else "ok"


# --- targets ------------------------------------------------------------------------------------


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


# --- counting and checking (pure, fast: fine on the GUI thread) ---------------------------------


def measure_parts(provider: Provider, limits: Limits, parts: Sequence[str]) -> list[Count]:
    return [Count(provider.measure(p, limits), limits.max_chars) for p in parts]


def tagged(doc: ComposeDoc, target: Target, texts: Sequence[str], campaign: Any | None) -> list[str]:
    """``texts`` with ``campaign``'s UTM tags as ``target``'s network gets them (links the user
    opted out left alone); unchanged without a campaign. ``campaign``: a ``CampaignRow``."""
    if campaign is None or not doc.campaign:
        return list(texts)
    return utm.tag_parts(texts, utm.params_for(campaign, target.network), skip=doc.no_utm)


def measure_all(
    doc: ComposeDoc, targets: Mapping[int, Target], registry: Registry, *, campaign: Any | None = None
) -> dict[int, list[Count]]:
    """Each selected account's part lengths, counted as its network counts them (links tagged
    with ``campaign``'s UTM parameters, as they will go out)."""
    out: dict[int, list[Count]] = {}
    for account_id in doc.account_ids:
        t = targets.get(account_id)
        if t is None:  # not loaded (yet): nothing to count against
            continue
        texts = tagged(doc, t, doc.parts_for(account_id), campaign)
        out[account_id] = measure_parts(registry.get(t.network), t.limits, texts)
    return out


def request_for(doc: ComposeDoc, target: Target, *, campaign: Any | None = None) -> PostRequest:
    """What the provider would be asked to publish for ``target`` (first comment included, links
    tagged with ``campaign``'s UTM parameters)."""
    texts = doc.parts_for(target.account_id)
    if doc.first_comment.strip() and target.threads:
        texts = [*texts, doc.first_comment]
    texts = tagged(doc, target, texts, campaign)
    media = tuple(m.item() for m in doc.media_for(target.account_id))
    parts = tuple(PostPart(t, media if i == 0 else ()) for i, t in enumerate(texts))
    return PostRequest(parts=parts, link=doc.link or None)


def validate_target(
    doc: ComposeDoc,
    target: Target,
    provider: Provider,
    *,
    require_alt: bool = False,
    campaign: Any | None = None,
) -> list[Problem]:
    """The problems ``target``'s network would refuse the post for, plus the user's own rules."""
    request = request_for(doc, target, campaign=campaign)
    problems = list(provider.validate(request, target.limits))
    if require_alt and target.alt_text:
        for m in request.parts[0].media:
            if m.mime.startswith("image/") and not m.alt_text.strip():
                problems.append(Problem("alt_missing", f"{m.path.name} has no alt text (describe the image)."))
    return problems


def validate_all(
    doc: ComposeDoc,
    targets: Mapping[int, Target],
    registry: Registry,
    *,
    require_alt: bool = False,
    campaign: Any | None = None,
) -> dict[int, list[Problem]]:
    """Each selected account's problems (an empty list: ready to schedule)."""
    return {
        a: validate_target(
            doc, targets[a], registry.get(targets[a].network), require_alt=require_alt, campaign=campaign
        )
        for a in doc.account_ids
        if a not in doc.locked and a in targets
    }


def check_media(media: MediaRef, targets: Iterable[Target], registry: Registry) -> dict[int, list[Problem]]:
    """Whether each target network takes this file (type, size), checked when it is added."""
    out: dict[int, list[Problem]] = {}
    for t in targets:
        request = PostRequest.single("x", [media.item()])
        found = [p for p in registry.get(t.network).validate(request, t.limits) if p.code.startswith("media")]
        if found:
            out[t.account_id] = found
    return out


def require_alt_text(ctx: AppContext) -> bool:
    return bool(app_settings.get(ctx, REQUIRE_ALT_TEXT))


# --- splitting ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\S+\s*")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"')\]]*\s+$")


def auto_split(text: str, provider: Provider, limits: Limits, *, numbering: bool = False) -> list[str]:
    """``text`` cut into parts that each fit ``limits`` as ``provider`` counts, at sentence
    boundaries where possible, else between words (a word longer than a part is cut).
    With ``numbering``, each part ends in " 1/3" and still fits."""
    text = text.strip()
    if not text:
        return [""]
    if provider.measure(text, limits) <= limits.max_chars:
        return [text]
    reserve = 0
    parts = [text]
    for _ in range(4):  # the suffix width depends on the count, which depends on the width
        reserve = len(f" {len(parts)}/{len(parts)}") if numbering else 0
        parts = _split(text, provider, limits, limits.max_chars - reserve)
        if not numbering or len(f" {len(parts)}/{len(parts)}") <= reserve:
            break
    if numbering:
        parts = [f"{p} {i}/{len(parts)}" for i, p in enumerate(parts, 1)]
    return parts


def _split(text: str, provider: Provider, limits: Limits, budget: int) -> list[str]:
    def fits(chunk: str) -> bool:
        return provider.measure(chunk.strip(), limits) <= budget

    tokens = _TOKEN.findall(text)
    parts: list[str] = []
    current: list[str] = []
    for token in tokens:
        if fits("".join([*current, token])):
            current.append(token)
            continue
        if current:
            # prefer to end the part at its last sentence end, if that keeps it at least half full
            cut = max((i for i, t in enumerate(current) if _SENTENCE_END.search(t)), default=-1) + 1
            if cut and cut < len(current) and len("".join(current[:cut])) * 2 >= len("".join(current)):
                parts.append("".join(current[:cut]).strip())
                current = current[cut:]
            else:
                parts.append("".join(current).strip())
                current = []
            if fits("".join([*current, token])):
                current.append(token)
                continue
            if current:
                parts.append("".join(current).strip())
                current = []
        # one word longer than a whole part: cut it
        piece = ""
        for ch in token:
            if piece and not fits(piece + ch):
                parts.append(piece.strip())
                piece = ""
            piece += ch
        current = [piece]
    if current and "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


# --- saving and loading -----------------------------------------------------------------------


def save_draft(ctx: AppContext, doc: ComposeDoc) -> int:
    """Save ``doc`` as a draft (new post, or the one being edited); returns the post id.
    Variants already live (or in flight) are left alone; the rest become drafts. Raises
    :class:`Conflict` when a variant changed since it was read (a publisher claimed it)."""
    with _guard(), ctx.session() as s:
        post = _write(ctx, s, doc)
        for v in post.variants:
            if v.state in EDITABLE and v.state != VariantState.PARTIALLY_LIVE:
                v.state = VariantState.DRAFT
                v.scheduled_at = doc.at
        s.flush()
        doc.versions = {v.account_id: v.version for v in post.variants}
        return post.id


def schedule(ctx: AppContext, doc: ComposeDoc, when: When, *, clock: datetime | None = None) -> int:
    """Save ``doc`` and schedule every variant not yet live; returns the post id.

    The same rules as the command line and CSV import (:func:`desktop.services.posts.schedule_variants`):
    refused with :class:`PostRejected` (nothing changes) if any target would refuse its variant,
    with :class:`PostError` for a time in the past or an account with no free slot, and with
    :class:`Conflict` when a variant changed since it was read.
    """
    current = clock or utcnow()
    if not doc.account_ids:
        raise PostError("Pick at least one account to post to.")
    with _guard(), ctx.session() as s:
        post = _write(ctx, s, doc)
        s.flush()
        variants = [v for v in post.variants if v.state in EDITABLE and v.state != VariantState.CANCELLED]
        schedule_variants(ctx, s, post, variants, replace(when, draft=False), current=current)
        s.flush()
        doc.versions = {v.account_id: v.version for v in post.variants}
        return post.id


@contextmanager
def _guard() -> Iterator[None]:
    """A flush that finds a variant changed since it was read becomes a sentence for the user."""
    try:
        yield
    except StaleDataError:
        raise Conflict(CHANGED_ELSEWHERE) from None


def _write(ctx: AppContext, s: Session, doc: ComposeDoc) -> Post:
    """Write ``doc`` into its post (created if new), in place; never touches live variants, and
    keeps a partially live thread's live parts as they went out. Every variant row written is
    checked against the version read (the ORM's version counter), so a claim in between wins."""
    if doc.post_id is not None:
        post = s.scalar(select(Post).where(Post.id == doc.post_id).options(*_LOAD))
        if post is None:
            raise PostNotFound(doc.post_id)
    else:
        post = Post(timezone=user_zone_name(ctx))
        s.add(post)
    accounts = {a.id: a for a in s.scalars(select(Account).where(Account.id.in_(doc.account_ids)))}
    missing = set(doc.account_ids) - set(accounts)
    if missing:
        raise PostError(f"Account(s) {sorted(missing)} no longer exist.")
    for v in post.variants:
        read = doc.versions.get(v.account_id)
        if read is not None and v.version != read:
            raise Conflict(CHANGED_ELSEWHERE)
    before = {v.account_id: _tagging_inputs(post, v) for v in post.variants}
    # A variant with live parts keeps what it was published with.
    for v in post.variants:
        if (v.state in LOCKED or v.remote_parts) and v.text is None:
            parts = effective_parts(post, v)
            v.text, v.thread = parts[0], parts[1:]
    post.text = doc.parts[0] if doc.parts else ""
    post.thread = list(doc.parts[1:])
    post.first_comment = doc.first_comment if doc.first_comment.strip() else ""
    post.link = doc.link
    # A post may stay in its campaign after the campaign is archived; it cannot join one then.
    kept = post.campaign is not None and doc.campaign is not None and post.campaign.name.lower() == doc.campaign.lower()
    post.campaign_id = campaign_id_for(s, doc.campaign, archived_ok=kept)
    # Opt-outs of links no longer in the post go with them.
    present = set(utm.links_in([*doc.parts, doc.first_comment, doc.link, *_override_texts(doc)]))
    post.no_utm = [u for u in dict.fromkeys(doc.no_utm) if u in present]
    _set_attachments(ctx, s, post.attachments, doc.media)
    existing = {v.account_id: v for v in post.variants}
    for account_id in doc.account_ids:
        found = existing.get(account_id)
        v = found if found is not None else Variant(post=post, account=accounts[account_id], state=VariantState.DRAFT)
        if found is None:
            s.add(v)
        if v.state in LOCKED:
            continue
        # Written whatever changed, so the flush checks the version read even when only the
        # shared text changed: a claim in between then refuses this save instead of letting
        # the publisher send the old text under the new one's name.
        v.updated_at = utcnow()
        override = doc.overrides.get(account_id)
        new_parts = override.parts if override is not None and override.parts is not None else None
        if v.remote_parts:
            _keep_live_parts(v, new_parts if new_parts is not None else list(doc.parts), accounts[account_id].handle)
        elif new_parts is not None:
            v.text = new_parts[0] if new_parts else ""
            v.thread = list(new_parts[1:])
        else:
            v.text, v.thread = None, None
        if override is not None and override.media is not None:
            v.media_overridden = True
            _set_attachments(ctx, s, v.attachments, override.media)
        elif not v.remote_parts:
            v.media_overridden = False
            v.attachments.clear()
        if v.state == VariantState.CANCELLED:
            v.state = VariantState.DRAFT
        if found is not None and v.tagged_texts is not None and _tagging_inputs(post, v) != before[account_id]:
            # Worked out again at the next claim; a partially live thread keeps its live parts' texts.
            live = len(v.remote_parts or [])
            v.tagged_texts = list(v.tagged_texts[:live]) if live else None
    for account_id, v in existing.items():
        if account_id in doc.account_ids or v.state in LOCKED:
            continue
        if v.attempt_count == 0 and not v.attempts and not v.remote_parts:
            post.variants.remove(v)
            s.delete(v)
        elif v.state != VariantState.CANCELLED:
            v.state = VariantState.CANCELLED
    s.flush()
    return post


def _tagging_inputs(post: Post, v: Variant) -> tuple[Any, ...]:
    """What a variant's tagged texts are worked out from: a change in any makes them stale."""
    return (effective_parts(post, v), post.first_comment, post.link, post.campaign_id, list(post.no_utm or []))


def _override_texts(doc: ComposeDoc) -> list[str]:
    return [t for o in doc.overrides.values() if o.parts for t in o.parts]


def _keep_live_parts(v: Variant, parts: list[str], handle: str) -> None:
    """A partially live thread may change only after its live parts."""
    live = len(v.remote_parts)
    before = [v.text or "", *(v.thread or [])][:live]
    if parts[:live] != before:
        shown = "Part 1 is" if live == 1 else f"Parts 1–{live} are"
        raise PostError(
            f"{shown} already public on {handle} and cannot be changed here; edit only the parts after "
            f"{'it' if live == 1 else 'them'}, or delete the thread on the network and cancel this post."
        )
    v.text, v.thread = parts[0], list(parts[1:])


def _set_attachments(ctx: AppContext, s: Session, rows: list[Attachment], media: Sequence[MediaRef]) -> None:
    """Replace an owner's attachments (appending to the relationship list sets the owner)."""
    rows.clear()
    for position, ref in enumerate(media):
        stored_row = store_media(ctx, s, ref.path, ref.alt_text)  # already in the data dir: found by hash
        rows.append(Attachment(media_id=stored_row.id, alt_text=ref.alt_text, position=position, part=0))


_LOAD = (
    selectinload(Post.variants).selectinload(Variant.account),
    selectinload(Post.variants).selectinload(Variant.attachments).selectinload(Attachment.media),
    selectinload(Post.attachments).selectinload(Attachment.media),
    selectinload(Post.campaign),
)


def load_post(ctx: AppContext, post_id: int) -> ComposeDoc:
    """The stored post as a document, to edit a draft, a scheduled or a failed post."""
    from desktop.services.posts import post_status

    with ctx.session() as s:
        post = s.scalar(select(Post).where(Post.id == post_id).options(*_LOAD))
        if post is None:
            raise PostNotFound(post_id)
        thread = list(post.thread or [])

        def refs(rows: Iterable[Attachment]) -> list[MediaRef]:
            out = []
            for a in rows:
                sm = stored(ctx, a.media)
                out.append(MediaRef(sm.path, sm.mime, sm.size, sm.width, sm.height, a.alt_text, sm.original_name))
            return out

        doc = ComposeDoc(
            parts=[post.text, *thread],
            media=refs(post.attachments),
            first_comment=post.first_comment,
            campaign=post.campaign.name if post.campaign else None,
            link=post.link,
            post_id=post.id,
            status=post_status(v.state for v in post.variants),
            no_utm=[str(u) for u in post.no_utm or []],
        )
        locked = set()
        for v in post.variants:
            if v.state == VariantState.CANCELLED:
                continue
            doc.account_ids.append(v.account_id)
            if v.state in LOCKED:
                locked.add(v.account_id)
            override = Override()
            if v.text is not None:
                override.parts = effective_parts(post, v)
            if v.media_overridden:
                override.media = refs(v.attachments)
            if override.parts is not None or override.media is not None:
                doc.overrides[v.account_id] = override
            if doc.at is None and v.scheduled_at is not None and v.state not in LOCKED:
                doc.at = v.scheduled_at
        doc.locked = frozenset(locked)
        doc.versions = {v.account_id: v.version for v in post.variants}
        return doc


def newest_draft(ctx: AppContext) -> int | None:
    """The most recently edited post whose variants are all drafts (to reopen the composer on)."""
    with ctx.session() as s:
        not_draft = select(Variant.post_id).where(Variant.state != VariantState.DRAFT)
        return s.scalar(
            select(Post.id).where(Post.id.not_in(not_draft)).order_by(Post.updated_at.desc(), Post.id.desc()).limit(1)
        )


def store_file(ctx: AppContext, path: Path, alt_text: str = "") -> MediaRef:
    """Copy a file into the data dir (by content hash) and describe it. Slow: off the GUI thread."""
    with ctx.session() as s:
        sm = store_media(ctx, s, Path(path), alt_text)
        return MediaRef(sm.path, sm.mime, sm.size, sm.width, sm.height, alt_text, Path(path).name)


def without_override(doc: ComposeDoc, account_id: int) -> ComposeDoc:
    """``doc`` with ``account_id`` back on the shared content."""
    overrides = dict(doc.overrides)
    overrides.pop(account_id, None)
    return replace(doc, overrides=overrides)
