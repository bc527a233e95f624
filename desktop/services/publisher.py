"""The publisher: every due variant goes out once — never zero times, never twice.

One pass (:meth:`Publisher.run_once`):

0. What it will not send without the user is set aside, in words (:mod:`publish_holds`), and
   cancelled posts an earlier attempt may have sent are looked up once on the network.
1. Variants left in ``publishing`` by a process that died (its lease expired, or its pid is gone
   on this host) are *reconciled*: claimed again and resumed with the same idempotency key when
   the network still remembers it, else looked up with ``find_published`` first. Never blindly
   re-sent. Where the network cannot be asked (the account is paused or disconnected, or its
   plugin is missing) they move to ``outcome_unknown`` for the user to check.
2. Due variants are claimed one by one with a conditional ``UPDATE … WHERE state = …`` (and
   within their attempt budget), so two publishers (the app and a headless run, or two machines
   on one database) never both take one. The attempt row is committed *before* any HTTP call.
3. Accounts are served in parallel (one worker each, up to ``max_workers``); an account's
   variants go out one at a time in their scheduled order, each claimed just before it is sent.
   A thread's parts go out in order inside the provider, and each part's remote id is saved in
   its own commit the moment the network returns it. A retry resumes after the last saved part.
   The claim's lease is renewed while a long publish (media uploads) runs.
4. Each outcome is written back through :mod:`desktop.services.transitions`: published (every
   part live), retrying (backoff with jitter, or the network's Retry-After, capped), failed or
   partially_live (permanent: the network's own message), or needs_reconnect.

A pass cannot crash: each variant's whole step, its outcome write included, is guarded and ends
in a state the user can act on. What a pass did is a :class:`PassReport` (:mod:`publish_report`).
"""

from __future__ import annotations

import logging
import math
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from desktop.services import activity, app_settings, transitions
from desktop.services.accounts import AccountError, AccountHandle, open_account
from desktop.services.connections import CredentialRefresher
from desktop.services.posts import build_request, due_filter
from desktop.services.publish_holds import Holds
from desktop.services.publish_report import Outcome, PassReport

__all__ = ["MAX_RETRY_AFTER", "Outcome", "PassReport", "Publisher", "retry_delay", "runner_id"]
from desktop.services.transitions import S
from desktop.services.vault import VaultError
from desktop.store.database import rows_changed
from desktop.store.models import (
    Account,
    AccountStatus,
    AttemptOutcome,
    Post,
    PublishAttempt,
    Variant,
    VariantState,
    utcnow,
)
from providers.base import (
    AuthExpired,
    PostRequest,
    ProviderError,
    Published,
    PublishedPart,
    RateLimited,
    Transient,
)
from providers.registry import UnknownNetwork

if TYPE_CHECKING:
    from desktop.services.context import AppContext

log = logging.getLogger(__name__)

BACKOFF_BASE = 30.0  # seconds before the first retry
BACKOFF_CAP = 30 * 60.0
MAX_ATTEMPTS = 8
#: The longest wait a network's Retry-After can impose; a longer (or infinite) one is capped, so a
#: rate-limited post is tried again within a day rather than never.
MAX_RETRY_AFTER = 24 * 3600.0
LEASE = timedelta(minutes=10)  # a claim older than this, not renewed, belongs to a dead publisher
#: A cancelled post whose check on the network was taken but not finished (the publisher died, the
#: network failed) is checked again after this.
CHECK_AGAIN_AFTER = timedelta(minutes=15)
# Use the network's own idempotency only well inside the time it remembers keys.
IDEMPOTENCY_MARGIN = 0.8


def runner_id(kind: str) -> str:
    return f"{kind} {os.getpid()}@{socket.gethostname()} {uuid.uuid4().hex[:8]}"


def retry_delay(retry_after: float | None) -> float | None:
    """The network's Retry-After as a usable delay: finite, non-negative, at most a day."""
    if retry_after is None:
        return None
    try:
        value = float(retry_after)
    except (TypeError, ValueError):
        return None
    if math.isnan(value) or value < 0:
        return None
    return min(value, MAX_RETRY_AFTER)


@dataclass(frozen=True)
class _Candidate:
    """A variant a pass may claim: due, or left in ``publishing`` by ``previous_owner`` (dead)."""

    variant_id: int
    state: VariantState
    network: str
    previous_owner: str | None = None


