"""``campaign-desk campaigns add|list|edit|archive|delete``."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_OK, EXIT_USAGE, CommandFailed, UsageError, emit_json, say, table
from desktop.services import campaigns as svc
from desktop.services.metric_names import GOAL_METRICS


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _count(value: str) -> int:
    try:
        number = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {value!r}")
    return number


def _goal_and_utm_options(p: argparse.ArgumentParser, *, editing: bool) -> None:
    blank = ' ("" clears it)' if editing else ""
    p.add_argument("--color", metavar="#RRGGBB")
    p.add_argument("--goal", default=None, metavar="TEXT", help=f"the goal in your own words{blank}")
    p.add_argument("--goal-target", type=_count, metavar="N", help="a number to reach, e.g. 2000")
    p.add_argument(
        "--goal-metric", choices=GOAL_METRICS, metavar="METRIC", help=f"what counts: {', '.join(GOAL_METRICS)}"
    )
    p.add_argument("--goal-by", type=_date, metavar="YYYY-MM-DD", help="the date to reach it by (optional)")
    p.add_argument("--notes", default=None, metavar="TEXT", help=f"free notes{blank}")
    for f in svc.UTM_FIELDS:
        p.add_argument(f"--utm-{f}", metavar=f.upper(), help=f"default utm_{f} for links in this campaign{blank}")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("campaigns", parents=[common], help="group posts into campaigns")
    camp = p.add_subparsers(dest="campaigns_command", metavar="ACTION", required=True)

    add = camp.add_parser("add", parents=[common], help="create a campaign")
    add.add_argument("name")
    add.add_argument("--start", type=_date, metavar="YYYY-MM-DD")
    add.add_argument("--end", type=_date, metavar="YYYY-MM-DD")
    _goal_and_utm_options(add, editing=False)
    add.set_defaults(handler=run_add)

    ls = camp.add_parser("list", parents=[common], help="campaigns, their post counts and goal progress")
    ls.add_argument("--archived", action="store_true", help="include archived campaigns")
    ls.set_defaults(handler=run_list)

    edit = camp.add_parser("edit", parents=[common], help="change a campaign (only the fields given)")
    edit.add_argument("campaign", metavar="NAME_OR_ID")
    edit.add_argument("--name")
    edit.add_argument("--start", type=_date, metavar="YYYY-MM-DD")
    edit.add_argument("--end", type=_date, metavar="YYYY-MM-DD")
    edit.add_argument("--clear-dates", action="store_true", help="remove the start and end dates")
    edit.add_argument("--clear-goal", action="store_true", help="remove the goal's number, metric and date")
    _goal_and_utm_options(edit, editing=True)
    edit.set_defaults(handler=run_edit)

    archive = camp.add_parser(
        "archive", parents=[common], help="hide a campaign from lists and pickers (its posts still publish)"
    )
    archive.add_argument("campaign", metavar="NAME_OR_ID")
    archive.add_argument("--undo", action="store_true", help="unarchive: show it again")
    archive.set_defaults(handler=run_archive)

    remove = camp.add_parser("delete", parents=[common], help="delete a campaign; its posts stay, without it")
    remove.add_argument("campaign", metavar="NAME_OR_ID")
    remove.add_argument("--yes", action="store_true", help="confirm deleting a campaign that has posts")
    remove.set_defaults(handler=run_delete)


def _utm(args: argparse.Namespace) -> dict[str, str]:
    return {f: getattr(args, f"utm_{f}") for f in svc.UTM_FIELDS if getattr(args, f"utm_{f}") is not None}


def _goal_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if args.goal_metric is not None:
        fields["goal_metric"] = args.goal_metric
    if args.goal_target is not None:
        fields["goal_target"] = args.goal_target
    if args.goal_by is not None:
        fields["goal_by"] = args.goal_by
    return fields


def _saved(row: svc.CampaignRow, verb: str) -> str:
    text = f"{verb} campaign #{row.id} {row.name!r}."
    if row.progress:
        text += f" Goal: {row.progress.sentence}."
    return text


def run_add(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    if (args.goal_target is None) != (args.goal_metric is None) or (args.goal_by and args.goal_target is None):
        raise UsageError("A goal needs both --goal-target and --goal-metric (and --goal-by is optional).")
    with open_context(data_dir) as ctx:
        try:
            row = svc.add_campaign(
                ctx,
                args.name,
                color=args.color,
                starts_on=args.start,
                ends_on=args.end,
                goal=args.goal or "",
                utm=_utm(args),
                notes=args.notes or "",
                **_goal_fields(args),
            )
        except svc.CampaignError as exc:
            raise CommandFailed(str(exc)) from exc
    return _report_saved(row, "Created", as_json)


def _report_saved(row: svc.CampaignRow, verb: str, as_json: bool) -> int:
    """``{"ok": true, "campaign": …}`` with --json, else "Created/Updated campaign …"."""
    if as_json:
        emit_json({"ok": True, "campaign": row.to_json()})
    else:
        say(_saved(row, verb))
    return EXIT_OK


def run_edit(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    changes: dict[str, Any] = {}
    if args.clear_dates and (args.start or args.end):
        raise UsageError("--clear-dates cannot be combined with --start or --end.")
    if args.clear_goal and (args.goal_metric or args.goal_target or args.goal_by):
        raise UsageError("--clear-goal cannot be combined with --goal-target, --goal-metric or --goal-by.")
    if args.clear_dates:
        changes.update(starts_on=None, ends_on=None)
    if args.start is not None:
        changes["starts_on"] = args.start
    if args.end is not None:
        changes["ends_on"] = args.end
    if args.clear_goal:
        changes.update(goal_metric="", goal_target=None, goal_by=None)
    changes.update(_goal_fields(args))
    for key in ("name", "color", "goal", "notes"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if utm := _utm(args):
        changes["utm"] = utm
    if not changes:
        raise UsageError("Nothing to change: give at least one option, e.g. --name or --goal-target.")
    with open_context(data_dir) as ctx:
        try:
            current = svc.resolve_campaign(ctx, args.campaign)
            row = svc.edit_campaign(ctx, current.id, expected=current, **changes)
        except svc.CampaignError as exc:
            raise CommandFailed(str(exc)) from exc
    return _report_saved(row, "Updated", as_json)


def run_archive(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    archived = not args.undo
    with open_context(data_dir) as ctx:
        try:
            current = svc.resolve_campaign(ctx, args.campaign)
            row = svc.archive_campaign(ctx, current.id, archived=archived)
        except svc.CampaignError as exc:
            raise CommandFailed(str(exc)) from exc
    changed = current.archived != row.archived
    if as_json:
        emit_json({"ok": True, "changed": changed, "campaign": row.to_json()})
    elif not changed:
        say(f"Campaign #{row.id} {row.name!r} is already {'archived' if archived else 'not archived'}.")
    elif archived:
        say(
            f"Archived campaign #{row.id} {row.name!r}. Its {row.posts} post(s) still publish and still count "
            "in analytics; it is hidden from lists and pickers (campaigns list --archived shows it)."
        )
    else:
        say(f"Unarchived campaign #{row.id} {row.name!r}; it shows in lists and pickers again.")
    return EXIT_OK


def run_delete(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        try:
            current = svc.resolve_campaign(ctx, args.campaign)
            impact = svc.deletion_impact(ctx, current.id)
            if impact.posts and not args.yes:
                raise CommandFailed(
                    f"Campaign {impact.name!r} was not deleted. {impact.sentence} Run again with --yes to delete it.",
                    data={"would_delete": impact.to_json()},
                    code=EXIT_USAGE,
                )
            done = svc.delete_campaign(ctx, current.id, expected=impact)
        except svc.CampaignError as exc:
            raise CommandFailed(str(exc)) from exc
    if as_json:
        emit_json({"ok": True, "deleted": done.to_json(), "message": done.sentence})
    elif not done.posts:
        say(f"Deleted campaign #{done.campaign_id} {done.name!r}; it had no posts.")
    else:
        say(f"Deleted campaign #{done.campaign_id} {done.name!r}. {done.sentence}")
    return EXIT_OK


def run_list(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        rows = svc.list_campaigns(ctx, include_archived=args.archived, with_progress=True)
    if as_json:
        emit_json({"campaigns": [r.to_json() for r in rows]})
    elif not rows:
        say("No campaigns yet. Create one with: campaign-desk campaigns add NAME")
    else:
        say(
            table(
                ["ID", "NAME", "START", "END", "POSTS", "GOAL", "UTM"],
                [
                    (
                        r.id,
                        r.name + (" (archived)" if r.archived else ""),
                        r.starts_on or "",
                        r.ends_on or "",
                        r.posts,
                        r.progress.short if r.progress else r.goal,
                        " ".join(f"{k}={v}" for k, v in r.utm.items()),
                    )
                    for r in rows
                ],
            )
        )
    return EXIT_OK
