"""Recurring posts, duplicates and deletion.

Recurrences are computed in the post's own IANA zone on the wall clock: "every Monday 09:00
Europe/Paris" stays 09:00 in Paris on both sides of a daylight-saving change (its UTC hour
moves instead). Each occurrence is a real post (its own variants and idempotency keys), and
the occurrences share ``Post.series_id`` so they can be deleted together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from desktop.services import transitions
from desktop.services.posts import PostError, PostNotFound
from desktop.store.models import Attachment, Post, Variant, VariantState, utcnow

if TYPE_CHECKING:
    from desktop.services.context import AppContext

MAX_OCCURRENCES = 366  # a year of daily posts; more is almost certainly a typo in the end date


def wall_clock_series(
    first: datetime, zone: str, every: int, unit: Literal["days", "weeks"], until: date
) -> list[datetime]:
    """The UTC times after ``first`` that repeat its local wall-clock time in ``zone``,
    every ``every`` days or weeks, up to and including the local date ``until``.

    A local time that does not exist (skipped by a spring-forward change) resolves the way
    zoneinfo does: to the same instant as the time an hour earlier on the old offset.
    """
    if every < 1:
        raise PostError("Repeat at least every 1 day or week.")
    if unit not in ("days", "weeks"):
        raise PostError(f"Repeat every N days or weeks, not {unit!r}.")
    tz = _zone(zone)
    local = first.astimezone(tz).replace(tzinfo=None)  # naive wall-clock time
    step = timedelta(days=every if unit == "days" else 7 * every)
    found: list[datetime] = []
    k = 1
    while True:
        wall = local + k * step
        if wall.date() > until:
            return found
        if len(found) >= MAX_OCCURRENCES:
            raise PostError(f"That makes more than {MAX_OCCURRENCES} posts; pick an earlier end date.")
        found.append(wall.replace(tzinfo=tz).astimezone(UTC))
        k += 1


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PostError(f"Unknown time zone {name!r}.") from exc


_LOAD = (selectinload(Post.variants).selectinload(Variant.attachments), selectinload(Post.attachments))


def _load(s: Session, post_id: int) -> Post:
    post = s.scalar(select(Post).where(Post.id == post_id).options(*_LOAD))
    if post is None:
        raise PostNotFound(post_id)
    return post


def _copy(s: Session, post: Post, times: dict[int, datetime | None], state_for: dict[int, VariantState]) -> Post:
    """A new post with ``post``'s content; one variant per entry of ``times`` (account → time)."""
    copy = Post(
        text=post.text,
        thread=list(post.thread or []),
        link=post.link,
        no_utm=list(post.no_utm or []),  # the links the user left without UTM tags stay so
        content_warning=post.content_warning,
        language=post.language,
        campaign_id=post.campaign_id,
        timezone=post.timezone,
        series_id=post.series_id,
    )
    for a in post.attachments:
        copy.attachments.append(Attachment(media_id=a.media_id, position=a.position, part=a.part, alt_text=a.alt_text))
    s.add(copy)
    for v in post.variants:
        if v.account_id not in times:
            continue
        variant = Variant(  # a fresh idempotency key: this is a different post on the network
            account_id=v.account_id,
            text=v.text,
            thread=list(v.thread) if v.thread is not None else None,
            media_overridden=v.media_overridden,
            state=state_for[v.account_id],
            scheduled_at=times[v.account_id],
        )
        for a in v.attachments:
            variant.attachments.append(
                Attachment(media_id=a.media_id, position=a.position, part=a.part, alt_text=a.alt_text)
            )
        copy.variants.append(variant)
    s.flush()
    return copy


