"""``campaign-desk publish-due``: one publishing pass, safe to run every minute from the OS
scheduler and at the same time as the open app."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_FAILED, EXIT_OK, emit_json, say, warn
from desktop.services.publisher import Publisher


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "publish-due", parents=[common], help="publish what is due, once (exit 1 if anything failed or must be retried)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        report = Publisher(ctx, kind="cli").run_once()
    if as_json:
        emit_json(report.to_json())
    elif report.paused:
        say("Publishing is paused (Settings). Nothing was sent.")
    elif not report.outcomes:
        say("Nothing due.")
    else:
        for o in report.outcomes:
            detail = o.url if o.state == "published" else o.error
            when = f" (next try {o.next_attempt_at.astimezone():%H:%M:%S})" if o.next_attempt_at else ""
            state = f"{o.state} (changed elsewhere)" if o.conflict else o.state
            say(f"variant #{o.variant_id} {o.network} {o.handle}: {state}{when} {detail}".rstrip())
            for part in o.parts[1:] if o.state == "published" else o.parts:
                say(f"    part {part.index + 1} live: {part.url or part.remote_id}")
    if not report.ok:
        conflicts = f", {len(report.conflicts)} changed elsewhere" if report.conflicts else ""
        warn(f"campaign-desk publish-due: {len(report.failed)} failed, {len(report.retrying)} to retry{conflicts}")
        return EXIT_FAILED
    return EXIT_OK
