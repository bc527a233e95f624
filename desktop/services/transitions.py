"""Every change of a variant's state, in one place.

Each transition is one conditional ``UPDATE … WHERE state IN (expected)`` that also bumps the
variant's ``version`` (which the ORM checks on its own flushes), so the GUI, the CLI, the importer
and any number of publishers can never overwrite one another: whoever writes second finds no
row to change, and is told so in words (:class:`Conflict`), never silently.

The sets below say, per action, which states it may start from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from desktop.store.database import rows_changed
from desktop.store.models import Post, PublishAttempt, Variant, VariantState, utcnow

S = VariantState

#: Waiting for its time: the publisher claims these when due.
DUE = frozenset({S.SCHEDULED, S.RETRYING})
#: Stopped and waiting for the user.
NEEDS_USER = frozenset({S.FAILED, S.NEEDS_RECONNECT, S.PARTIALLY_LIVE, S.OUTCOME_UNKNOWN})
#: The user may cancel these (nothing more will be sent; live parts stay live).
CANCELLABLE = frozenset({S.DRAFT, S.SCHEDULED, S.RETRYING, *NEEDS_USER})
#: "Retry" sends these again (a partially live thread resumes after its last live part).
RETRYABLE = frozenset({*NEEDS_USER, S.CANCELLED})
#: The composer may rewrite these (a partially live variant only after its live parts).
EDITABLE = frozenset({S.DRAFT, S.SCHEDULED, S.RETRYING, *NEEDS_USER, S.CANCELLED})
#: The calendar may move these (a retrying one keeps its retry time: retry or edit it first).
MOVABLE = frozenset({S.DRAFT, S.SCHEDULED})
#: Nothing may change these but the publisher that holds the claim (nor delete their post).
IN_FLIGHT = frozenset({S.PUBLISHING})


class Conflict(Exception):
    """A write lost a race: the variant changed since it was read. The message is for the user."""


def _bump(now: datetime | None = None) -> dict[str, Any]:
    return {"version": Variant.version + 1, "updated_at": now or utcnow()}


def move(
    s: Session,
    variant_ids: int | Iterable[int],
    *,
    expected: Iterable[VariantState],
    to: VariantState | None = None,
    where: Sequence[Any] = (),
    values: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Move variants that are still in one of the ``expected`` states (and match ``where``) to
    ``to`` (None: keep the state, change only ``values``). Returns how many rows changed."""
    ids = [variant_ids] if isinstance(variant_ids, int) else list(variant_ids)
    if not ids:
        return 0
    fields: dict[str, Any] = {**_bump(now), **(values or {})}
    if to is not None:
        fields["state"] = to
    result = s.execute(
        update(Variant)
        .where(Variant.id.in_(ids), Variant.state.in_(list(expected)), *where)
        .values(**fields)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def move_one(
    s: Session,
    variant_id: int,
    *,
    expected: Iterable[VariantState],
    to: VariantState | None = None,
    where: Sequence[Any] = (),
    values: Mapping[str, Any] | None = None,
    conflict: str | None = None,
    now: datetime | None = None,
) -> bool:
    """:func:`move` for one variant; with ``conflict``, losing the race raises :class:`Conflict`."""
    changed = move(s, variant_id, expected=expected, to=to, where=where, values=values, now=now) == 1
    if not changed and conflict is not None:
        raise Conflict(conflict)
    return changed


# --- the user's actions ---------------------------------------------------------------------------


def cancel(s: Session, variant_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Cancel variants that have not gone out (or have stopped). Never one being published.

    A variant an earlier attempt may have sent (a timeout, a crash) keeps ``next_attempt_at`` as a
    mark: the publisher then asks the network once whether it went out after all, and records it."""
    ids = list(variant_ids)
    when = now or utcnow()
    tried = set(s.scalars(select(PublishAttempt.variant_id).where(PublishAttempt.variant_id.in_(ids)).distinct()))
    values: dict[str, Any] = {"claimed_by": "", "claimed_at": None}
    checked = [i for i in ids if i in tried]
    untried = [i for i in ids if i not in tried]
    return move(
        s, checked, expected=CANCELLABLE, to=S.CANCELLED, values={**values, "next_attempt_at": when}, now=when
    ) + move(s, untried, expected=CANCELLABLE, to=S.CANCELLED, values={**values, "next_attempt_at": None}, now=when)


def retry(s: Session, variant_ids: Iterable[int], *, at: datetime) -> int:
    """Send again at ``at`` with a fresh attempt budget, the same idempotency key and the live
    parts kept (a thread resumes after them)."""
    return move(
        s,
        variant_ids,
        expected=RETRYABLE,
        to=S.SCHEDULED,
        values={"scheduled_at": at, "next_attempt_at": None, "notified_at": None, "attempt_count": 0},
    )


def reschedule(s: Session, variant_id: int, at: datetime | None, *, now: datetime | None = None) -> bool:
    """Move a variant that is still movable to ``at``."""
    return move_one(s, variant_id, expected=MOVABLE, values={"scheduled_at": at}, now=now)


def resume_reconnected(s: Session, account_id: int) -> int:
    """Posts held while the account needed reconnecting are scheduled again."""
    ids = s.scalars(
        select(Variant.id).where(Variant.account_id == account_id, Variant.state == S.NEEDS_RECONNECT)
    ).all()
    return move(s, ids, expected={S.NEEDS_RECONNECT}, to=S.SCHEDULED, values={"last_error": ""})


def mark_notified(s: Session, variant_id: int, now: datetime) -> bool:
    return move_one(
        s, variant_id, expected=NEEDS_USER, where=(Variant.notified_at.is_(None),), values={"notified_at": now}
    )


# --- imports --------------------------------------------------------------------------------------


def release_import(s: Session, job: str) -> int:
    """Hand a finished import's rows to the publisher, all at once: one conditional UPDATE."""
    posts = select(Post.id).where(Post.import_job == job)
    changed = rows_changed(
        s.execute(
            update(Variant)
            .where(Variant.post_id.in_(posts), Variant.state == S.IMPORTING)
            .values(state=S.SCHEDULED, **_bump())
            .execution_options(synchronize_session=False)
        )
    )
    s.execute(
        update(Post).where(Post.import_job == job).values(import_job=None).execution_options(synchronize_session=False)
    )
    return changed


def discard_import(s: Session, job: str) -> int:
    """Undo a failed import: delete only its unreleased rows (never a released, live post), in one
    statement whatever the import's size."""
    released = select(Variant.id).where(Variant.post_id == Post.id, Variant.state != S.IMPORTING)
    return rows_changed(
        s.execute(
            delete(Post).where(Post.import_job == job, ~exists(released)).execution_options(synchronize_session=False)
        )
    )
