"""Importing an account's recent posts published outside the app, so the dashboard is not empty
on day one.

Each top-level post found on the network that the app does not know (neither a variant's
``remote_id`` nor any part in its ``remote_parts``, for that account) becomes an *external*
post: ``Post(external=True)`` with one published variant and the counters the network reported
with it as its first snapshots. External posts are never published, scheduled or queued, and
the calendar, the queue and ``posts list`` leave them out; the dashboard counts them.

Replies are not imported: a reply under one of the account's posts is part of that post's
thread (an app thread's parts are already known by their ids), and a reply to someone else is a
conversation, not a post to measure. Running the import again adds only what is new.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from desktop.services import app_settings
from desktop.services.metrics.store import Reading, refresh_variant_stats, write_readings
from desktop.store.models import Post, Variant, VariantState, utcnow
from providers.base import RemotePost

if TYPE_CHECKING:
    from desktop.services.context import AppContext

#: Settings key marking an account whose history was imported (value: when, ISO 8601 UTC).
HISTORY_KEY = "metrics.history_imported.{account_id}"


def history_key(account_id: int) -> str:
    return HISTORY_KEY.format(account_id=account_id)


def history_imported(ctx: AppContext, account_id: int) -> bool:
    return bool(app_settings.get(ctx, history_key(account_id)))


def known_remote_ids(ctx: AppContext, account_id: int) -> set[str]:
    """Every remote id the app has for the account: each variant's, and each part of its threads."""
    with ctx.session() as s:
        rows = s.execute(select(Variant.remote_id, Variant.remote_parts).where(Variant.account_id == account_id)).all()
    known: set[str] = set()
    for remote_id, parts in rows:
        if remote_id:
            known.add(remote_id)
        for part in parts or ():
            if isinstance(part, dict) and part.get("remote_id"):
                known.add(str(part["remote_id"]))
    return known


def save_external_posts(
    ctx: AppContext,
    account_id: int,
    found: Sequence[RemotePost],
    *,
    offered: Sequence[str],
    zone: str,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Create external posts for what ``found`` holds that the app does not know. Returns how
    many, and how many snapshots (their first readings) were written."""
    taken_at = now or utcnow()
    known = known_remote_ids(ctx, account_id)
    new: list[RemotePost] = []
    for remote in sorted(found, key=lambda p: p.published_at):
        if remote.reply_to is not None or remote.remote_id in known:
            continue
        known.add(remote.remote_id)
        new.append(remote)
    if not new:
        return 0, 0
    with ctx.session() as s:
        readings = []
        for remote in new:
            post = Post(text=remote.text, timezone=zone, external=True)
            variant = Variant(
                account_id=account_id,
                state=VariantState.PUBLISHED,
                remote_id=remote.remote_id,
                remote_url=remote.url,
                remote_parts=[{"index": 0, "remote_id": remote.remote_id, "url": remote.url or None}],
                published_at=remote.published_at,
                metrics_synced_at=taken_at,
            )
            post.variants.append(variant)
            s.add(post)
            s.flush()
            values = {m: v for m, v in remote.metrics.items() if m in offered}
            readings.append(Reading(account_id, variant.id, values))
        snapshots = write_readings(s, readings, taken_at)
        refresh_variant_stats(s, variant_ids=[r.variant_id for r in readings if r.variant_id is not None])
    return len(new), snapshots