@dataclass
class _Job:
    variant_id: int
    post_id: int
    account_id: int
    network: str
    handle: str
    key: str
    request: PostRequest
    texts: list[str]
    attempt_id: int
    attempt_no: int
    first_started: datetime
    maybe_sent: bool  # an earlier attempt may have reached the network
    reconcile: bool
    scheduled_at: datetime | None = None
    #: Texts earlier attempts sent that differ from today's (the user edited since): what they may
    #: have left on the network is looked up by these before anything is sent.
    earlier_texts: list[list[str]] = field(default_factory=list)
    parts: list[PublishedPart] = field(default_factory=list)  # live, in order; grows as parts go out
    lock: threading.Lock = field(default_factory=threading.Lock)


class Publisher:
    """Publishes due variants. Thread-safe for one pass at a time per instance.

    ``max_workers``: how many accounts a pass sends to at once (each account's posts go out one
    after another).
    """

    def __init__(
        self,
        ctx: AppContext,
        *,
        kind: str = "cli",
        max_workers: int = 16,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.ctx = ctx
        self.me = runner_id(kind)
        self.max_workers = max_workers
        self.clock = clock
        self.rng = rng
        self.lease = lease
        self.max_attempts = max_attempts
        self.holds = Holds(ctx, clock=clock, lease=lease, max_attempts=max_attempts)
        self._refresher = CredentialRefresher(ctx)

    # --- the pass ------------------------------------------------------------------------------

    def run_once(self) -> PassReport:
        if app_settings.get(self.ctx, app_settings.PUBLISHING_PAUSED):
            return PassReport(paused=True)
        report = PassReport()
        self._sweep_abandoned_imports()
        report.outcomes.extend(self.holds.hold_unreachable_accounts())
        report.outcomes.extend(self.holds.give_up_late())
        report.outcomes.extend(self.holds.give_up_exhausted())
        report.outcomes.extend(self.holds.unknown_orphans())
        report.outcomes.extend(self._check_cancelled())
        queues = self._account_queues(self._stale_candidates() + self._due_candidates())
        if queues:
            # One worker per account: an account's posts go out one at a time, in their order
            # (as a network's rate limits and a reader's timeline expect), accounts in parallel.
            # Each variant is claimed just before it is sent, while the one before it is on the
            # network, so no claim waits long behind its lease and claims cost no wall time.
            workers = max(1, min(self.max_workers, len(queues)))
            with (
                ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish-claim") as claimer,
                ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish") as pool,
            ):
                done = [
                    outcome
                    for queue in pool.map(lambda queue: self._publish_account(queue, claimer), queues)
                    for outcome in queue
                ]
            report.outcomes.extend(outcome for _order, outcome in sorted(done, key=lambda pair: pair[0]))
        return report

    def _sweep_abandoned_imports(self) -> None:
        """Rows of a CSV import killed before it released them go; never fatal to the pass."""
        from desktop.services.csv_import import discard_abandoned_imports

        try:
            discard_abandoned_imports(self.ctx, clock=self.clock())
        except Exception:
            log.warning("could not sweep abandoned imports", exc_info=True)

    # --- claiming --------------------------------------------------------------------------------

    def _stale_candidates(self) -> list[_Candidate]:
        """Variants a dead publisher left in ``publishing``: reconciled, never blindly re-sent."""
        found = []
        for variant_id, state, claimed_by, claimed_at, network in self.holds.candidates(
            Variant.state == S.PUBLISHING, *self.holds.reachable()
        ):
            if network not in self.ctx.registry or not self.holds.is_stale(claimed_by, claimed_at):
                continue  # a live publisher is working on it (or holds.unknown_orphans handles it)
            found.append(_Candidate(variant_id, state, network, previous_owner=claimed_by))
        return found

    def _due_candidates(self) -> list[_Candidate]:
        """Due variants of reachable accounts, in their scheduled order."""
        return [
            _Candidate(variant_id, state, network)
            for variant_id, state, _by, _at, network in self.holds.candidates(
                due_filter(self.clock()), *self.holds.reachable()
            )
        ]

    def _account_queues(self, candidates: Sequence[_Candidate]) -> list[list[tuple[int, _Candidate]]]:
        """The candidates per account, each queue in the order given, numbered in that order."""
        if not candidates:
            return []
        with self.ctx.session() as s:
            rows = s.execute(
                select(Variant.id, Variant.account_id).where(Variant.id.in_([c.variant_id for c in candidates]))
            )
            owner = {variant_id: account_id for variant_id, account_id in rows}
        queues: dict[int, list[tuple[int, _Candidate]]] = {}
        for order, candidate in enumerate(candidates):
            account = owner.get(candidate.variant_id)
            if account is not None:  # deleted meanwhile: nothing to send
                queues.setdefault(account, []).append((order, candidate))
        return list(queues.values())

    def _publish_account(
        self, queue: Sequence[tuple[int, _Candidate]], claimer: ThreadPoolExecutor
    ) -> list[tuple[int, Outcome]]:
        """One account's variants, one after another, each claimed (by ``claimer``) while the one
        before it is sent. Never raises."""
        outcomes: list[tuple[int, Outcome]] = []
        ahead = [claimer.submit(self._take_quietly, candidate) for _order, candidate in queue[:1]]
        for n, (order, _candidate) in enumerate(queue):
            taken = ahead.pop().result()
            if n + 1 < len(queue):
                ahead.append(claimer.submit(self._take_quietly, queue[n + 1][1]))
            if isinstance(taken, _Job):
                outcomes.append((order, self._process(taken)))
            else:
                outcomes.extend((order, outcome) for outcome in taken)
        return outcomes

    def _take_quietly(self, candidate: _Candidate) -> _Job | list[Outcome]:
        try:
            return self._take(candidate)
        except Exception:  # the no-plugin write failed (a busy DB): the next pass tries again
            log.warning("could not set variant %s aside", candidate.variant_id, exc_info=True)
            return []

    def _take(self, candidate: _Candidate) -> _Job | list[Outcome]:
        """Claim one candidate: its job, or what happened instead (nothing when another
        publisher took it first or the database was busy)."""
        if candidate.previous_owner is None and candidate.network not in self.ctx.registry:
            return self.holds.no_plugin(candidate.variant_id, candidate.state, candidate.network)
        job = self._guarded_claim(
            candidate.variant_id, expected_state=candidate.state, previous_owner=candidate.previous_owner
        )
        if isinstance(job, Outcome):
            return [job]
        return job if job is not None else []

    def _claim_due(self, report: PassReport) -> list[_Job]:
        """Claim every due variant now (a pass claims each just before sending it instead)."""
        jobs = []
        for candidate in self._due_candidates():
            taken = self._take(candidate)
            if isinstance(taken, _Job):
                jobs.append(taken)
            else:
                report.outcomes.extend(taken)
        return jobs

    def _claim_stale(self) -> list[_Job]:
        """Claim every stale variant now, for reconciling (a pass claims each just before)."""
        return [job for job in map(self._take, self._stale_candidates()) if isinstance(job, _Job)]

    def _check_cancelled(self) -> list[Outcome]:
        """Cancelled variants an earlier attempt may have sent: ask the network once (read only)
        and, if it went out after all, record it and say so instead of forgetting a live post."""
        outcomes = []
        for variant_id, _state, _by, _at, network in self.holds.candidates(
            Variant.state == S.CANCELLED, Variant.next_attempt_at <= self.clock(), *self.holds.reachable()
        ):
            if network not in self.ctx.registry:
                continue
            try:
                outcomes.extend(self._check_one_cancelled(variant_id))
            except Exception as exc:  # the network or the DB said no: the mark, pushed on, asks again
                log.warning("could not check cancelled variant %s: %s", variant_id, _plain(exc))
        return outcomes

    def _check_one_cancelled(self, variant_id: int) -> list[Outcome]:
        with self.ctx.session() as s:
            variant = _load_for_sending(s, variant_id)
            if variant is None or variant.state != S.CANCELLED or variant.next_attempt_at is None:
                return []
            # Take the check: one publisher asks; the mark moves on rather than going, so a
            # publisher killed while asking leaves the check to the next one.
            if not transitions.move_one(
                s,
                variant_id,
                expected=(S.CANCELLED,),
                where=(Variant.version == variant.version,),
                values={"next_attempt_at": self.clock() + CHECK_AGAIN_AFTER},
            ):
                return []
            taken = variant.version + 1
            texts = [p.text for p in build_request(self.ctx, variant.post, variant).parts]
            done = [PublishedPart.from_json(p) for p in variant.remote_parts or []]
            first = min((a.started_at for a in variant.attempts), default=self.clock())
            candidates = [texts, *_earlier_texts(variant.attempts, texts)]
            key, account_id, post_id = variant.idempotency_key, variant.account_id, variant.post_id
            network, handle_name = variant.account.provider, variant.account.handle
        handle = open_account(self.ctx, account_id)
        for new, stale in self._look_up(handle, key, candidates, first, texts, done):
            # a part found with an earlier text stays marked, so sending the rest later says so
            parts = sorted([*done, *(replace(p, stale=p.index in stale) for p in new)], key=lambda p: p.index)
            whole = len(parts) >= len(texts)
            state = S.PUBLISHED if whole else S.PARTIALLY_LIVE
            shown = "it" if whole else ("part 1" if len(parts) == 1 else f"parts 1–{len(parts)}")
            message = (
                f"You cancelled this post, but an earlier attempt had already published {shown}. It is live on "
                "the network: delete it there if you want it gone."
            )
            if stale:
                numbers = ", ".join(str(i + 1) for i in sorted(stale))
                which = "It" if len(texts) == 1 else f"Part {numbers}" if len(stale) == 1 else f"Parts {numbers}"
                message += f" {which} went out before your last edit: the network has the earlier text."
            with self.ctx.session() as s:
                moved = transitions.move_one(
                    s,
                    variant_id,
                    expected=(S.CANCELLED,),
                    to=state,
                    values={
                        "remote_parts": [p.to_record() for p in parts],
                        "remote_id": parts[0].remote_id,
                        "remote_url": parts[0].url,
                        "published_at": self.clock(),
                        "last_error": message,
                        "next_attempt_at": None,
                    },
                )
            if not moved:  # retried or deleted meanwhile: the facts still go in
                self._merge_parts(variant_id, parts, "a post found after cancelling")
            return [
                Outcome(
                    variant_id,
                    post_id,
                    account_id,
                    network,
                    handle_name,
                    state.value,
                    url=parts[0].url,
                    error=message,
                    reconciled=True,
                    parts=tuple(parts),
                )
            ]
        with self.ctx.session() as s:  # not there: the check is done (unless the variant moved on)
            transitions.move(
                s,
                variant_id,
                expected=(S.CANCELLED,),
                where=(Variant.version == taken,),
                values={"next_attempt_at": None},
            )
        return []

    def _guarded_claim(
        self, variant_id: int, *, expected_state: VariantState, previous_owner: str | None = None
    ) -> _Job | Outcome | None:
        try:
            return self._claim(variant_id, expected_state=expected_state, previous_owner=previous_owner)
        except DBAPIError as exc:  # busy (an import, another publisher): the next pass tries again
            # If the claim itself committed, its lease runs out and the claim is reconciled.
            log.warning("variant %s not claimed this pass: %s", variant_id, self._db_words(exc))
            return None
        except Exception as exc:  # unreadable media, a broken row: never crash the pass
            log.exception("could not prepare variant %s", variant_id)
            message = f"This post could not be prepared for sending: {_plain(exc)} Edit it, then Retry."
            outs = self.holds.move_waiting(
                [variant_id],
                expected=(expected_state, S.PUBLISHING),
                to=S.FAILED,
                why=lambda _v, _a: message,
                where=(Variant.claimed_by.in_(["", self.me, previous_owner or ""]),),
                values={"claimed_by": "", "claimed_at": None},
            )
            return outs[0] if outs else None

    def _claim(
        self, variant_id: int, *, expected_state: VariantState, previous_owner: str | None = None
    ) -> _Job | None:
        now = self.clock()
        reconcile = previous_owner is not None
        with self.ctx.session() as s:
            if reconcile:
                where: tuple[Any, ...] = (Variant.claimed_by == previous_owner,)
            else:
                where = (due_filter(now), Variant.attempt_count < self.max_attempts)
            claimed = transitions.move_one(
                s,
                variant_id,
                expected=(expected_state,),
                to=S.PUBLISHING,
                where=where,
                values={"claimed_by": self.me, "claimed_at": now, "attempt_count": Variant.attempt_count + 1},
                now=now,
            )
            if not claimed:
                return None  # someone else took it first
        # The claim is committed: whatever happens next ends in a state through _finish.
        with self.ctx.session() as s:
            variant = _load_for_sending(s, variant_id)
            assert variant is not None
            earlier = list(variant.attempts)
            for attempt in earlier:
                if attempt.outcome == AttemptOutcome.PENDING:
                    attempt.finished_at = now
                    attempt.outcome = AttemptOutcome.RETRY
                    attempt.error = "Interrupted mid-publish (the app closed or crashed); checked with the network."
            attempt = PublishAttempt(
                variant_id=variant.id, idempotency_key=variant.idempotency_key, started_at=now, runner=self.me
            )
            s.add(attempt)
            s.flush()
            first_started = min((a.started_at for a in earlier), default=now)
            job = _Job(
                variant_id=variant.id,
                post_id=variant.post_id,
                account_id=variant.account_id,
                network=variant.account.provider,
                handle=variant.account.handle,
                key=variant.idempotency_key,
                request=PostRequest(parts=()),
                texts=[],
                attempt_id=attempt.id,
                attempt_no=variant.attempt_count,
                first_started=min(first_started, now),
                maybe_sent=bool(earlier),
                reconcile=reconcile,
                scheduled_at=variant.scheduled_at,
                parts=[PublishedPart.from_json(p) for p in (variant.remote_parts or [])],
            )
            # may raise (an unreadable media file): _guarded_claim then fails the variant in words
            job.request = build_request(self.ctx, variant.post, variant)
            job.texts = [p.text for p in job.request.parts]
            attempt.texts = job.texts
            if variant.tagged_texts != job.texts:
                # Fixed now, UTM tags included: every later attempt and look-up sends and seeks
                # exactly this, whatever happens to the campaign meanwhile.
                transitions.move(
                    s,
                    variant.id,
                    expected=(S.PUBLISHING,),
                    where=(Variant.claimed_by == self.me,),
                    values={"tagged_texts": job.texts},
                    now=now,
                )
            job.earlier_texts = _earlier_texts(earlier, job.texts)
        return job  # committed: the claim and the attempt exist before any HTTP call

    # --- publishing ------------------------------------------------------------------------------

    def _process(self, job: _Job) -> Outcome:
        """One variant's whole step. Never raises: every path ends in an outcome written back
        (or, if even that write fails, a claim whose lease runs out and is reconciled)."""
        try:
            return self._step(job)
        except Exception as exc:
            log.exception("unexpected error publishing variant %s", job.variant_id)
            try:
                return self._retry(job, f"Unexpected error: {_plain(exc)}", None)
            except Exception as again:
                log.exception("could not record the outcome of variant %s", job.variant_id)
                return self._outcome(
                    job,
                    S.RETRYING,
                    error=(
                        f"Could not save the result: {self._db_words(again)} It will be checked with the network "
                        "on a later pass."
                    ),
                )

    def _db_words(self, exc: BaseException) -> str:
        from desktop.store.database import describe_db_error

        return describe_db_error(exc, self.ctx.db.path)

    def _step(self, job: _Job) -> Outcome:
        opened = utcnow()  # the account as read now: a reconnect after this is not undone below
        try:
            handle = open_account(self.ctx, job.account_id)
        except VaultError as exc:  # locked keyring, no D-Bus: temporary, the post must not be lost
            return self._retry(job, f"Could not read the account's credentials: {exc}", None)
        except UnknownNetwork:
            return self._fail(
                job,
                f"The {job.network.capitalize()} plugin is not installed, so this post cannot be sent. Install it and "
                "Retry.",
            )
        except AccountError as exc:
            return self._needs_reconnect(job, str(exc), opened)
        try:
            with self._lease_kept(job):
                published = self._publish(handle, job)
        except ProviderError as exc:
            self._remember(job, exc.parts)
            if isinstance(exc, AuthExpired):
                return self._needs_reconnect(job, _words(exc), opened)
            if isinstance(exc, RateLimited):
                return self._retry(job, _words(exc), exc.retry_after)
            if isinstance(exc, Transient):
                return self._retry(job, _words(exc), None)
            return self._fail(job, _words(exc))  # Rejected, or another permanent refusal
        return self._published(job, published)

    def _publish(self, handle: AccountHandle, job: _Job) -> Published:
        provider = handle.provider
        info = provider.info
        wanted = len(job.request.parts)
        # An attempt that follows another may follow one that reached the network without our
        # hearing back (a timeout, a crash). The network's own idempotency covers that only
        # while it still remembers the key, counted from the first attempt, when it stored it.
        # After an edit, the network's memory of the key holds the earlier text: look that up
        # first, so the edit is neither silently dropped nor sent beside the earlier post.
        if job.maybe_sent and len(job.parts) < wanted:
            window = info.idempotency_window
            age = self.clock() - job.first_started
            trust_network = info.native_idempotency and (
                window is None or age.total_seconds() < window * IDEMPOTENCY_MARGIN
            )
            candidates = ([] if trust_network else [job.texts]) + job.earlier_texts
            for parts, stale in self._look_up(handle, job.key, candidates, job.first_started, job.texts, job.parts):
                self._remember(job, [replace(p, stale=p.index in stale) for p in parts])
                break
        if len(job.parts) >= wanted:
            return Published.from_parts(job.parts[:wanted], already=True)
        return self._with_refresh(
            handle,
            lambda c: provider.publish(
                c, job.request, job.key, done=tuple(job.parts), on_part=lambda p: self._remember(job, (p,))
            ),
        )

    def _look_up(
        self,
        handle: AccountHandle,
        key: str,
        candidates: Sequence[Sequence[str]],
        first_started: datetime,
        texts: Sequence[str],
        done: Sequence[PublishedPart],
    ) -> Iterator[tuple[tuple[PublishedPart, ...], set[int]]]:
        """For each candidate text list, in order: the parts beyond ``done`` found live on the
        network, and which of them carry a text other than ``texts`` (yielded only when found)."""
        since = first_started - timedelta(minutes=2)
        for candidate in candidates:

            def find(conn: Any, texts_now: Sequence[str] = candidate) -> Published | None:
                return handle.provider.find_published(conn, key, list(texts_now), since, done=tuple(done))

            found = self._with_refresh(handle, find)
            if found is None:
                continue
            new = tuple(p for p in found.parts if p.index >= len(done))
            if new:
                stale = {p.index for p in new if p.index >= len(texts) or candidate[p.index] != texts[p.index]}
                yield new, stale

    def _remember(self, job: _Job, parts: Sequence[PublishedPart]) -> None:
        """Save live parts now, each in its own commit: a crash a moment later loses none. A part
        already known is saved again only to mark it stale (found with its earlier text)."""
        with job.lock:
            known = {p.index: p for p in job.parts}
            new = [p for p in parts if p.index not in known or _newly_stale(known[p.index], p)]
            if not new:
                return
            merged = {**known, **{p.index: p for p in new}}
            job.parts = [merged[i] for i in sorted(merged)]
            payload = [p.to_record() for p in job.parts]
            first = job.parts[0]
        values = {"remote_parts": payload, "remote_id": first.remote_id, "remote_url": first.url}
        with self.ctx.session() as s:
            mine = transitions.move(
                s, job.variant_id, expected=(S.PUBLISHING,), where=(Variant.claimed_by == self.me,), values=values
            )
        if mine != 1:
            self._record_anyway(job, "a live part")

    def _record_anyway(self, job: _Job, what: str) -> None:
        """Facts outlive a lost claim: what went live is written whatever state the row is in."""
        with job.lock:
            parts = list(job.parts)
        self._merge_parts(job.variant_id, parts, what)

    def _merge_parts(self, variant_id: int, found: Sequence[PublishedPart], what: str) -> None:
        """Add live parts to a variant's record in whatever state it is (a version-checked write)."""
        ours = {p.index: p for p in found}
        for _ in range(5):
            with self.ctx.session() as s:
                row = s.execute(
                    select(Variant.version, Variant.remote_parts, Variant.state).where(Variant.id == variant_id)
                ).first()
                if row is None:
                    log.warning("variant %s was deleted while %s went live: %s", variant_id, what, list(ours))
                    return
                version, stored, state = row
                merged = {int(p["index"]): PublishedPart.from_json(p) for p in stored or []}
                merged.update(ours)
                parts = [merged[i] for i in sorted(merged)]
                if transitions.move(
                    s,
                    variant_id,
                    expected=(state,),
                    where=(Variant.version == version,),
                    values={
                        "remote_parts": [p.to_record() for p in parts],
                        "remote_id": parts[0].remote_id,
                        "remote_url": parts[0].url,
                    },
                ):
                    log.warning("variant %s changed hands while %s went live; recorded it anyway", variant_id, what)
                    return

    @contextmanager
    def _lease_kept(self, job: _Job) -> Iterator[None]:
        """Renew the claim every third of the lease while a long publish runs."""
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.lease.total_seconds() / 3):
                try:
                    with self.ctx.session() as s:
                        transitions.move(
                            s,
                            job.variant_id,
                            expected=(S.PUBLISHING,),
                            where=(Variant.claimed_by == self.me,),
                            values={"claimed_at": self.clock()},
                        )
                except Exception:  # a busy DB: try again at the next tick
                    log.warning("could not renew the claim on variant %s", job.variant_id, exc_info=True)

        keeper = threading.Thread(target=renew, name=f"lease-{job.variant_id}", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()

    def _with_refresh(self, handle: AccountHandle, call: Callable[[Any], Any]) -> Any:
        """Run ``call(connection)``, refreshing expired credentials once (:mod:`connections`)."""
        return self._refresher.call(handle, call)

    # --- outcomes --------------------------------------------------------------------------------

    def _backoff(self, attempt_no: int) -> float:
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempt_no - 1))
        return delay * (0.8 + 0.4 * self.rng())

    def _finish(
        self,
        job: _Job,
        *,
        state: VariantState,
        outcome: AttemptOutcome,
        error: str = "",
        values: dict[str, Any] | None = None,
    ) -> bool:
        """Write the outcome if we still hold the claim. If not, what went live is recorded
        anyway and the caller reports a conflict."""
        now = self.clock()
        with self.ctx.session() as s:
            mine = transitions.move(
                s,
                job.variant_id,
                expected=(S.PUBLISHING,),
                to=state,
                where=(Variant.claimed_by == self.me,),
                values={"last_error": error, "claimed_by": "", "claimed_at": None, **(values or {})},
                now=now,
            )
            s.execute(
                update(PublishAttempt)
                .where(PublishAttempt.id == job.attempt_id)
                .values(finished_at=now, outcome=outcome, error=error)
                .execution_options(synchronize_session=False)
            )
        if mine != 1:
            log.warning("variant %s was taken over by another writer before we recorded %s", job.variant_id, state)
            if job.parts:
                self._record_anyway(job, "the post")
        return mine == 1

    def _outcome(self, job: _Job, state: VariantState, *, conflict: bool = False, **kw: Any) -> Outcome:
        with job.lock:
            parts = tuple(job.parts)
        return Outcome(
            job.variant_id,
            job.post_id,
            job.account_id,
            job.network,
            job.handle,
            state.value,
            reconciled=job.reconcile,
            parts=parts,
            conflict=conflict,
            **kw,
        )

    def _conflict_words(self, job: _Job) -> str:
        with self.ctx.session() as s:
            state = s.scalar(select(Variant.state).where(Variant.id == job.variant_id))
        now = f"it is now {state.value.replace('_', ' ')}" if state is not None else "it was deleted"
        live = " What went live was recorded." if job.parts else ""
        return f"The post was changed elsewhere while it was being sent ({now}).{live} Check it on the Publishing page."

    def _settle(self, job: _Job, state: VariantState, outcome: AttemptOutcome, error: str, **kw: Any) -> Outcome:
        values = kw.pop("values", None)
        if self._finish(job, state=state, outcome=outcome, error=error, values=values):
            return self._outcome(job, state, error=error, **kw)
        return self._outcome(job, state, error=self._conflict_words(job), conflict=True, **kw)

    def _published(self, job: _Job, published: Published) -> Outcome:
        self._remember(job, [replace(p, stale=p.index in published.stale_parts) for p in published.parts])
        with job.lock:  # stale parts of earlier attempts are in the record too
            stale = tuple(p.index for p in job.parts if p.stale)
        published = replace(published, stale_parts=stale)
        with job.lock:
            payload = [p.to_record() for p in job.parts]
        now = self.clock()
        note = ""
        if published.stale_parts:
            which = ", ".join(str(i + 1) for i in published.stale_parts)
            note = (
                f"Published, but part {which} went out before your last edit (an earlier attempt reached the network); "
                "the network has the earlier text. Edit it there if it matters."
            )
        return self._settle(
            job,
            S.PUBLISHED,
            AttemptOutcome.ALREADY_PUBLISHED if published.already else AttemptOutcome.PUBLISHED,
            note,
            url=published.url,
            values={
                "remote_id": published.remote_id,
                "remote_url": published.url,
                "remote_parts": payload,
                "published_at": now,
                "next_attempt_at": None,
            },
            late=self._late(job, now),
        )

    def _late(self, job: _Job, published_at: datetime) -> str:
        """How late the post went out, in words ("" when on time)."""
        if job.scheduled_at is None or published_at - job.scheduled_at <= activity.LATE_AFTER:
            return ""
        from desktop.services.background_job import last_wake_time
        from desktop.services.zones import user_zone

        try:
            return activity.late_note(
                job.scheduled_at, published_at, woke_at=last_wake_time(), zone=user_zone(self.ctx)
            )
        except Exception:  # only words: never worth failing the outcome for
            log.warning("could not describe how late variant %s was", job.variant_id, exc_info=True)
            return ""

    def _partial_note(self, job: _Job, error: str) -> str:
        with job.lock:
            live = len(job.parts)
        if not live:
            return error
        total = len(job.request.parts)
        shown = "Part 1 is" if live == 1 else f"Parts 1–{live} are"
        return f"{shown} live; part {live + 1} of {total} was not sent: {error}"

    def _retry(self, job: _Job, error: str, retry_after: float | None) -> Outcome:
        if job.attempt_no >= self.max_attempts:
            return self._fail(job, f"Gave up after {job.attempt_no} attempts. Last error: {error}")
        asked = retry_delay(retry_after)
        if asked is not None:
            delay = asked * (1.0 + 0.1 * self.rng())  # never earlier than the network asked
        else:
            delay = self._backoff(job.attempt_no)
        when = self.clock() + timedelta(seconds=max(1.0, delay))
        error = self._partial_note(job, error)
        return self._settle(
            job, S.RETRYING, AttemptOutcome.RETRY, error, next_attempt_at=when, values={"next_attempt_at": when}
        )

    def _fail(self, job: _Job, error: str) -> Outcome:
        state = S.PARTIALLY_LIVE if job.parts else S.FAILED
        error = self._partial_note(job, error)
        return self._settle(job, state, AttemptOutcome.FAILED, error, values={"next_attempt_at": None})

    def _needs_reconnect(self, job: _Job, error: str, opened: datetime) -> Outcome:
        """The variant waits for a reconnect, and so does the account, unless the user changed the
        account (reconnected it) after this attempt read its credentials."""
        message = self._partial_note(job, f"Sign-in expired: reconnect {job.handle}. {error}".strip())
        with self.ctx.session() as s:
            marked = rows_changed(
                s.execute(
                    update(Account)
                    .where(Account.id == job.account_id, Account.updated_at <= opened)
                    .values(status=AccountStatus.NEEDS_RECONNECT, status_detail=message)
                    .execution_options(synchronize_session=False)
                )
            )
        if not marked:  # reconnected (or changed) meanwhile: the new sign-in gets its own try
            return self._retry(job, f"{job.handle} was signed in again while this attempt ran; trying again.", 1.0)
        return self._settle(job, S.NEEDS_RECONNECT, AttemptOutcome.AUTH, message, values={"next_attempt_at": None})


