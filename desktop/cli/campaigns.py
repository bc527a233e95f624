"""``campaign-desk campaigns add|list``."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_OK, CommandFailed, emit_json, say, table
from desktop.services import campaigns as svc


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("campaigns", parents=[common], help="group posts into campaigns")
    camp = p.add_subparsers(dest="campaigns_command", metavar="ACTION", required=True)

    add = camp.add_parser("add", parents=[common], help="create a campaign")
    add.add_argument("name")
    add.add_argument("--start", type=_date, metavar="YYYY-MM-DD")
    add.add_argument("--end", type=_date, metavar="YYYY-MM-DD")
    add.add_argument("--color", metavar="#RRGGBB")
    add.add_argument("--goal", default="")
    for f in svc.UTM_FIELDS:
        add.add_argument(f"--utm-{f}", metavar=f.upper(), help=f"default utm_{f} for links in this campaign")
    add.set_defaults(handler=run_add)

    ls = camp.add_parser("list", parents=[common], help="campaigns and their post counts")
    ls.set_defaults(handler=run_list)


def run_add(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    utm = {f: getattr(args, f"utm_{f}") for f in svc.UTM_FIELDS if getattr(args, f"utm_{f}")}
    with open_context(data_dir) as ctx:
        try:
            row = svc.add_campaign(
                ctx, args.name, color=args.color, starts_on=args.start, ends_on=args.end, goal=args.goal, utm=utm
            )
        except svc.CampaignError as exc:
            raise CommandFailed(str(exc)) from exc
    if as_json:
        emit_json({"ok": True, "campaign": row.to_json()})
    else:
        say(f"Created campaign #{row.id} {row.name!r}.")
    return EXIT_OK


def run_list(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        rows = svc.list_campaigns(ctx)
    if as_json:
        emit_json({"campaigns": [r.to_json() for r in rows]})
    elif not rows:
        say("No campaigns yet. Create one with: campaign-desk campaigns add NAME")
    else:
        say(
            table(
                ["ID", "NAME", "START", "END", "POSTS", "UTM"],
                [
                    (
                        r.id,
                        r.name,
                        r.starts_on or "",
                        r.ends_on or "",
                        r.posts,
                        " ".join(f"{k}={v}" for k, v in r.utm.items()),
                    )
                    for r in rows
                ],
            )
        )
    return EXIT_OK