def make_recurring(
    ctx: AppContext,
    post_id: int,
    every: int,
    unit: Literal["days", "weeks"],
    until: date,
    *,
    clock: datetime | None = None,
) -> list[int]:
    """Materialise copies of a post every ``every`` days/weeks until ``until`` (a local date,
    inclusive), at the same wall-clock time in the post's zone; returns the new post ids.

    Each variant repeats its own time; a draft stays a draft, anything else is scheduled.
    Occurrences already in the past are skipped. All share the post's series id.
    """
    now = clock or utcnow()
    with ctx.session() as s:
        post = _load(s, post_id)
        sources = [v for v in post.variants if v.state != VariantState.CANCELLED and v.scheduled_at is not None]
        if not sources:
            raise PostError("Give the post a time first; a recurrence repeats that time.")
        if post.series_id is None:
            post.series_id = uuid.uuid4().hex
        per_account = {
            v.account_id: wall_clock_series(v.scheduled_at, post.timezone, every, unit, until)  # type: ignore[arg-type]
            for v in sources
        }
        states = {
            v.account_id: VariantState.DRAFT if v.state == VariantState.DRAFT else VariantState.SCHEDULED
            for v in sources
        }
        count = max(len(times) for times in per_account.values())
        if count == 0:
            raise PostError(f"Nothing to repeat before {until:%d %b %Y}; pick a later end date.")
        created = []
        for k in range(count):
            times = {a: t[k] for a, t in per_account.items() if k < len(t) and t[k] >= now}
            if times:
                created.append(_copy(s, post, dict(times), states).id)
        return created


def duplicate_post(ctx: AppContext, post_id: int, at: datetime | None = None) -> int:
    """Copy a post (text, media, every non-cancelled variant) and return the new id.

    Without ``at`` the copy is a draft at the original's times (so it sits next to it on the
    calendar); with ``at`` every variant is scheduled then. The copy is not in any series.
    """
    if at is not None and at.tzinfo is None:
        raise PostError("The time has no timezone.")
    with ctx.session() as s:
        post = _load(s, post_id)
        keep = [v for v in post.variants if v.state != VariantState.CANCELLED] or list(post.variants)
        times = {v.account_id: at if at is not None else v.scheduled_at for v in keep}
        state = VariantState.DRAFT if at is None else VariantState.SCHEDULED
        series, post.series_id = post.series_id, None
        copy = _copy(s, post, times, {a: state for a in times})
        post.series_id = series
        return copy.id


@dataclass(frozen=True)
class Deleted:
    post_ids: tuple[int, ...]
    #: Variants that are live on their network: deleted here only, the network keeps them.
    published_kept: int

    @property
    def note(self) -> str:
        if not self.published_kept:
            return ""
        return (
            f"{self.published_kept} post(s) already public (in whole or in part) were removed from Campaign Desk "
            "only; they stay on the network until you delete them there."
        )


def _delete(s: Session, post_ids: list[int]) -> Deleted:
    posts = list(s.scalars(select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.variants))))
    variants = [v for p in posts for v in p.variants]
    if any(v.state in transitions.IN_FLIGHT for v in variants):
        raise PostError("It is being published right now; try again in a moment.")
    live = sum(1 for v in variants if v.state == VariantState.PUBLISHED or v.remote_parts)
    # ORM delete so the variants, attempts and attachments cascade on every database; each variant
    # row is deleted only at the version read, so a claim landing in between makes this fail whole
    try:
        for post in posts:
            s.delete(post)
        s.flush()
    except StaleDataError:
        raise transitions.Conflict(
            "It started publishing just now, so it was not deleted. Look again in a moment."
        ) from None
    return Deleted(tuple(post_ids), live)


def delete_post(ctx: AppContext, post_id: int) -> Deleted:
    """Delete a post and its variants here. Refused while any variant is being published.

    Published variants are deleted from Campaign Desk only: the network keeps them (delete
    them there, or with the network's own app).
    """
    with ctx.session() as s:
        if s.get(Post, post_id) is None:
            raise PostNotFound(post_id)
        return _delete(s, [post_id])


def delete_series(ctx: AppContext, series_id: str, from_post_id: int) -> Deleted:
    """Delete ``from_post_id`` and every later post of its series ("this and following")."""
    first_time = func.min(func.coalesce(Variant.published_at, Variant.scheduled_at))
    with ctx.session() as s:
        starts = dict(
            s.execute(
                select(Post.id, first_time)
                .join(Variant, Variant.post_id == Post.id, isouter=True)
                .where(Post.series_id == series_id)
                .group_by(Post.id)
            ).all()
        )
        if from_post_id not in starts:
            raise PostError("That post is not part of this series.")
        pivot = starts[from_post_id]
        ids = sorted(
            pid
            for pid, at in starts.items()
            if pid == from_post_id or (pivot is not None and at is not None and at >= pivot)
        )
        return _delete(s, ids)


def series_post_ids(ctx: AppContext, series_id: str) -> list[int]:
    with ctx.session() as s:
        return list(s.scalars(select(Post.id).where(Post.series_id == series_id).order_by(Post.id)))
