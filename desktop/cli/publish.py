"""``campaign-desk publish-due``: one publishing pass, safe to run every minute from the OS
scheduler and at the same time as the open app.

When a glance at the database shows the pass would do nothing (:mod:`desktop.services.publish_idle`),
it prints what the pass would print without loading the database layer, the providers or httpx:
the OS job then costs a fraction of a second a minute.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.output import EXIT_FAILED, EXIT_OK, emit_json, say, warn
from desktop.services.publish_idle import idle_pass

PAUSED = "Publishing is paused (Settings). Nothing was sent."
NOTHING_DUE = "Nothing due."


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "publish-due", parents=[common], help="publish what is due, once (exit 1 if anything failed or must be retried)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    idle = idle_pass(data_dir)
    if idle is None:
        return run_pass(data_dir, as_json)
    if as_json:
        emit_json(idle.to_json())
    else:
        say(PAUSED if idle.paused else NOTHING_DUE)
    return EXIT_OK


def run_pass(data_dir: str | None, as_json: bool) -> int:
    """The full pass: open (and migrate) the store, publish what is due, report it."""
    from desktop.cli.context import open_context
    from desktop.services.publisher import Publisher

    with open_context(data_dir) as ctx:
        report = Publisher(ctx, kind="cli").run_once()
    if as_json:
        emit_json(report.to_json())
    elif report.paused:
        say(PAUSED)
    elif not report.outcomes:
        say(NOTHING_DUE)
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
