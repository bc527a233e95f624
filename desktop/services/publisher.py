"""The publisher: every due variant goes out once — never zero times, never twice.

One pass (:meth:`Publisher.run_once`):

1. Variants left in ``publishing`` by a process that died (its lease expired, or its pid is gone
   on this host) are *reconciled*: claimed again and sent with the same idempotency key when the
   network still remembers it, else looked up with ``find_published`` first. Never blindly re-sent.
2. Due variants are claimed one by one with a conditional ``UPDATE … WHERE state = …``, so two
   publishers (the app and a headless run, or two machines on one database) never both take one.
   The attempt row is committed *before* any HTTP call.
3. Claimed variants are published concurrently (bounded pool); a thread's parts go out in order
   inside the provider. The idempotency key is the variant's, the same on every attempt.
4. Each outcome is written back: published (remote id and URL), retrying (exponential backoff
   with jitter, or the network's Retry-After), failed (permanent: the network's own message), or
   needs_reconnect (auth failed after one refresh).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from desktop.services import app_settings
from desktop.services.accounts import AccountError, AccountHandle, open_account
from desktop.services.posts import build_request, due_filter, effective_parts
from desktop.services.vault import VaultError
from desktop.services.zones import iso_utc
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
from providers.base import AuthExpired, PostRequest, ProviderError, Published, RateLimited, Rejected, Transient

if TYPE_CHECKING:
    from desktop.services.context import AppContext

log = logging.getLogger(__name__)

BACKOFF_BASE = 30.0  # seconds before the first retry
BACKOFF_CAP = 30 * 60.0
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)  # longer than any single publish can take (timeouts + media polling)
# Use the network's own idempotency only well inside the time it remembers keys.
IDEMPOTENCY_MARGIN = 0.8


def runner_id(kind: str) -> str:
    return f"{kind} {os.getpid()}@{socket.gethostname()} {uuid.uuid4().hex[:8]}"


def _owner_is_dead(claimed_by: str) -> bool:
    """True if ``claimed_by`` names a process on this host that no longer runs."""
    try:
        _kind, pid_host, _tag = claimed_by.split(" ")
        pid_text, host = pid_host.split("@", 1)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return False  # ourselves: never dead while we ask
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return False


@dataclass(frozen=True)
class Outcome:
    variant_id: int
    post_id: int
    account_id: int
    network: str
    handle: str
    state: str
    url: str = ""
    error: str = ""
    next_attempt_at: datetime | None = None
    reconciled: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "variant_id": self.variant_id,
            "post_id": self.post_id,
            "account_id": self.account_id,
            "network": self.network,
            "handle": self.handle,
            "state": self.state,
            "url": self.url or None,
            "error": self.error or None,
            "next_attempt_at": iso_utc(self.next_attempt_at),
            "reconciled": self.reconciled,
        }


@dataclass
class PassReport:
    outcomes: list[Outcome] = field(default_factory=list)
    paused: bool = False

    def _in(self, *states: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.state in states]

    @property
    def published(self) -> list[Outcome]:
        return self._in("published")

    @property
    def retrying(self) -> list[Outcome]:
        return self._in("retrying")

    @property
    def failed(self) -> list[Outcome]:
        return self._in("failed", "needs_reconnect")

    @property
    def ok(self) -> bool:
        """Nothing in this pass failed, needs reconnecting or must be retried."""
        return not self.failed and not self.retrying

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "paused": self.paused,
            "published": [o.to_json() for o in self.published],
            "retrying": [o.to_json() for o in self.retrying],
            "failed": [o.to_json() for o in self._in("failed")],
            "needs_reconnect": [o.to_json() for o in self._in("needs_reconnect")],
        }


@dataclass
class _Job:
    variant_id: int
    post_id: int
    account_id: int
    network: str
    handle: str
    key: str
    request: PostRequest
    text: str
    attempt_id: int
    attempt_no: int
    first_started: datetime
    last_started: datetime | None  # the interrupted attempt, when reconciling
    reconcile: bool


class Publisher:
    """Publishes due variants. Thread-safe for one pass at a time per instance."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        kind: str = "cli",
        max_workers: int = 4,
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
        self._refresh_locks: dict[int, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # --- the pass ------------------------------------------------------------------------------

    def run_once(self) -> PassReport:
        if app_settings.get(self.ctx, app_settings.PUBLISHING_PAUSED):
            return PassReport(paused=True)
        report = PassReport()
        report.outcomes.extend(self._hold_unreachable_accounts())
        report.outcomes.extend(self._give_up_late())
        jobs = self._claim_stale() + self._claim_due()
        if jobs:
            with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="publish") as pool:
                report.outcomes.extend(pool.map(self._process, jobs))
        return report

    def reconcile_interrupted(self) -> list[Outcome]:
        """Only step 1 of a pass: for app start-up."""
        jobs = self._claim_stale()
        return [self._process(job) for job in jobs]

    # --- claiming --------------------------------------------------------------------------------

    def _candidates(self, condition: Any) -> list[tuple[int, VariantState, str, datetime | None]]:
        with self.ctx.session() as s:
            rows = s.execute(
                select(Variant.id, Variant.state, Variant.claimed_by, Variant.claimed_at)
                .join(Account, Account.id == Variant.account_id)
                .where(condition, Account.paused.is_(False), Account.status == AccountStatus.CONNECTED)
                .order_by(Variant.scheduled_at, Variant.id)
            ).all()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def _claim_due(self) -> list[_Job]:
        jobs = []
        for variant_id, state, _by, _at in self._candidates(due_filter(self.clock())):
            job = self._claim(variant_id, expected_state=state)
            if job is not None:
                jobs.append(job)
        return jobs

    def _claim_stale(self) -> list[_Job]:
        now = self.clock()
        jobs = []
        for variant_id, _state, claimed_by, claimed_at in self._candidates(Variant.state == VariantState.PUBLISHING):
            expired = claimed_at is None or claimed_at < now - self.lease
            if not (expired or _owner_is_dead(claimed_by)):
                continue  # another live publisher is working on it
            job = self._claim(variant_id, expected_state=VariantState.PUBLISHING, previous_owner=claimed_by)
            if job is not None:
                jobs.append(job)
        return jobs

    def _claim(
        self, variant_id: int, *, expected_state: VariantState, previous_owner: str | None = None
    ) -> _Job | None:
        now = self.clock()
        reconcile = previous_owner is not None
        with self.ctx.session() as s:
            condition = [Variant.id == variant_id, Variant.state == expected_state]
            if reconcile:
                condition.append(Variant.claimed_by == previous_owner)
            else:
                condition.append(due_filter(now))
            claimed = s.execute(
                update(Variant)
                .where(*condition)
                .values(
                    state=VariantState.PUBLISHING,
                    claimed_by=self.me,
                    claimed_at=now,
                    attempt_count=Variant.attempt_count + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if rows_changed(claimed) != 1:
                return None  # someone else took it first
            variant = s.scalar(
                select(Variant)
                .where(Variant.id == variant_id)
                .options(
                    selectinload(Variant.post).selectinload(Post.attachments),
                    selectinload(Variant.attachments),
                    selectinload(Variant.account),
                    selectinload(Variant.attempts),
                )
            )
            assert variant is not None
            interrupted = [a for a in variant.attempts if a.outcome == AttemptOutcome.PENDING]
            for attempt in interrupted:
                attempt.finished_at = now
                attempt.outcome = AttemptOutcome.RETRY
                attempt.error = "Interrupted mid-publish (the app closed or crashed); checked with the network."
            attempt = PublishAttempt(
                variant_id=variant.id, idempotency_key=variant.idempotency_key, started_at=now, runner=self.me
            )
            s.add(attempt)
            s.flush()
            first_started = min((a.started_at for a in variant.attempts), default=now)
            job = _Job(
                variant_id=variant.id,
                post_id=variant.post_id,
                account_id=variant.account_id,
                network=variant.account.provider,
                handle=variant.account.handle,
                key=variant.idempotency_key,
                request=build_request(self.ctx, variant.post, variant),
                text=effective_parts(variant.post, variant)[0],
                attempt_id=attempt.id,
                attempt_no=variant.attempt_count,
                first_started=min(first_started, now),
                last_started=max((a.started_at for a in interrupted), default=None),
                reconcile=reconcile,
            )
        return job  # committed: the claim and the attempt exist before any HTTP call

    def _hold_unreachable_accounts(self) -> list[Outcome]:
        """Due variants of accounts that need reconnecting: say so now rather than wait silently."""
        return self._stop_waiting(
            (due_filter(self.clock()), Account.status != AccountStatus.CONNECTED),
            VariantState.NEEDS_RECONNECT,
            lambda v, a: a.status_detail or f"{a.handle} needs to be reconnected before posts can go out.",
        )

    def _give_up_late(self) -> list[Outcome]:
        """Scheduled variants more than the give-up window late are not sent without the user."""
        hours = float(app_settings.get(self.ctx, app_settings.GIVE_UP_HOURS) or 0)
        if hours <= 0:
            return []
        cutoff = self.clock() - timedelta(hours=hours)
        return self._stop_waiting(
            (Variant.state == VariantState.SCHEDULED, Variant.scheduled_at < cutoff, Variant.attempt_count == 0),
            VariantState.FAILED,
            lambda v, a: (
                f"Not sent: it was due {v.scheduled_at:%Y-%m-%d %H:%M} UTC, more than {hours:g} hours ago, while "
                "nothing was publishing. Retry to send it now, or edit or cancel it."
            ),
        )

    def _stop_waiting(
        self, conditions: tuple[Any, ...], state: VariantState, why: Callable[[Variant, Account], str]
    ) -> list[Outcome]:
        """Move matching variants of unpaused accounts to ``state`` with a reason the user sees.
        Each move is conditional on the state read, so a concurrent publisher's claim wins."""
        outcomes = []
        with self.ctx.session() as s:
            rows = s.execute(
                select(Variant, Account)
                .join(Account, Account.id == Variant.account_id)
                .where(*conditions, Account.paused.is_(False))
            ).all()
            for variant, account in rows:
                message = why(variant, account)
                changed = s.execute(
                    update(Variant)
                    .where(Variant.id == variant.id, Variant.state == variant.state)
                    .values(state=state, last_error=message, next_attempt_at=None)
                    .execution_options(synchronize_session=False)
                )
                if rows_changed(changed) == 1:
                    outcomes.append(
                        Outcome(
                            variant.id,
                            variant.post_id,
                            account.id,
                            account.provider,
                            account.handle,
                            state.value,
                            error=message,
                        )
                    )
        return outcomes

    # --- publishing ------------------------------------------------------------------------------

    def _process(self, job: _Job) -> Outcome:
        try:
            handle = open_account(self.ctx, job.account_id)
        except VaultError as exc:  # locked keyring, no D-Bus: temporary, the post must not be lost
            return self._retry(job, f"Could not read the account's credentials: {exc}", None)
        except AccountError as exc:
            return self._needs_reconnect(job, str(exc))
        try:
            published = self._publish(handle, job)
        except AuthExpired as exc:
            return self._needs_reconnect(job, _words(exc))
        except RateLimited as exc:
            return self._retry(job, _words(exc), exc.retry_after)
        except Transient as exc:
            return self._retry(job, _words(exc), None)
        except Rejected as exc:
            return self._fail(job, _words(exc))
        except ProviderError as exc:
            return self._fail(job, _words(exc))
        except Exception as exc:  # a bug in a provider: keep the post, retry, and say what happened
            log.exception("unexpected error publishing variant %s", job.variant_id)
            return self._retry(job, f"Unexpected error: {type(exc).__name__}: {exc}", None)
        return self._published(job, published)

    def _publish(self, handle: AccountHandle, job: _Job) -> Published:
        provider = handle.provider
        info = provider.info
        # Any attempt after the first may follow one that reached the network without our hearing
        # back (a timeout, a crash). The network's own idempotency covers that only while it still
        # remembers the key, counted from the first attempt, when it stored it.
        if job.reconcile or job.attempt_no > 1:
            window = info.idempotency_window
            age = self.clock() - job.first_started
            trust_network = info.native_idempotency and (
                window is None or age.total_seconds() < window * IDEMPOTENCY_MARGIN
            )
            if not trust_network:
                found = self._with_refresh(
                    handle,
                    lambda c: provider.find_published(c, job.key, job.text, job.first_started - timedelta(minutes=2)),
                )
                if found is not None:
                    return replace(found, already=True)
        return self._with_refresh(handle, lambda c: provider.publish(c, job.request, job.key))

    def _with_refresh(self, handle: AccountHandle, call: Callable[[Any], Any]) -> Any:
        """Run ``call(connection)``; on AuthExpired refresh the credentials once and try again.

        New secrets are saved to the vault before they are used, so a rotated refresh token
        is never lost, and refreshes of one account are serialised.
        """
        try:
            return call(handle.connection)
        except AuthExpired as exc:
            refused = exc
        with self._refresh_lock(handle.account_id):
            current = self.ctx.vault.load(handle.vault_key)
            if current is not None and dict(current) != dict(handle.connection.secrets):
                secrets = current  # another thread or process refreshed already
            else:
                try:
                    secrets = dict(handle.provider.refresh(handle.connection))
                except AuthExpired as exc:  # keep the network's words from the refused call
                    raise AuthExpired(exc.message, network_message=refused.network_message) from exc
                self.ctx.vault.save(handle.vault_key, secrets)
        return call(replace(handle.connection, secrets=secrets))

    def _refresh_lock(self, account_id: int) -> threading.Lock:
        with self._locks_guard:
            return self._refresh_locks.setdefault(account_id, threading.Lock())

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
        now = self.clock()
        with self.ctx.session() as s:
            changed = s.execute(
                update(Variant)
                .where(
                    Variant.id == job.variant_id,
                    Variant.state == VariantState.PUBLISHING,
                    Variant.claimed_by == self.me,
                )
                .values(state=state, last_error=error, claimed_by="", claimed_at=None, **(values or {}))
                .execution_options(synchronize_session=False)
            )
            s.execute(
                update(PublishAttempt)
                .where(PublishAttempt.id == job.attempt_id)
                .values(finished_at=now, outcome=outcome, error=error)
                .execution_options(synchronize_session=False)
            )
        if rows_changed(changed) != 1:
            log.warning("variant %s was taken over by another publisher before we recorded %s", job.variant_id, state)
        return rows_changed(changed) == 1

    def _outcome(self, job: _Job, state: VariantState, **kw: Any) -> Outcome:
        return Outcome(
            job.variant_id,
            job.post_id,
            job.account_id,
            job.network,
            job.handle,
            state.value,
            reconciled=job.reconcile,
            **kw,
        )

    def _published(self, job: _Job, published: Published) -> Outcome:
        self._finish(
            job,
            state=VariantState.PUBLISHED,
            outcome=AttemptOutcome.ALREADY_PUBLISHED if published.already else AttemptOutcome.PUBLISHED,
            values={
                "remote_id": published.remote_id,
                "remote_url": published.url,
                "remote_part_ids": list(published.part_ids or (published.remote_id,)),
                "published_at": self.clock(),
                "next_attempt_at": None,
            },
        )
        return self._outcome(job, VariantState.PUBLISHED, url=published.url)

    def _retry(self, job: _Job, error: str, retry_after: float | None) -> Outcome:
        if job.attempt_no >= self.max_attempts:
            return self._fail(job, f"Gave up after {job.attempt_no} attempts. Last error: {error}")
        if retry_after is not None:
            delay = retry_after * (1.0 + 0.1 * self.rng())  # never earlier than the network asked
        else:
            delay = self._backoff(job.attempt_no)
        when = self.clock() + timedelta(seconds=max(1.0, delay))
        self._finish(
            job,
            state=VariantState.RETRYING,
            outcome=AttemptOutcome.RETRY,
            error=error,
            values={"next_attempt_at": when},
        )
        return self._outcome(job, VariantState.RETRYING, error=error, next_attempt_at=when)

    def _fail(self, job: _Job, error: str) -> Outcome:
        self._finish(
            job, state=VariantState.FAILED, outcome=AttemptOutcome.FAILED, error=error, values={"next_attempt_at": None}
        )
        return self._outcome(job, VariantState.FAILED, error=error)

    def _needs_reconnect(self, job: _Job, error: str) -> Outcome:
        message = f"Sign-in expired: reconnect {job.handle}. {error}".strip()
        self._finish(
            job,
            state=VariantState.NEEDS_RECONNECT,
            outcome=AttemptOutcome.AUTH,
            error=message,
            values={"next_attempt_at": None},
        )
        with self.ctx.session() as s:
            s.execute(
                update(Account)
                .where(Account.id == job.account_id)
                .values(status=AccountStatus.NEEDS_RECONNECT, status_detail=message)
                .execution_options(synchronize_session=False)
            )
        return self._outcome(job, VariantState.NEEDS_RECONNECT, error=message)


def _words(exc: ProviderError) -> str:
    """Our message plus the network's own words."""
    return str(exc)
