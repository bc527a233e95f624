"""Saving a document to the store and loading it back: a post is edited in place, so every
variant keeps its idempotency key; live variants are never changed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from desktop.services import utm
from desktop.services.compose.document import ComposeDoc, MediaRef, Override
from desktop.services.media import store_media, stored
from desktop.services.posts import (
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
    Attachment,
    Post,
    Variant,
    VariantState,
    utcnow,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.services.context import AppContext

#: Variants in these states are live, in flight or still being imported: the composer never changes them.
LOCKED = frozenset(set(VariantState) - EDITABLE - {VariantState.PARTIALLY_LIVE})
#: Said when a save loses a race with a publisher (or another window).
CHANGED_ELSEWHERE = (
    "This post changed while you were editing it (it may be going out right now). Nothing was overwritten: "
    "close it and open it again to see where it stands."
)


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


def discard_draft(ctx: AppContext, doc: ComposeDoc) -> bool:
    """Delete ``doc``'s stored post when it is still what this document last saved: a draft
    whose variants are at the versions read. Raises :class:`Conflict` when it moved on since
    (scheduled, claimed, edited in another window); False when it is already gone."""
    if doc.post_id is None:
        return False
    with _guard(), ctx.session() as s:
        post = s.scalar(select(Post).where(Post.id == doc.post_id).options(*_LOAD))
        if post is None:
            return False
        for v in post.variants:
            if v.state != VariantState.DRAFT or doc.versions.get(v.account_id, v.version) != v.version:
                raise Conflict(CHANGED_ELSEWHERE)
        s.delete(post)  # its variants' versions are checked by the DELETE itself
        s.flush()
        return True
