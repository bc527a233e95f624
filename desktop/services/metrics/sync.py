"""One metrics pass: read counters through the providers and store them as snapshots.

- **Manual** ("Sync now", ``campaign-desk sync-metrics`` by hand): every post published in the
  last :data:`SYNC_NOW_DAYS` days plus every connected, unpaused account.
- **Scheduled** (the app's timer, the OS job's ``--due``): only what :mod:`.cadence` says is due.

Per account, in turn: its history is imported once (:mod:`.history`), its own counters are read
(followers, …; variant_id NULL in the snapshots), then its posts' counters in batches of the
provider's ``metrics_batch_size``. A thread is measured by its first part (the variant's
``remote_id``): that is the post people see in their feeds and the one its replies hang from;
later parts are replies to it and mostly echo its reach.

Every response's rate-limit window is remembered per account (``rate_windows``, shared with
other processes). Before each request, an account whose window has fewer than
:data:`RATE_RESERVE` of its requests left (and has not reset) is *deferred* for this pass, so
metrics never starve the publisher; a 429 defers it too. A failing account never stops the
others: its error is reported in the network's words and the pass goes on. Scheduled passes then
leave that account alone for a while (30 minutes after an error, until the window resets when
deferred, 6 hours when it reports no metrics), so a job that runs every minute does not ask a
failing network every minute; "Sync now" always tries.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desktop.services import app_settings
from desktop.services.accounts import AccountError, AccountHandle, open_account
from desktop.services.connections import CredentialRefresher
from desktop.services.metric_names import FOLLOWERS, RATE_RESERVE, SYNC_NOW_DAYS
from desktop.services.metrics.cadence import ACCOUNT_EVERY, account_due_filter, post_due_filter
from desktop.services.metrics.history import history_imported, history_key, save_external_posts
from desktop.services.metrics.report import AccountNote, SyncReport
from desktop.services.metrics.store import (
    Reading,
    refresh_variant_stats,
    save_windows,
    stored_windows,
    write_readings,
)
from desktop.services.publisher import retry_delay
from desktop.services.vault import VaultError
from desktop.services.zones import format_local, iso_utc, user_zone, user_zone_name
from desktop.store.models import Account, AccountStatus, MetricSnapshot, Variant, VariantState, utcnow
from providers.base import (
    AuthExpired,
    Connection,
    MetricsOffer,
    MetricsUnavailable,
    PostMetrics,
    Provider,
    ProviderError,
    RateLimited,
    RateWindow,
)
from providers.registry import UnknownNetwork

if TYPE_CHECKING:
    from desktop.services.context import AppContext

log = logging.getLogger(__name__)

#: Settings key: when the last pass finished (ISO 8601 UTC).
LAST_SYNCED = "metrics.last_synced_at"
#: How long a window whose reset time the network did not say is trusted.
UNKNOWN_RESET_AFTER = timedelta(minutes=5)
#: Posts asked for in one history import.
HISTORY_LIMIT = 200
#: Settings key prefix (``metrics.wait_until.<account id>``): scheduled passes skip the account
#: until then, after it failed, was skipped or deferred.
WAIT_KEY = "metrics.wait_until"
#: How long scheduled passes leave a failed account alone.
ERROR_WAIT = timedelta(minutes=30)
#: Variant states whose posts are (at least partly) live.
MEASURED = (VariantState.PUBLISHED, VariantState.PARTIALLY_LIVE)


class _Deferred(Exception):
    def __init__(self, until: datetime | None, reason: str) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


@dataclass
class _Target:
    """One account this pass, and what to read for it."""

    account_id: int
    network: str
    handle: str
    read_account: bool
    variants: list[tuple[int, str]] = field(default_factory=list)  # (variant id, remote id)


@dataclass
class _Tally:
    posts: int = 0
    accounts: int = 0
    snapshots: int = 0
    history: int = 0
    deferred: list[AccountNote] = field(default_factory=list)
    skipped: list[AccountNote] = field(default_factory=list)
    errors: list[AccountNote] = field(default_factory=list)


class _Windows:
    """Rate-limit windows of one account: the stored ones, then what each response says.
    ``observe`` may be called from any thread the provider uses."""

    def __init__(self, stored: Sequence[tuple[RateWindow, datetime]]) -> None:
        self._lock = threading.Lock()
        self._by_scope = {w.scope: (w, seen) for w, seen in stored}
        self.fresh: dict[str, RateWindow] = {}
        self.clock: Callable[[], datetime] = utcnow

    def observe(self, window: RateWindow) -> None:
        with self._lock:
            self._by_scope[window.scope] = (window, self.clock())
            self.fresh[window.scope] = window

    def take_fresh(self) -> list[RateWindow]:
        with self._lock:
            fresh, self.fresh = list(self.fresh.values()), {}
        return fresh

    def exhausted_until(self, now: datetime) -> datetime | None:
        """When the tightest window below the reserve resets; None while every window is above it."""
        with self._lock:
            windows = list(self._by_scope.values())
        until: datetime | None = None
        for w, seen in windows:
            if w.limit <= 0 or w.remaining >= RATE_RESERVE * w.limit:
                continue
            resets = w.resets_at or seen + UNKNOWN_RESET_AFTER
            if resets > now and (until is None or resets > until):
                until = resets
        return until


def last_synced(ctx: AppContext) -> datetime | None:
    """When the last metrics pass finished (None: never)."""
    value = app_settings.get(ctx, LAST_SYNCED)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def sync_metrics(
    ctx: AppContext,
    *,
    manual: bool,
    now: datetime | None = None,
    cancel: Callable[[], bool] | None = None,
) -> SyncReport:
    """One pass (see the module's docstring). ``cancel`` is checked before each account and each
    request batch; when it says stop, the pass ends with ``cancelled`` and what was read so far.
    Raises only when the pass cannot run at all (the database is unusable)."""
    started = utcnow()
    now = now or started
    stop = cancel or (lambda: False)
    tally = _Tally()
    refresher = CredentialRefresher(ctx)
    zone = user_zone(ctx)
    cancelled = False
    for target in _plan(ctx, manual=manual, now=now):
        if stop():
            cancelled = True
            break
        before = (len(tally.errors), len(tally.skipped), len(tally.deferred))
        try:
            cancelled = _sync_account(ctx, target, now=now, refresher=refresher, tally=tally, stop=stop, zone=zone)
        except Exception as exc:  # a broken row, a busy DB: this account only
            log.exception("metrics sync failed for account %s", target.account_id)
            tally.errors.append(_noter(ctx, target)(_plain(exc)))
        _hold_back(ctx, target.account_id, tally, before, now)
        if cancelled:
            break
    finished = utcnow()
    if tally.snapshots or not tally.errors:
        app_settings.put(ctx, LAST_SYNCED, iso_utc(finished))
    return SyncReport(
        manual=manual,
        started_at=started,
        finished_at=finished,
        posts=tally.posts,
        accounts=tally.accounts,
        snapshots=tally.snapshots,
        history_imported=tally.history,
        deferred=tuple(tally.deferred),
        skipped=tuple(tally.skipped),
        errors=tuple(tally.errors),
        cancelled=cancelled,
    )


def import_history(
    ctx: AppContext,
    account_id: int,
    *,
    since: datetime | None = None,
    limit: int = HISTORY_LIMIT,
    now: datetime | None = None,
) -> int:
    """Import the account's recent posts published outside the app (see :mod:`.history`).
    Returns how many were new. Raises AccountError, VaultError or a ProviderError."""
    handle = open_account(ctx, account_id)
    offer = handle.provider.metrics_offered(handle.connection)
    imported, _snapshots = _import(
        ctx, handle, CredentialRefresher(ctx), offer, since=since, limit=limit, now=now or utcnow()
    )
    return imported


# --- planning --------------------------------------------------------------------------------------


def _wait_key(account_id: int) -> str:
    return f"{WAIT_KEY}.{account_id}"


def _hold_back(ctx: AppContext, account_id: int, tally: _Tally, before: tuple[int, int, int], now: datetime) -> None:
    """After an account failed, was skipped or deferred, scheduled passes leave it alone for a
    while (a pass every minute must not ask a failing network every minute); Sync now does not wait."""
    errors, skipped, deferred = (tally.errors[before[0] :], tally.skipped[before[1] :], tally.deferred[before[2] :])
    if errors:
        until = now + ERROR_WAIT
    elif deferred:
        until = max((d.until for d in deferred if d.until), default=now + UNKNOWN_RESET_AFTER)
    elif skipped:
        until = now + ACCOUNT_EVERY
    else:
        return
    try:
        app_settings.put(ctx, _wait_key(account_id), iso_utc(until))
    except Exception:  # only a courtesy to the network: never worth failing the pass
        log.warning("could not note when to ask account %s again", account_id, exc_info=True)


def _waiting(ctx: AppContext, account_id: int, now: datetime) -> bool:
    value = app_settings.get(ctx, _wait_key(account_id))
    return bool(value) and datetime.fromisoformat(str(value).replace("Z", "+00:00")) > now


def _plan(ctx: AppContext, *, manual: bool, now: datetime) -> list[_Target]:
    reachable = (Account.status == AccountStatus.CONNECTED, Account.paused.is_(False))
    with ctx.session() as s:
        accounts = s.execute(
            select(Account.id, Account.provider, Account.handle, account_due_filter(now)).where(*reachable)
        ).all()
        in_range = Variant.published_at >= now - timedelta(days=SYNC_NOW_DAYS) if manual else post_due_filter(now)
        variants = s.execute(
            select(Variant.account_id, Variant.id, Variant.remote_id)
            .join(Account, Account.id == Variant.account_id)
            .where(
                *reachable,
                Variant.state.in_(MEASURED),
                Variant.remote_id != "",
                Variant.published_at.is_not(None),
                in_range,
            )
            .order_by(Variant.account_id, Variant.published_at.desc(), Variant.id)
        ).all()
    by_account: dict[int, list[tuple[int, str]]] = {}
    for account_id, variant_id, remote_id in variants:
        by_account.setdefault(account_id, []).append((variant_id, remote_id))
    targets = []
    for account_id, network, handle, due in accounts:
        read_account = manual or bool(due)
        posts = by_account.get(account_id, [])
        if not (read_account or posts or not history_imported(ctx, account_id)):
            continue
        if not manual and _waiting(ctx, account_id, now):
            continue  # it failed, was skipped or deferred recently: see _hold_back
        targets.append(_Target(account_id, network, handle, read_account, posts))
    return targets


# --- one account -----------------------------------------------------------------------------------


def _sync_account(
    ctx: AppContext,
    target: _Target,
    *,
    now: datetime,
    refresher: CredentialRefresher,
    tally: _Tally,
    stop: Callable[[], bool],
    zone: Any,
) -> bool:
    """Read one account's counters. Returns True when ``stop`` ended the pass."""
    note = _noter(ctx, target)
    try:
        handle = open_account(ctx, target.account_id)
    except UnknownNetwork:
        tally.errors.append(
            note(f"The {target.network.capitalize()} plugin is not installed, so its metrics cannot be read.")
        )
        return False
    except (AccountError, VaultError) as exc:
        tally.errors.append(note(str(exc)))
        return False
    with ctx.session() as s:
        windows = _Windows(stored_windows(s, target.account_id))
    windows.clock = lambda: now
    handle = replace(handle, connection=replace(handle.connection, observe_rate=windows.observe))
    provider = handle.provider
    offer = provider.metrics_offered(handle.connection)
    name = provider.info.name
    if not offer.post and not offer.account:
        tally.skipped.append(note(offer.note or f"{name} does not provide metrics."))
        return False

    def guard() -> None:
        until = windows.exhausted_until(now)
        if until is not None:
            raise _Deferred(
                until,
                f"{name} {target.handle}: paused until {format_local(until, '%H:%M', zone)} to keep "
                f"{RATE_RESERVE:.0%} of the rate limit for publishing.",
            )

    def keep_windows() -> None:
        fresh = windows.take_fresh()
        if fresh:
            with ctx.session() as s:
                save_windows(s, target.account_id, fresh, now)

    try:
        if not history_imported(ctx, target.account_id):
            guard()
            imported, snapshots = _import(ctx, handle, refresher, offer, since=None, limit=HISTORY_LIMIT, now=now)
            tally.history += imported
            tally.snapshots += snapshots
            keep_windows()
        if target.read_account and offer.account:
            guard()
            values = refresher.call(handle, provider.account_metrics).values
            reported = {m: v for m, v in values.items() if m in offer.account}
            with ctx.session() as s:
                previous = _followers_read_before(s, target.account_id, now) if FOLLOWERS in reported else None
                tally.snapshots += write_readings(s, [Reading(target.account_id, None, reported)], now)
                if FOLLOWERS in reported:
                    # only posts published since the previous reading can have this one nearest
                    refresh_variant_stats(s, account_ids=[target.account_id], since=previous)
                s.execute(
                    update(Account)
                    .where(Account.id == target.account_id)
                    .values(metrics_synced_at=now)
                    .execution_options(synchronize_session=False)
                )
            tally.accounts += 1
            keep_windows()
        if offer.post:
            size = max(1, int(provider.metrics_batch_size or 1))
            for start in range(0, len(target.variants), size):
                if stop():
                    return True
                guard()
                batch = target.variants[start : start + size]
                ids = [remote_id for _vid, remote_id in batch]
                got: dict[str, PostMetrics] = refresher.call(handle, partial(_post_metrics, provider, ids))
                readings = []
                for variant_id, remote_id in batch:
                    found = got.get(remote_id)
                    if found is not None:
                        readings.append(
                            Reading(
                                target.account_id,
                                variant_id,
                                {m: v for m, v in found.values.items() if m in offer.post},
                            )
                        )
                with ctx.session() as s:
                    tally.snapshots += write_readings(s, readings, now)
                    refresh_variant_stats(s, variant_ids=[r.variant_id for r in readings if r.variant_id is not None])
                    # not a state change: a plain UPDATE that leaves the row's version alone, so it
                    # never makes an editor's or a publisher's version-checked write fail
                    s.execute(
                        update(Variant)
                        .where(Variant.id.in_([vid for vid, _r in batch]))
                        .values(metrics_synced_at=now)
                        .execution_options(synchronize_session=False)
                    )
                tally.posts += len(readings)
                keep_windows()
    except _Deferred as deferred:
        tally.deferred.append(note(deferred.reason, until=deferred.until))
    except RateLimited as exc:
        delay = retry_delay(exc.retry_after)
        until = now + timedelta(seconds=delay) if delay is not None else windows.exhausted_until(now)
        when = f"until {format_local(until, '%H:%M', zone)}" if until else "until a later pass"
        tally.deferred.append(
            note(f"{name} {target.handle}: the network asked to slow down; metrics wait {when}. ({exc})", until=until)
        )
    except AuthExpired as exc:
        tally.errors.append(note(f"Sign-in expired: reconnect {target.handle} to read its metrics. {exc}"))
    except MetricsUnavailable as exc:
        tally.skipped.append(note(str(exc)))
    except ProviderError as exc:
        tally.errors.append(note(str(exc)))
    finally:
        try:
            keep_windows()
        except Exception:  # only bookkeeping: the next response says it again
            log.warning("could not save the rate-limit windows of account %s", target.account_id, exc_info=True)
    return False


def _import(
    ctx: AppContext,
    handle: AccountHandle,
    refresher: CredentialRefresher,
    offer: MetricsOffer,
    *,
    since: datetime | None,
    limit: int,
    now: datetime,
) -> tuple[int, int]:
    provider = handle.provider
    found = refresher.call(handle, lambda c: provider.recent_posts(c, since=since, limit=limit))
    result = save_external_posts(ctx, handle.account_id, found, offered=offer.post, zone=user_zone_name(ctx), now=now)
    app_settings.put(ctx, history_key(handle.account_id), iso_utc(now))
    return result


def _followers_read_before(s: Session, account_id: int, at: datetime) -> datetime | None:
    """When the account's follower count was last read at or before ``at`` (None: never); a
    reading at ``at`` can only be the nearest one for posts published after that."""
    return s.scalar(
        select(func.max(MetricSnapshot.taken_at)).where(
            MetricSnapshot.account_id == account_id,
            MetricSnapshot.metric == FOLLOWERS,
            MetricSnapshot.taken_at <= at,
        )
    )


def _post_metrics(provider: Provider, ids: list[str], conn: Connection) -> dict[str, PostMetrics]:
    return provider.post_metrics(conn, ids)


def _noter(ctx: AppContext, target: _Target) -> Callable[..., AccountNote]:
    name = ctx.registry.cls(target.network).info.name if target.network in ctx.registry else ""

    def note(text: str, *, until: datetime | None = None) -> AccountNote:
        return AccountNote(target.account_id, target.network, target.handle, text, until, name)

    return note


def _plain(exc: BaseException) -> str:
    """An unexpected error in a sentence, never SQL or its parameters."""
    source = getattr(exc, "orig", None) or exc
    lines = str(source).strip().splitlines()
    text = lines[0] if lines else ""
    return f"Metrics could not be read: {type(source).__name__}{': ' + text if text else ''}"
