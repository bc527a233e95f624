"""Soak (issue #10): threads part by part, racing publishers, SIGKILLs, cancels and edits.

`make bench` runs it. 1,000 variants over 5 mastodon-mock accounts, 200 of them 3-part threads,
all due now. :class:`ThreadFaults` (the transport of ``test_soak_publisher``, with more kinds)
breaks about a quarter of the ``POST /api/v1/statuses`` calls, one thread part at a time:

- ``ConnectError`` before sending; ``ReadTimeout`` after the server created the status; a 200
  whose JSON is cut short after the server created it; a 502 (a proxy's) after the server created
  it (all three: unknown outcome);
- a synthesized 500 or 503;
- a synthesized 429 with ``Retry-After: 30``, and a rarer one with ``Retry-After`` 3600–7200 s, so
  the moving clock jumps past Mastodon's one-hour Idempotency-Key window (emulated by the
  transport, as in ``test_soak_publisher``): every retry after it has to walk the reply chain
  with ``find_published`` instead of trusting the key;
- the server's times read on the moving clock: ``created_at`` in the account's statuses and a
  thread's context is rewritten to what the moving clock said when the status was made, so
  ``find_published`` compares times as it does in production, where the app's and the server's
  clocks agree (read on the real clock, a variant first tried after the clock jumped ahead could
  never be found, and the soak tested the key alone for it);
- a permanent 422 for any part containing ``[refuse]``: part 2 of a few threads. They end
  ``partially_live`` (part 1 public). The soak then does what a user would: opens the post in the
  composer, rewrites the refused part (``compose.load_post`` → ``compose.schedule``; the live part
  1 is kept as it went out), and the publisher resumes after part 1 with the new part 2.

While the passes run:

- two publishers (separate ``AppContext``s on the same data dir) run each pass concurrently in
  threads, with a racer thread that cancels (``posts.cancel_post``) and edits (``compose.load_post``
  then ``compose.schedule``, keeping the scheduled time) posts it sees ``scheduled`` or
  ``retrying`` — the latter possibly live already after an unheard attempt; an edit that finds a
  claim made after its load raises ``transitions.Conflict``, and one that would change a thread's
  live part is refused with "already public" — both counted as correctly refused; a cancel that
  changes nothing (the variant was claimed) likewise. Edits and cancels an earlier attempt beat to
  the network must say so (the earlier text, live once, is then accepted by the judge);
- before some passes a third publisher runs in a subprocess (``python -c``) with its own faulty
  transport and is SIGKILLed at a random moment; its claims are reconciled by the others (its pid
  is dead). The key-window memory is shared with it through two files (a snapshot in, a log out).

The give-up-when-late setting is off (0): the moving clock jumps hours per pass and a post
scheduled again by the user's edit must not be failed as "late" — that is not what is measured.

At the end the server is the judge, per account: every status is recorded in some variant's
``remote_parts`` (cancelled ones included); every non-cancelled variant is ``published`` with
each part's current text exactly once, chained by ``in_reply_to_id``, its ids equal to the DB's.
"""

from __future__ import annotations

import bisect
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import func, select

from desktop.services import app_settings, compose, posts
from desktop.services.context import AppContext
from desktop.services.posts import PostError, When, effective_parts
from desktop.services.publisher import Publisher
from desktop.services.transitions import Conflict
from desktop.store.models import Post, PublishAttempt, Variant, VariantState
from providers.mastodon import MastodonProvider, plain_text
from tests.bench.test_soak_publisher import KEY_WINDOW, FaultyTransport, count_attempts, record_run
from tests.servers.mastodon import MastodonAccount, MastodonMockServer, connect_mastodon

#: Minutes of real time on a quiet machine; more while other work shares its two cores.
pytestmark = pytest.mark.timeout(900)

ACCOUNTS = 5
VARIANTS = 1000
THREADS = 200  # of the variants, 3-part threads
REFUSED_THREADS = 6  # their part 2 is refused (422) until the user edits it
SEED = 20261210
MAX_ROUNDS = 80
KILL_BEFORE_ROUNDS = (1, 2, 3, 5)
RACER_ACTIONS_PER_ROUND = 60
REFUSE = "[refuse]"
S = VariantState
ROOT = Path(__file__).resolve().parents[2]

