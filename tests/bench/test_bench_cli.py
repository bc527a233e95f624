"""The command line as the OS scheduler and scripts feel it (issue 14): whole ``campaign-desk``
processes, spawn to exit, median of 7 runs each.

- ``cli_version_s``: ``campaign-desk --version`` (target ≤ 0.15 s).
- ``cli_publish_due_idle_s``: ``campaign-desk publish-due`` on a store with connected accounts,
  published history and posts scheduled for the coming weeks, but nothing due: what the OS job
  costs every minute while there is nothing to send (target ≤ 0.5 s).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: wall time only
    resource = None  # type: ignore[assignment]

from sqlalchemy import update

from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.services.transitions import S
from desktop.store.models import Account, Variant

RUNS = 7
FUTURE_POSTS = 200
PUBLISHED_POSTS = 300


def _command() -> list[str]:
    """The installed entry point, as the OS scheduler runs it."""
    script = Path(sys.executable).with_name("campaign-desk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop"]


def _cpu_of_children() -> float:
    if resource is None:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _median_seconds(args: list[str], env: dict[str, str], expect: str) -> float:
    """Median wall time of RUNS whole processes, after one untimed run (bytecode caches written).
    Prints the median CPU time too: on a busy machine it shows what the wall time hides."""
    times, cpu = [], []
    for run in range(RUNS + 1):
        cpu_before = _cpu_of_children()
        started = time.perf_counter()
        proc = subprocess.run([*_command(), *args], env=env, capture_output=True, text=True, timeout=120)
        elapsed = time.perf_counter() - started
        assert proc.returncode == 0, proc.stderr
        assert expect in proc.stdout, proc.stdout
        if run:
            times.append(elapsed)
            cpu.append(_cpu_of_children() - cpu_before)
    seconds = statistics.median(times)
    print(f"\ncampaign-desk {' '.join(args)}: median {seconds:.3f} s wall, {statistics.median(cpu):.3f} s CPU")
    return seconds


def _fill_idle_store(ctx: AppContext) -> None:
    """Three connected accounts, published history and posts scheduled ahead: nothing due now."""
    now = datetime.now(UTC)
    with ctx.session() as s:
        accounts = [
            Account(provider="mastodon", remote_id=f"{i}", handle=f"@bench{i}", server_url="https://m.test")
            for i in range(3)
        ]
        s.add_all(accounts)
        s.flush()
        ids = [a.id for a in accounts]
    for i in range(FUTURE_POSTS):
        schedule_post(ctx, account_ids=ids, text=f"Coming up #{i}", at=now + timedelta(hours=1 + i))
    for i in range(PUBLISHED_POSTS):
        schedule_post(ctx, account_ids=ids, text=f"Earlier #{i}", at=now + timedelta(days=400, hours=i))
    with ctx.session() as s:  # history: sent long ago (as the publisher leaves it)
        s.execute(
            update(Variant)
            .where(Variant.scheduled_at > now + timedelta(days=399))
            .values(
                state=S.PUBLISHED,
                scheduled_at=now - timedelta(days=30),
                published_at=now - timedelta(days=30),
                remote_id="1",
            )
        )


def test_cli_version(bench_record: Callable[[str, float], None], subprocess_env: dict[str, str]) -> None:
    seconds = _median_seconds(["--version"], subprocess_env, "campaign-desk ")
    bench_record("cli_version_s", seconds)


def test_cli_publish_due_idle(
    bench_record: Callable[[str, float], None], subprocess_env: dict[str, str], ctx: AppContext
) -> None:
    _fill_idle_store(ctx)
    ctx.close()  # the app is closed while the OS job runs
    seconds = _median_seconds(["publish-due"], subprocess_env, "Nothing due.")
    bench_record("cli_publish_due_idle_s", seconds)
