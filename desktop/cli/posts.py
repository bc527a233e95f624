"""``campaign-desk schedule``, ``posts list|cancel|retry`` and ``check``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_FAILED, EXIT_OK, CommandFailed, UsageError, emit_json, say, table
from desktop.cli.timeparse import parse_day, parse_day_end, parse_when
from desktop.services import posts as svc
from desktop.services.accounts import AccountNotFound
from desktop.services.media import MediaError
from desktop.services.posts import MediaSpec, PostRow, TargetCheck
from desktop.services.zones import format_local
from desktop.store.models import VariantState
from providers.registry import UnknownNetwork


class _MediaAction(argparse.Action):
    """--media PATH, each optionally followed by --alt TEXT for that file."""

    def __call__(self, parser: Any, ns: argparse.Namespace, value: Any, option: str | None = None) -> None:
        items = list(getattr(ns, "media", None) or [])
        if option == "--alt":
            if not items:
                parser.error("--alt must follow the --media it describes")
            path, alt = items[-1]
            if alt:
                parser.error(f"--media {path} already has alt text")
            items[-1] = (path, value)
        else:
            items.append((value, ""))
        ns.media = items


def _text_for(value: str) -> tuple[int, str]:
    account, sep, text = value.partition("=")
    if not sep or not account.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected ACCOUNT_ID=TEXT, got {value!r}")
    return int(account), text


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    states = [s.value for s in VariantState]

    p = sub.add_parser("schedule", parents=[common], help="schedule a post to one or more accounts")
    p.add_argument(
        "--account",
        dest="accounts",
        type=int,
        action="append",
        required=True,
        metavar="ID",
        help="target account id (repeat for several)",
    )
    p.add_argument("--text", required=True, help="the shared text")
    p.add_argument(
        "--text-for",
        dest="text_for",
        type=_text_for,
        action="append",
        default=[],
        metavar="ID=TEXT",
        help="this account's own text instead of the shared one",
    )
    p.add_argument(
        "--thread",
        action="append",
        default=[],
        metavar="TEXT",
        help="a further part of a thread, after --text (repeat in order)",
    )
    p.add_argument("--media", action=_MediaAction, metavar="PATH", help="attach a file (repeatable)")
    p.add_argument("--alt", action=_MediaAction, metavar="TEXT", help="alt text for the --media before it")
    when = p.add_mutually_exclusive_group()
    when.add_argument(
        "--at", type=parse_when, metavar="ISO8601", help="when to publish; without an offset, in your local time"
    )
    when.add_argument("--next-slot", action="store_true", help="each account's next free queue slot")
    when.add_argument("--now", action="store_true", help="publish at the next publishing pass")
    p.add_argument("--campaign", metavar="NAME")
    p.add_argument("--link", default="", help="a link to show as a preview card where the network can")
    p.add_argument(
        "--no-utm",
        dest="no_utm",
        action="append",
        default=[],
        metavar="URL",
        help="leave this link (as written in the text) without the campaign's UTM tags (repeatable)",
    )
    p.add_argument("--language", default="", metavar="CODE", help="e.g. en, fr")
    p.add_argument("--content-warning", default="", metavar="TEXT")
    p.add_argument("--draft", action="store_true", help="save without scheduling")
    p.set_defaults(handler=run_schedule, media=[])

    posts = sub.add_parser("posts", parents=[common], help="list, cancel or retry posts")
    act = posts.add_subparsers(dest="posts_command", metavar="ACTION", required=True)
    ls = act.add_parser("list", parents=[common], help="posts with each variant's state")
    ls.add_argument(
        "--state",
        choices=sorted(set(svc.POST_STATUSES) | set(states)),
        metavar="STATE",
        help=f"a post status ({', '.join(svc.POST_STATUSES)}) or a variant state",
    )
    ls.add_argument("--campaign", metavar="NAME")
    ls.add_argument("--from", dest="start", type=parse_day, metavar="DATE")
    ls.add_argument("--to", dest="end", type=parse_day_end, metavar="DATE", help="inclusive when a plain date")
    ls.set_defaults(handler=run_list)
    for name, helptext in (
        ("cancel", "cancel what has not gone out yet"),
        ("retry", "send again only the variants that failed"),
    ):
        c = act.add_parser(name, parents=[common], help=helptext)
        c.add_argument("id", type=int, help="post id")
        c.set_defaults(handler=run_cancel if name == "cancel" else run_retry)

    chk = sub.add_parser(
        "check", parents=[common], help="length and problems per target, as each network counts (exit 1 if any)"
    )
    chk.add_argument("--account", dest="accounts", type=int, action="append", default=[], metavar="ID")
    chk.add_argument("--network", dest="networks", action="append", default=[], metavar="N")
    chk.add_argument("--text", required=True)
    chk.add_argument("--media", dest="media_paths", action="append", default=[], metavar="PATH")
    chk.add_argument("--campaign", metavar="NAME", help="count the links with this campaign's UTM tags")
    chk.add_argument(
        "--no-utm", dest="no_utm", action="append", default=[], metavar="URL", help="a link to leave untagged"
    )
    chk.set_defaults(handler=run_check)


def _describe(row: PostRow) -> str:
    lines = [f"Post #{row.id}: {row.status}" + (f" (campaign {row.campaign})" if row.campaign else "")]
    for v in row.variants:
        when = v.published_at or v.scheduled_at
        stamp = format_local(when, "%Y-%m-%d %H:%M %Z") if when else "no time"
        extra = f" {v.url}" if v.url else (f" — {v.error}" if v.error else "")
        lines.append(f"  variant #{v.id} → {v.network} {v.handle}: {v.state}, {stamp}{extra}")
    return "\n".join(lines)


def run_schedule(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    if not (args.at or args.next_slot or args.now or args.draft):
        raise UsageError("say when: --at ISO8601, --next-slot or --now (or --draft to save without scheduling)")
    media = [MediaSpec(Path(path), alt) for path, alt in args.media]
    if args.no_utm:
        try:
            svc.check_no_utm(args.no_utm, [args.text, *args.thread, *(t for _, t in args.text_for), args.link])
        except svc.PostError as exc:
            raise UsageError(f"--no-utm: {exc}") from exc
    with open_context(data_dir) as ctx:
        try:
            row = svc.schedule_post(
                ctx,
                account_ids=args.accounts,
                text=args.text,
                text_for=dict(args.text_for),
                thread=args.thread,
                media=media,
                at=args.at,
                next_slot=args.next_slot,
                now=args.now,
                draft=args.draft,
                campaign=args.campaign,
                link=args.link,
                no_utm=args.no_utm,
                language=args.language,
                content_warning=args.content_warning,
            )
        except svc.PostRejected as exc:
            raise CommandFailed(str(exc), data={"targets": [c.to_json() for c in exc.checks]}) from exc
        except (svc.PostError, AccountNotFound, MediaError) as exc:
            raise CommandFailed(str(exc)) from exc
    if as_json:
        emit_json({"ok": True, "post": row.to_json()})
    else:
        say(_describe(row))
    return EXIT_OK


def run_list(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        try:
            rows = svc.list_posts(ctx, state=args.state, campaign=args.campaign, start=args.start, end=args.end)
        except svc.PostError as exc:
            raise CommandFailed(str(exc)) from exc
    if as_json:
        emit_json({"posts": [r.to_json() for r in rows]})
    elif not rows:
        say("No posts match.")
    else:
        out = []
        for r in rows:
            for v in r.variants:
                when = v.published_at or v.scheduled_at
                out.append(
                    (
                        r.id,
                        r.status,
                        v.id,
                        f"{v.network} {v.handle}",
                        v.state,
                        format_local(when),
                        (v.text[:40] + "…") if len(v.text) > 40 else v.text,
                    )
                )
        say(table(["POST", "STATUS", "VARIANT", "ACCOUNT", "STATE", "WHEN", "TEXT"], out))
    return EXIT_OK


def _change(args: argparse.Namespace, data_dir: str | None, as_json: bool, retry: bool) -> int:
    with open_context(data_dir) as ctx:
        try:
            row, changed = (svc.retry_post if retry else svc.cancel_post)(ctx, args.id)
        except svc.PostError as exc:
            raise CommandFailed(str(exc)) from exc
    if not changed:
        what = "failed variant to retry" if retry else "variant left to cancel"
        raise CommandFailed(f"post #{row.id} has no {what} ({row.status}).", data={"post": row.to_json()})
    note = "" if retry else svc.live_parts_note(row)
    if as_json:
        emit_json({"ok": True, "changed": changed, "post": row.to_json()})
    else:
        say(_describe(row))
        if note:
            say(note)
    return EXIT_OK


def run_cancel(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    return _change(args, data_dir, as_json, retry=False)


def run_retry(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    return _change(args, data_dir, as_json, retry=True)


def run_check(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    if not args.accounts and not args.networks:
        raise UsageError("name at least one target: --account ID or --network N")
    if args.no_utm:
        try:
            svc.check_no_utm(args.no_utm, [args.text])
        except svc.PostError as exc:
            raise UsageError(f"--no-utm: {exc}") from exc
    with open_context(data_dir) as ctx:
        try:
            checks: list[TargetCheck] = svc.check_targets(
                ctx,
                account_ids=args.accounts,
                networks=args.networks,
                text=args.text,
                media=[MediaSpec(Path(p)) for p in args.media_paths],
                campaign=args.campaign,
                no_utm=args.no_utm,
            )
        except UnknownNetwork as exc:
            raise UsageError(str(exc)) from exc
        except (AccountNotFound, MediaError, svc.PostError) as exc:
            raise CommandFailed(str(exc)) from exc
    ok = all(c.ok for c in checks)
    if as_json:
        emit_json({"ok": ok, "targets": [c.to_json() for c in checks]})
    else:
        for c in checks:
            who = f"{c.network} {c.handle}".strip()
            say(f"{who}: {c.length}/{c.limit} {'ok' if c.ok else ''}".rstrip())
            for p in c.problems:
                say(f"  - {p.message}")
    if not ok:
        bad = [c for c in checks if not c.ok]
        raise_quietly = f"{len(bad)} target(s) would refuse this post"
        if not as_json:
            from desktop.cli.output import warn

            warn(f"campaign-desk check: {raise_quietly}")
        return EXIT_FAILED
    return EXIT_OK