#: (fault, cumulative probability) for one POST /api/v1/statuses
THREAD_FAULT_PLAN = (
    ("connect_error", 0.06),
    ("timeout_after", 0.12),
    ("malformed_200", 0.14),
    ("bad_gateway_after", 0.16),  # a 5xx after the server committed the status
    ("server_500", 0.19),
    ("server_503", 0.21),
    ("rate_429", 0.25),
    ("rate_429_long", 0.27),  # Retry-After 3600..7200 s: past the key window
)


class ThreadFaults(FaultyTransport):
    """:class:`FaultyTransport` with the faults above, a permanent 422 for ``[refuse]`` parts, and
    its key-window memory shareable with a subprocess (``load_keys`` / ``keylog``)."""

    def __init__(self, seed: int, clock: Callable[[], datetime], keylog: Path | None = None) -> None:
        super().__init__(seed, clock, KEY_WINDOW)
        self.keylog = keylog
        #: (real time, moving clock) from each time the moving clock was set: the server's times
        #: are told on the moving clock, as a server's and an app's clocks agree in production.
        self._moves: list[tuple[datetime, datetime]] = []

    # --- the server's clock, moved with the app's ---

    def clock_moved(self) -> None:
        """The moving clock was just set: statuses made from now on were made at its time."""
        with self._lock:
            self._moves.append((datetime.now(UTC), self.clock()))

    def _moved(self, value: object) -> object:
        """A server time (real) on the moving clock: the moving clock's time when it was real."""
        if not isinstance(value, str):
            return value
        real = datetime.fromisoformat(value.replace("Z", "+00:00"))
        with self._lock:
            i = bisect.bisect_right(self._moves, real, key=lambda move: move[0])
            return value if i == 0 else self._moves[i - 1][1].isoformat()

    def _on_moving_clock(self, response: httpx.Response, request: httpx.Request) -> httpx.Response:
        """Statuses in a read (the account's statuses, a thread's context) with times on the
        moving clock, so ``find_published`` compares times as it would in production."""
        response.read()
        data = json.loads(response.content)
        lists = [data] if isinstance(data, list) else [v for v in data.values() if isinstance(v, list)]
        for status in (st for found in lists for st in found if isinstance(st, dict)):
            status["created_at"] = self._moved(status.get("created_at"))
        headers = [(k, v) for k, v in response.headers.items() if k not in ("content-length", "content-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=json.dumps(data).encode(), request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        reads = request.url.path.endswith(("/statuses", "/context"))
        if request.method == "GET" and reads and response.status_code == 200:
            return self._on_moving_clock(response, request)
        return response

    def _draw(self, text: str) -> str:
        if REFUSE in text:
            return "refused_422"
        with self._lock:
            n = self._tries[text]
            self._tries[text] += 1
        roll = random.Random(f"{self.seed}:{text}:{n}").random()
        return next((fault for fault, upto in THREAD_FAULT_PLAN if roll < upto), "ok")

    # --- key memory shared across processes ---

    def dump_keys(self, path: Path) -> None:
        """The key memory, and the moving clock's history (rows of three)."""
        with self._lock:
            rows: list[list[object]] = [[t, k, c.isoformat(), g] for (t, k), (c, g) in self._keys.items()]
            rows += [["moved", real.isoformat(), moving.isoformat()] for real, moving in self._moves]
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))

    def load_keys(self, path: Path) -> None:
        """Merge a snapshot or a subprocess's log: the newest generation of each key wins."""
        if not path.exists():
            return
        rows = []
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:  # the last line of a log cut by SIGKILL
                continue
        with self._lock:
            moves = [
                (datetime.fromisoformat(r), datetime.fromisoformat(m)) for _, r, m in (x for x in rows if len(x) == 3)
            ]
            self._moves = sorted({*self._moves, *moves})
            for t, k, c, g in (x for x in rows if len(x) == 4):
                created = datetime.fromisoformat(c)
                old = self._keys.get((t, k))
                if old is None or (g, created) > (old[1], old[0]):
                    self._keys[(t, k)] = (created, g)

    def _server_key(self, request: httpx.Request) -> tuple[tuple[str, str], str] | None:
        found = super()._server_key(request)
        if found is not None and self.keylog is not None:
            with self._lock:
                entry = self._keys.get(found[0])
            if entry is not None:  # a renamed key: tell the parent
                self._log(found[0], entry)
        return found

    def _remember(self, slot: tuple[str, str] | None, response: httpx.Response) -> None:
        super()._remember(slot, response)
        if slot is not None and self.keylog is not None and response.status_code == 200:
            with self._lock:
                entry = self._keys.get(slot)
            if entry is not None:
                self._log(slot, entry)

    def _log(self, slot: tuple[str, str], entry: tuple[datetime, int]) -> None:
        assert self.keylog is not None
        line = json.dumps([slot[0], slot[1], entry[0].isoformat(), entry[1]]) + "\n"
        with self._lock, self.keylog.open("a") as fh:
            fh.write(line)

    def _answer(self, fault: str, text: str, request: httpx.Request) -> httpx.Response | None:
        if fault == "server_503":
            return httpx.Response(503, json={"error": "injected: server error"}, request=request)
        if fault in ("rate_429", "rate_429_long"):
            wait = 30 if fault == "rate_429" else random.Random(f"{self.seed}:{text}").randint(3600, 7200)
            return httpx.Response(
                429, headers={"Retry-After": str(wait)}, json={"error": "injected: Too many requests"}, request=request
            )
        if fault == "refused_422":
            return httpx.Response(422, json={"error": "Validation failed: injected: refused"}, request=request)
        return super()._answer(fault, text, request)


