"""``campaign-desk background install|remove|status|run``: the OS job that runs ``background run``
every minute while the app is closed (launchd, Task Scheduler, systemd user timer or crontab),
and ``run`` itself: a publishing pass, then the metrics that are due."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_FAILED, EXIT_OK, CommandFailed, emit_json, say, warn
from desktop.services.background_job import BackgroundJob, BackgroundJobError, JobPlan, JobStatus, run_job


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "background", parents=[common], help="keep publishing when the app is closed (an OS job, every minute)"
    )
    act = p.add_subparsers(dest="background_command", metavar="ACTION", required=True)
    for name, helptext in (
        ("install", "install (or replace) the OS job that publishes due posts and reads due metrics every minute"),
        ("remove", "remove the OS job and its files"),
        ("status", "which mechanism this OS uses, the exact command, and whether it is installed"),
    ):
        c = act.add_parser(name, parents=[common], help=helptext)
        c.set_defaults(handler=run, action=name)
    c = act.add_parser(
        "run",
        parents=[common],
        help="what the OS job runs: publish what is due (publish-due), then read the metrics that are due "
        "(sync-metrics --due) for at most 40 s (exit 1 if anything failed)",
    )
    c.set_defaults(handler=run_once, action="run")


def run_once(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    from desktop.cli.metrics import print_report

    with open_context(data_dir) as ctx:
        result = run_job(ctx)
    publish, metrics = result.publish, result.metrics
    if as_json:
        emit_json(result.to_json())
    else:
        if publish.paused:
            say("Publishing is paused (Settings). Nothing was sent.")
        elif not publish.outcomes:
            say("Nothing due.")
        else:
            say(
                f"Publishing: {len(publish.published)} published, {len(publish.failed)} failed, "
                f"{len(publish.retrying)} to retry."
            )
            for o in publish.outcomes:
                if o.state != "published":
                    say(f"  variant #{o.variant_id} {o.network} {o.handle}: {o.state} {o.error}".rstrip())
        if metrics is not None and (
            metrics.snapshots or metrics.deferred or metrics.skipped or metrics.errors or metrics.cancelled
        ):  # the log gets a line every minute only when metrics did something worth reading
            print_report(metrics)
        if result.metrics_note:
            say(result.metrics_note)
    if not result.ok:
        problems = []
        if not publish.ok:
            problems.append(f"{len(publish.failed)} post(s) failed, {len(publish.retrying)} to retry")
        if metrics is not None and metrics.errors:
            problems.append(f"metrics failed for {len(metrics.errors)} account(s)")
        if result.metrics_failed:
            problems.append(result.metrics_note)
        warn(f"campaign-desk background run: {'; '.join(problems)}")
        return EXIT_FAILED
    return EXIT_OK


def _to_json(plan: JobPlan, status: JobStatus) -> dict[str, Any]:
    return {
        "mechanism": plan.mechanism,
        "installed": status.installed,
        "command": plan.command_line,
        "files": [str(f.path) for f in plan.files],
        "detail": status.detail,
    }


def run(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    job = BackgroundJob()
    with open_context(data_dir) as ctx:
        plan = job.plan(ctx)
    try:
        if args.action == "install":
            status = job.install(plan)
        elif args.action == "remove":
            status = job.remove(plan)
        else:
            status = job.status(plan)
    except BackgroundJobError as exc:
        raise CommandFailed(str(exc), data={"mechanism": plan.mechanism, "command": plan.command_line}) from exc
    if as_json:
        emit_json(_to_json(plan, status))
        return EXIT_OK
    what = plan.description if plan.mechanism else "no OS scheduler available"
    say(f"{'Installed' if status.installed else 'Not installed'} ({what}): {status.detail}")
    say(f"Command: {plan.command_line}")
    if plan.cron_line:
        say(f"Crontab line: {plan.cron_line}")
    for f in plan.files:
        say(f"File: {f.path}")
    return EXIT_OK
