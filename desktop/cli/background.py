"""``campaign-desk background install|remove|status``: the OS job that runs ``publish-due`` every
minute while the app is closed (launchd, Task Scheduler, systemd user timer or crontab)."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_OK, CommandFailed, emit_json, say
from desktop.services.background_job import BackgroundJob, BackgroundJobError, JobPlan, JobStatus


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "background", parents=[common], help="keep publishing when the app is closed (an OS job, every minute)"
    )
    act = p.add_subparsers(dest="background_command", metavar="ACTION", required=True)
    for name, helptext in (
        ("install", "install (or replace) the OS job that runs publish-due every minute"),
        ("remove", "remove the OS job and its files"),
        ("status", "which mechanism this OS uses, the exact command, and whether it is installed"),
    ):
        c = act.add_parser(name, parents=[common], help=helptext)
        c.set_defaults(handler=run, action=name)


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