#: A third publisher in its own process: one pass on the parent's clock, SIGKILLed by the parent.
KILLEE = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime
    from pathlib import Path
    from desktop.services.context import AppContext
    from desktop.services.publisher import Publisher
    from providers.mastodon import MastodonProvider
    from tests.bench.test_soak_threads import ThreadFaults

    data_dir, now, seed, keys, keylog = sys.argv[1:6]
    clock = datetime.fromisoformat(now)
    transport = ThreadFaults(int(seed), clock=lambda: clock, keylog=Path(keylog))
    transport.load_keys(Path(keys))
    transport.clock_moved()
    ctx = AppContext.open(data_dir)
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=transport)
    publisher = Publisher(ctx, kind="killee", clock=lambda: clock, max_workers=4, max_attempts=50)
    print("go", flush=True)
    while True:
        publisher.run_once()
        print("pass", flush=True)
        time.sleep(0.2)
    """
)


@dataclass
class ThreadSoak:
    variants: int = 0
    threads: int = 0
    parts: int = 0
    statuses: int = 0
    rounds: int = 0
    passes: int = 0
    attempts: int = 0
    kills: int = 0
    kills_mid_pass: int = 0
    cancels: int = 0
    cancels_refused: int = 0
    edits: int = 0
    edits_refused: int = 0
    edits_beaten: int = 0
    edits_refused_live: int = 0
    racer_crashes: int = 0
    user_fixes: int = 0
    conflicts_reported: int = 0
    reconciled: int = 0
    duplicates: int = 0
    lost: int = 0
    untracked: int = 0
    mismatched: int = 0
    unchained: int = 0
    left_publishing: int = 0
    left_other: int = 0
    expired_keys: int = 0
    simulated_hours: float = 0.0
    wall: float = 0.0
    faults: dict[str, int] = field(default_factory=dict)
    final_states: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def table(self) -> str:
        rows = [
            ("variants", self.variants),
            ("threads (3 parts)", self.threads),
            ("parts expected live", self.parts),
            ("statuses on the server", self.statuses),
            ("rounds / publisher passes", f"{self.rounds} / {self.passes}"),
            ("publish attempts", self.attempts),
            ("SIGKILLs (mid-pass)", f"{self.kills} ({self.kills_mid_pass})"),
            ("cancels done / refused", f"{self.cancels} / {self.cancels_refused}"),
            ("edits done / refused (Conflict)", f"{self.edits} / {self.edits_refused}"),
            ("edits refused: a thread part already public (said)", self.edits_refused_live),
            ("edits or cancels beaten by an earlier attempt (said)", self.edits_beaten),
            ("racer crashes", self.racer_crashes),
            ("refused parts fixed by the user", self.user_fixes),
            ("publisher-reported conflicts", self.conflicts_reported),
            ("reconciled outcomes", self.reconciled),
            ("expired keys (emulated window)", self.expired_keys),
            ("simulated hours", f"{self.simulated_hours:.1f}"),
            *((f"fault {k}", v) for k, v in sorted(self.faults.items())),
            ("final states", self.final_states),
            ("DUPLICATES", self.duplicates),
            ("LOST parts", self.lost),
            ("UNTRACKED live statuses", self.untracked),
            ("ids differing DB/server", self.mismatched),
            ("parts not chained", self.unchained),
            ("left publishing", self.left_publishing),
            ("left in another open state", self.left_other),
            ("wall time", f"{self.wall:.1f} s"),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def _states(ctx: AppContext) -> Counter[str]:
    with ctx.session() as s:
        return Counter(
            {st.value: n for st, n in s.execute(select(Variant.state, func.count()).group_by(Variant.state))}
        )


def _open(ctx: AppContext) -> int:
    c = _states(ctx)
    with ctx.session() as s:  # cancelled after an attempt: the network is still to be asked
        to_check = s.scalar(
            select(func.count()).where(Variant.state == S.CANCELLED, Variant.next_attempt_at.is_not(None))
        )
    open_states = (S.SCHEDULED, S.RETRYING, S.PUBLISHING, S.PARTIALLY_LIVE, S.OUTCOME_UNKNOWN)
    return sum(c[x.value] for x in open_states) + int(to_check or 0)


def _latest_retry(ctx: AppContext) -> datetime | None:
    with ctx.session() as s:
        # retries, and cancelled posts still to be checked on the network (a killed checker's mark)
        when = s.scalar(select(func.max(Variant.next_attempt_at)).where(Variant.state.in_((S.RETRYING, S.CANCELLED))))
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _waiting(ctx: AppContext) -> list[int]:
    """Posts the user sees waiting: scheduled, or retrying after a failure (whose last attempt may
    have reached the network without an answer: the dangerous ones to cancel or edit)."""
    with ctx.session() as s:
        return list(
            s.scalars(
                select(Variant.post_id)
                .where(Variant.state.in_((S.SCHEDULED, S.RETRYING)))
                .order_by(Variant.scheduled_at, Variant.id)  # the publishers' claim order
            )
        )


class Racer:
    """The user, during a pass: cancels and edits posts it saw scheduled."""

    def __init__(self, ctx: AppContext, clock: Callable[[], datetime], rng: random.Random, result: ThreadSoak) -> None:
        self.ctx, self.clock, self.rng, self.result = ctx, clock, rng, result

    def run(self, actions: int, stop: threading.Event) -> None:
        try:
            self._run(actions, stop)
        except Exception as exc:  # counted and asserted on: a thread's exception is only a warning
            self.result.racer_crashes += 1
            self.result.problems.append(f"racer crashed: {type(exc).__name__}: {exc}")

    def _run(self, actions: int, stop: threading.Event) -> None:
        for _ in range(actions):
            if stop.is_set():
                return
            candidates = _waiting(self.ctx)
            if not candidates:
                return
            # mostly the next few in the publishers' claim order, so claims and user actions collide
            post_id = self.rng.choice(candidates[:8] if self.rng.random() < 0.7 else candidates)
            if self.rng.random() < 0.4:
                _row, changed = posts.cancel_post(self.ctx, post_id)
                if changed:
                    self.result.cancels += 1
                else:
                    self.result.cancels_refused += 1
            else:
                self.edit(post_id)
            time.sleep(self.rng.uniform(0.0, 0.02))

    def edit(self, post_id: int) -> None:
        doc = compose.load_post(self.ctx, post_id)
        time.sleep(self.rng.uniform(0.0, 0.15))  # the user types
        doc.parts = [f"{p} (edited)" for p in doc.parts]
        try:
            compose.schedule(self.ctx, doc, When(now=True), clock=self.clock())
        except Conflict:
            self.result.edits_refused += 1
        except PostError as exc:  # a thread's live part may not change: the user is told so
            assert "already public" in str(exc), exc
            self.result.edits_refused_live += 1
        else:
            self.result.edits += 1


def fix_refused(ctx: AppContext, clock: datetime) -> int:
    """The user rewrites the refused part of each partially live thread and schedules it again."""
    with ctx.session() as s:
        ids = list(s.scalars(select(Variant.post_id).where(Variant.state == S.PARTIALLY_LIVE)))
    fixed = 0
    for post_id in ids:
        doc = compose.load_post(ctx, post_id)
        doc.parts = [p.replace(REFUSE, "[reworded]") for p in doc.parts]
        try:
            compose.schedule(ctx, doc, When(now=True), clock=clock)
        except Conflict:
            continue
        fixed += 1
    return fixed


def kill_a_publisher(
    ctx: AppContext, transport: ThreadFaults, now: datetime, n: int, rng: random.Random, tmp: Path
) -> tuple[subprocess.Popen[str], float]:
    keys, keylog = tmp / f"keys-{n}.jsonl", tmp / f"keylog-{n}.jsonl"
    transport.dump_keys(keys)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLEE,
            str(ctx.data_dir),
            now.isoformat(),
            str(SEED + 1000 * n),
            str(keys),
            str(keylog),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "go", proc.stderr.read() if proc.stderr else line
    return proc, rng.uniform(0.1, 2.5)


def reap(proc: subprocess.Popen[str], transport: ThreadFaults, keylog: Path) -> bool:
    """SIGKILL the subprocess; True if it was still in its first pass."""
    assert proc.stdout is not None
    proc.send_signal(signal.SIGKILL)
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, _err[-2000:]
    transport.load_keys(keylog)
    return "pass" not in out


def _history(
    ctx: AppContext,
    variant_id: int,
    account_id: int,
    marker: str,
    by_text: dict[tuple[int, str], list[str]],
    server: dict[str, dict[str, Any]],
) -> list[str]:
    """What the DB and the server say of one variant: its attempts and the statuses of its texts."""
    lines = []
    with ctx.session() as s:
        variant = s.get(Variant, variant_id)
        assert variant is not None
        lines.append(
            f"  variant {variant_id}: {variant.state.value} parts {variant.remote_parts} note {variant.last_error!r}"
        )
        for a in sorted(variant.attempts, key=lambda a: a.id):
            lines.append(
                f"  attempt {a.id} {a.started_at:%H:%M:%S} {a.outcome.value} by {a.runner.split()[0]}: "
                f"{a.texts} {a.error[:100]!r}"
            )
    for (acc, body), ids in by_text.items():
        if acc == account_id and marker in body:
            for sid in ids:
                st = server[sid]
                lines.append(f"  server {sid} {st.get('created_at')} reply_to {st.get('in_reply_to_id')}: {body!r}")
    return lines


def verify(ctx: AppContext, accounts: list[MastodonAccount], result: ThreadSoak) -> None:
    server: dict[str, dict[str, Any]] = {}  # status id -> status, over all accounts
    owner: dict[str, int] = {}
    by_text: dict[tuple[int, str], list[str]] = {}
    for account in accounts:
        for status in account.statuses():
            sid = str(status["id"])
            source = status.get("text")
            body = (source if isinstance(source, str) else plain_text(str(status.get("content") or ""))).strip()
            status["_body"] = body
            server[sid], owner[sid] = status, account.id
            by_text.setdefault((account.id, body), []).append(sid)
    result.statuses = len(server)
    for (account_id, body), ids in by_text.items():
        if len(ids) > 1:
            result.duplicates += len(ids) - 1
            result.problems.append(f"duplicate: account {account_id} has {body!r} {len(ids)} times: {ids}")
    tracked: set[str] = set()
    with ctx.session() as s:
        sent: dict[int, list[list[str]]] = {}
        for variant_id, texts_sent in s.execute(select(PublishAttempt.variant_id, PublishAttempt.texts)):
            if texts_sent:
                sent.setdefault(variant_id, []).append([str(t) for t in texts_sent])
        rows = [
            (v.id, v.account_id, v.state, list(v.remote_parts or []), effective_parts(v.post, v), v.last_error)
            for v in s.scalars(select(Variant).join(Post))
        ]
    for variant_id, account_id, state, remote_parts, texts, note in rows:
        # an edit that an earlier attempt beat to the network: the variant says so, and the
        # earlier text is what is live (and must be, exactly once)
        beaten = "before your last edit" in note or "already published" in note
        if beaten:
            result.edits_beaten += 1
        recorded = {int(p["index"]): str(p["remote_id"]) for p in remote_parts}
        tracked.update(recorded.values())
        if sorted(recorded) != list(range(len(recorded))) or len(recorded) != len(remote_parts):
            result.problems.append(f"remote_parts: variant {variant_id} has indexes {sorted(recorded)}")
            result.mismatched += 1
        for i, sid in recorded.items():
            if sid not in server or owner[sid] != account_id:
                result.mismatched += 1
                result.problems.append(f"recorded but not live: variant {variant_id} part {i} {sid}")
        if state is S.PUBLISHING:
            result.left_publishing += 1
        if state is S.CANCELLED:
            continue
        result.parts += len(texts)
        if state is not S.PUBLISHED:
            result.left_other += state is not S.PUBLISHING
            result.problems.append(f"open: variant {variant_id} ended {state.value} with {len(recorded)} parts")
        for i, text in enumerate(texts):
            ids = by_text.get((account_id, text.strip()), [])
            if not ids and beaten:
                for earlier in sent.get(variant_id, []):
                    if i < len(earlier) and by_text.get((account_id, earlier[i].strip())):
                        ids = by_text[(account_id, earlier[i].strip())]
                        break
            if not ids:
                result.lost += 1
                result.problems.append(f"lost: variant {variant_id} part {i} {text!r} is not on the server")
                marker = " ".join(text.split()[2:4]) + " "  # "variant 0123 ", as written by thread_soak
                result.problems.extend(_history(ctx, variant_id, account_id, marker, by_text, server))
                continue
            if recorded.get(i) not in ids:
                result.mismatched += 1
                result.problems.append(f"ids: variant {variant_id} part {i} DB {recorded.get(i)} server {ids}")
            if i > 0:
                parent = recorded.get(i - 1)
                if any(str(server[sid].get("in_reply_to_id")) != str(parent) for sid in ids):
                    result.unchained += 1
                    result.problems.append(f"chain: variant {variant_id} part {i} does not reply to {parent}")
    for sid, status in server.items():
        if sid not in tracked:
            result.untracked += 1
            result.problems.append(f"untracked: account {owner[sid]} status {sid} {status['_body']!r}")


def thread_soak(ctx: AppContext, server: MastodonMockServer, tmp: Path) -> ThreadSoak:
    result = ThreadSoak()
    started = time.perf_counter()
    now = [datetime.now(UTC) + timedelta(seconds=1)]
    start_clock = now[0]

    def clock() -> datetime:
        return now[0]

    transport = ThreadFaults(SEED, clock=clock)
    transport.clock_moved()
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=transport)
    app_settings.put(ctx, app_settings.GIVE_UP_HOURS, 0)
    other = AppContext.open(ctx.data_dir)
    other.registry._instances["mastodon"] = MastodonProvider(transport=transport)
    racer_ctx = AppContext.open(ctx.data_dir)
    racer_ctx.registry._instances["mastodon"] = MastodonProvider(transport=transport)
    try:
        accounts = [connect_mastodon(ctx, server) for _ in range(ACCOUNTS)]
        rng = random.Random(SEED)
        thread_numbers = set(rng.sample(range(VARIANTS), THREADS))
        refused = set(rng.sample(sorted(thread_numbers), REFUSED_THREADS))
        for n in range(VARIANTS):
            account = accounts[n % ACCOUNTS]
            text = f"Soak {SEED} variant {n:04d} on account {n % ACCOUNTS}: autumn line"
            thread: list[str] = []
            if n in thread_numbers:
                text += " (1/3)"
                thread = [f"Soak {SEED} variant {n:04d} part 2/3{' ' + REFUSE if n in refused else ''}"]
                thread.append(f"Soak {SEED} variant {n:04d} part 3/3, the end")
            posts.schedule_post(ctx, account_ids=[account.id], text=text, thread=thread, now=True, clock=now[0])
        result.variants, result.threads = VARIANTS, THREADS
        publishers = [
            Publisher(c, kind=k, clock=clock, rng=random.Random(SEED + i).random, max_workers=4, max_attempts=50)
            for i, (c, k) in enumerate(((ctx, "cli"), (other, "gui")))
        ]
        racer = Racer(racer_ctx, clock, random.Random(SEED + 7), result)
        for round_no in range(1, MAX_ROUNDS + 1):
            killee = None
            if round_no in KILL_BEFORE_ROUNDS:
                killee = kill_a_publisher(ctx, transport, now[0], round_no, rng, tmp)
                kill_at = time.monotonic() + killee[1]
            reports: list[Any] = []
            stop = threading.Event()
            workers = [threading.Thread(target=lambda p=p, r=reports: r.append(p.run_once())) for p in publishers]
            workers.append(threading.Thread(target=racer.run, args=(RACER_ACTIONS_PER_ROUND, stop)))
            for w in workers:
                w.start()
            if killee is not None:
                time.sleep(max(0.0, kill_at - time.monotonic()))
                result.kills += 1
                result.kills_mid_pass += reap(killee[0], transport, tmp / f"keylog-{round_no}.jsonl")
            for w in workers[:2]:
                w.join()
            stop.set()
            workers[2].join()
            result.rounds, result.passes = round_no, result.passes + len(reports)
            for report in reports:
                result.reconciled += sum(o.reconciled for o in report.outcomes)
                result.conflicts_reported += len(report.conflicts)
            result.user_fixes += fix_refused(racer_ctx, now[0])
            if _open(ctx) == 0:
                break
            latest = _latest_retry(ctx)
            now[0] = max(now[0], latest or now[0]) + timedelta(seconds=1)
            transport.clock_moved()
        result.attempts = count_attempts(ctx)
        result.final_states = dict(_states(ctx))
        verify(ctx, accounts, result)
    finally:
        other.close()
        racer_ctx.close()
        transport.shutdown()
    record_run(result, transport, now[0] - start_clock, started)
    return result


def test_soak_threads_kills_races(
    benchmark: BenchmarkFixture, ctx: AppContext, mastodon: MastodonMockServer, tmp_path: Path
) -> None:
    result: ThreadSoak = benchmark.pedantic(thread_soak, args=(ctx, mastodon, tmp_path), rounds=1, iterations=1)
    benchmark.extra_info.update({k: v for k, v in vars(result).items() if k != "problems"})
    print()
    print("thread soak (issue #10):")
    print(result.table())
    for problem in result.problems[:60]:
        print(f"  problem: {problem}")
    assert result.variants == VARIANTS and result.threads == THREADS
    assert result.kills >= 3
    assert result.duplicates == 0, result.problems[:20]
    assert result.lost == 0, result.problems[:20]
    assert result.untracked == 0, result.problems[:20]
    assert result.left_publishing == 0, result.problems[:20]
    assert result.mismatched == 0 and result.unchained == 0, result.problems[:20]
    assert result.left_other == 0, result.problems[:20]
    assert result.racer_crashes == 0, result.problems[:20]
