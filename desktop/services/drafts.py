"""Drafts and ideas: posts not scheduled yet, found by what they say, and removed only as read.

A *draft* is a post (not imported, not external) whose variants are all in the ``draft`` state,
with or without a tentative time, and a post with no target account yet. The search runs in SQL
(``lower() LIKE``, portable to PostgreSQL) over every part of the shared text, the first comment,
each account's own text, the campaign's name and the target accounts' handles.

Deleting is conditional (:func:`delete_drafts`): a post is deleted only if it is still all
drafts and nobody has edited it since the row the user chose was read; the others stay, and the
answer says why in words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from desktop.services import recurrence
from desktop.store.database import rows_changed
from desktop.store.models import Account, Attachment, Campaign, Post, PublishAttempt, Variant, VariantState

if TYPE_CHECKING:
    from desktop.services.context import AppContext

#: Characters of the text shown as a draft's "first words".
FIRST_WORDS = 120
_ESCAPE = "!"


@dataclass(frozen=True)
class DraftTarget:
    """One account a draft will go to."""

    account_id: int
    handle: str
    network: str
    #: This account has its own text or media.
    overridden: bool = False


@dataclass(frozen=True)
class DraftStamp:
    """What a draft looked like when read: a delete goes ahead only if it still looks so."""

    updated_at: datetime
    variants: int


@dataclass(frozen=True)
class DraftRow:
    id: int
    #: The shared text's first part (or the first account's own text when the shared one is empty).
    text: str
    parts: int
    targets: tuple[DraftTarget, ...]
    campaign_id: int | None
    campaign: str | None
    campaign_color: str | None
    media: int
    created_at: datetime
    #: The latest edit of the post or any of its variants.
    updated_at: datetime
    #: The tentative time the user picked (earliest over the accounts), if any.
    planned_at: datetime | None
    stamp: DraftStamp

    @property
    def first_words(self) -> str:
        return excerpt(self.text)


def excerpt(text: str, limit: int = FIRST_WORDS) -> str:
    """The text on one line, cut at a word boundary near ``limit`` with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if " " in cut[limit // 2 :]:  # end on a whole word unless that loses half the text
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


def _is_draft() -> Any:
    """Posts of our own whose variants are all drafts (also those with no variant yet)."""
    not_draft = exists().where(Variant.post_id == Post.id, Variant.state != VariantState.DRAFT)
    return (Post.external.is_(False), Post.import_job.is_(None), ~not_draft)


def _like(needle: str) -> str:
    escaped = needle.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"%{escaped}%"


def _matches(column: Any, needle: str) -> Any:
    return func.lower(column).like(_like(needle), escape=_ESCAPE)


def _matches_json(column: Any, needle: str) -> Any:
    """A JSON list of strings contains ``needle``: stored JSON escapes non-ASCII (and quotes), so
    the needle is looked for as written and as JSON writes it."""
    text = func.lower(cast(column, String))
    as_json = json.dumps(needle)[1:-1]
    found = text.like(_like(needle), escape=_ESCAPE)
    return found if as_json == needle else or_(found, text.like(_like(as_json), escape=_ESCAPE))


def _search(needle: str) -> Any:
    in_variant = exists().where(
        Variant.post_id == Post.id,
        or_(_matches(Variant.text, needle), _matches_json(Variant.thread, needle)),
    )
    in_handle = exists().where(
        Variant.post_id == Post.id,
        Account.id == Variant.account_id,
        or_(_matches(Account.handle, needle), _matches(Account.display_name, needle)),
    )
    in_campaign = exists().where(Campaign.id == Post.campaign_id, _matches(Campaign.name, needle))
    return or_(
        _matches(Post.text, needle),
        _matches_json(Post.thread, needle),
        _matches(Post.first_comment, needle),
        in_variant,
        in_handle,
        in_campaign,
    )


_LOAD = (
    selectinload(Post.variants).selectinload(Variant.account),
    selectinload(Post.variants).selectinload(Variant.attachments),
    selectinload(Post.attachments),
    selectinload(Post.campaign),
)


def _row(post: Post) -> DraftRow:
    variants = list(post.variants)
    updated = max([post.updated_at, *(v.updated_at for v in variants)])
    overrides = [v for v in variants if v.text is not None]
    text = post.text
    if not text.strip() and overrides:
        text = overrides[0].text or ""
    parts = max([1 + len(post.thread or []), *(1 + len(v.thread or []) for v in overrides)])
    media = {a.media_id for a in post.attachments} | {a.media_id for v in variants for a in v.attachments}
    planned = [v.scheduled_at for v in variants if v.scheduled_at is not None]
    campaign = post.campaign
    return DraftRow(
        id=post.id,
        text=text,
        parts=parts,
        targets=tuple(
            DraftTarget(v.account_id, v.account.handle, v.account.provider, v.text is not None or v.media_overridden)
            for v in variants
        ),
        campaign_id=campaign.id if campaign else None,
        campaign=campaign.name if campaign else None,
        campaign_color=campaign.color if campaign else None,
        media=len(media),
        created_at=post.created_at,
        updated_at=updated,
        planned_at=min(planned) if planned else None,
        stamp=DraftStamp(updated, len(variants)),
    )


def list_drafts(
    ctx: AppContext,
    *,
    search: str = "",
    campaign_id: int | None = None,
    account_id: int | None = None,
) -> list[DraftRow]:
    """Every draft matching ``search`` (case-insensitive, anywhere in its texts, campaign name or
    handles) and the filters, most recently edited first."""
    query = select(Post).where(*_is_draft()).options(*_LOAD)
    needle = search.strip().lower()
    if needle:
        query = query.where(_search(needle))
    if campaign_id is not None:
        query = query.where(Post.campaign_id == campaign_id)
    if account_id is not None:
        query = query.where(exists().where(Variant.post_id == Post.id, Variant.account_id == account_id))
    with ctx.session() as s:
        rows = [_row(p) for p in s.scalars(query)]
    rows.sort(key=lambda r: (r.updated_at, r.id), reverse=True)
    return rows


@dataclass(frozen=True)
class Refused:
    post_id: int
    #: What the user knows the draft by.
    label: str
    reason: str


#: The rows a deleted draft is made of, parents first (what "Undo" writes back as they were).
_TABLES = tuple(Post.metadata.tables[t] for t in ("posts", "variants", "attachments", "publish_attempts"))


@dataclass(frozen=True)
class Snapshot:
    """Deleted drafts' rows exactly as they were (ids, times, idempotency keys), per table."""

    rows: tuple[tuple[str, tuple[dict[str, Any], ...]], ...] = ()

    def __bool__(self) -> bool:
        return any(rows for _table, rows in self.rows)


def _snapshot(s: Session, post_ids: list[int]) -> Snapshot:
    if not post_ids:
        return Snapshot()
    variants = select(Variant.id).where(Variant.post_id.in_(post_ids))
    owned: dict[str, Any] = {
        "posts": Post.id.in_(post_ids),
        "variants": Variant.post_id.in_(post_ids),
        "attachments": or_(Attachment.post_id.in_(post_ids), Attachment.variant_id.in_(variants)),
        "publish_attempts": PublishAttempt.variant_id.in_(variants),
    }
    return Snapshot(
        tuple(
            (table.name, tuple(dict(r) for r in s.execute(select(table).where(owned[table.name])).mappings()))
            for table in _TABLES
        )
    )


@dataclass(frozen=True)
class DraftsDeleted:
    deleted: tuple[int, ...]
    refused: tuple[Refused, ...]
    #: What :func:`restore_drafts` puts back ("Undo").
    snapshot: Snapshot = Snapshot()

    @property
    def message(self) -> str:
        """One paragraph for the status bar or a message box."""
        said = []
        if self.deleted:
            n = len(self.deleted)
            said.append(f"Deleted {n} draft{'s' if n != 1 else ''}.")
        for r in self.refused:
            said.append(f"“{r.label}” {r.reason}")
        return " ".join(said)


def _why_kept(s: Session, post_id: int) -> tuple[str, str]:
    post = s.scalar(select(Post).where(Post.id == post_id).options(selectinload(Post.variants)))
    if post is None:
        return f"Draft {post_id}", "was already deleted."
    label = excerpt(post.text or next((v.text for v in post.variants if v.text), "") or "", 40) or f"Draft {post_id}"
    if post.external or post.import_job is not None:
        return label, "is not a draft, so it was kept."
    if any(v.state != VariantState.DRAFT for v in post.variants):
        return label, "was scheduled or published meanwhile, so it was kept. Look for it on the calendar."
    return label, "was edited since you chose to delete it, so it was kept. Look at it again first."


def delete_drafts(ctx: AppContext, post_ids: Iterable[int], *, expected: Mapping[int, DraftStamp]) -> DraftsDeleted:
    """Delete the drafts ``post_ids`` that are still all drafts and unchanged since ``expected``
    (each post's :attr:`DraftRow.stamp` as the user saw it). One conditional DELETE per post, so
    a save, a schedule or a publisher's claim in between keeps the post; its variants, attachments
    and attempts go with it (foreign keys cascade). The answer carries a :class:`Snapshot` of what
    went, for :func:`restore_drafts`: read in the same transaction just before, and a delete that
    goes ahead proves nothing changed since ``expected``, so it is exactly what was deleted."""
    deleted: list[int] = []
    refused: list[Refused] = []
    kept: list[Snapshot] = []
    with ctx.session() as s:
        for post_id in dict.fromkeys(post_ids):
            stamp = expected.get(post_id)
            if stamp is not None:
                before = _snapshot(s, [post_id])
                if _delete_if_unchanged(s, post_id, stamp):
                    deleted.append(post_id)
                    kept.append(before)
                    continue
            label, reason = _why_kept(s, post_id)
            refused.append(Refused(post_id, label, reason))
    merged = tuple((t.name, tuple(r for snap in kept for r in dict(snap.rows).get(t.name, ()))) for t in _TABLES)
    return DraftsDeleted(tuple(deleted), tuple(refused), Snapshot(merged))


def _delete_if_unchanged(s: Session, post_id: int, stamp: DraftStamp) -> bool:
    edited_or_moved = exists().where(
        Variant.post_id == Post.id,
        or_(Variant.state != VariantState.DRAFT, Variant.updated_at > stamp.updated_at),
    )
    count = select(func.count(Variant.id)).where(Variant.post_id == Post.id).scalar_subquery()
    result = s.execute(
        delete(Post)
        .where(
            Post.id == post_id,
            Post.external.is_(False),
            Post.import_job.is_(None),
            Post.updated_at <= stamp.updated_at,
            ~edited_or_moved,
            count == stamp.variants,
        )
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result) == 1


class RestoreFailed(Exception):
    """Undo could not put the drafts back. The message is for the user."""


def restore_drafts(ctx: AppContext, snapshot: Snapshot) -> int:
    """Put deleted drafts back exactly as they were (same ids, texts, times, accounts, media),
    all or none; returns how many posts came back. Refused in words if one of their ids was
    taken again meanwhile, or an account or campaign they used was removed."""
    if not snapshot:
        return 0
    tables = {t.name: t for t in _TABLES}
    try:
        with ctx.session() as s:
            for name, rows in snapshot.rows:
                if rows:
                    s.execute(insert(tables[name]), list(rows))
    except IntegrityError:
        raise RestoreFailed(
            "The drafts could not be brought back: an account, campaign or media file they used was removed "
            "meanwhile, or a new post took their place."
        ) from None
    return len(dict(snapshot.rows).get("posts", ()))


def duplicate_draft(ctx: AppContext, post_id: int) -> int:
    """A copy of a draft (text, media, accounts, campaign, tentative time), itself a draft."""
    return recurrence.duplicate_post(ctx, post_id)


def draft_ids(rows: Sequence[DraftRow]) -> dict[int, DraftStamp]:
    """The ``expected`` argument of :func:`delete_drafts` for rows the user chose."""
    return {r.id: r.stamp for r in rows}