def _load_for_sending(s: Session, variant_id: int) -> Variant | None:
    """A variant with all that building its request and judging its attempts needs."""
    return s.scalar(
        select(Variant)
        .where(Variant.id == variant_id)
        .options(
            selectinload(Variant.post).selectinload(Post.attachments),
            selectinload(Variant.attachments),
            selectinload(Variant.account),
            selectinload(Variant.attempts),
        )
    )


def _newly_stale(known: PublishedPart, told: PublishedPart) -> bool:
    """``told`` marks the very part we know as carrying its earlier text, which we did not know."""
    return told.stale and not known.stale and told.remote_id == known.remote_id


def _earlier_texts(attempts: Sequence[PublishAttempt], texts: Sequence[str]) -> list[list[str]]:
    """Distinct part texts earlier attempts sent, newest first, other than ``texts``."""
    seen: list[list[str]] = []
    for attempt in sorted(attempts, key=lambda a: a.id, reverse=True):
        sent = [str(t) for t in attempt.texts or []]
        if sent and sent != list(texts) and sent not in seen:
            seen.append(sent)
    return seen


def _words(exc: ProviderError) -> str:
    """Our message plus the network's own words."""
    return str(exc)


def _plain(exc: BaseException) -> str:
    """An error in a sentence: its own message (our errors are written for the user; others get
    their type named), never SQL or bound parameters."""
    from desktop.services.media import MediaError
    from desktop.services.posts import PostError

    source = getattr(exc, "orig", None) or exc  # a SQLAlchemy error: the driver's words, not the statement
    lines = str(source).strip().splitlines()
    text = lines[0] if lines else ""
    if isinstance(exc, MediaError | PostError | ProviderError | OSError) and text:
        return text
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
