"""``campaign-desk sync-metrics``: one metrics pass.

By hand it refreshes every post published in the last 90 days and every account ("Sync now");
with ``--due`` it reads only what the cadence says is due (what the OS job runs). Exit 0 when
the pass ran, even if some accounts were deferred to keep the rate-limit reserve; 1 when any
account failed or the pass could not run.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_FAILED, EXIT_OK, emit_json, say, warn
from desktop.services.metrics import SyncReport, sync_metrics


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "sync-metrics",
        parents=[common],
        help="read likes, reposts, followers… from the networks once (exit 1 if an account failed)",
    )
    p.add_argument(
        "--due",
        action="store_true",
        help="only what the cadence says is due (hourly on day 1, daily to day 30, weekly to day 90)",
    )
    p.set_defaults(handler=run)


def print_report(report: SyncReport) -> None:
    """The human summary of a pass (also used by ``background run``)."""
    what = "due metrics" if not report.manual else "metrics"
    say(
        f"Synced {what}: {report.posts} post{'s' if report.posts != 1 else ''}, "
        f"{report.accounts} account{'s' if report.accounts != 1 else ''}, {report.snapshots} snapshots"
        + (f", {report.history_imported} earlier posts imported" if report.history_imported else "")
        + (" (stopped early)" if report.cancelled else "")
        + "."
    )
    for note in report.deferred:
        say(f"  deferred: {note.text}")
    for note in report.skipped:
        say(f"  skipped {note.network} {note.handle}: {note.text}")
    for note in report.errors:
        say(f"  failed {note.network} {note.handle}: {note.text}")


def run(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        report = sync_metrics(ctx, manual=not args.due)
    if as_json:
        emit_json(report.to_json())
    else:
        print_report(report)
    if not report.ok:
        names = ", ".join(f"{n.network} {n.handle}" for n in report.errors)
        warn(f"campaign-desk sync-metrics: {len(report.errors)} account(s) failed: {names}")
        return EXIT_FAILED
    return EXIT_OK
