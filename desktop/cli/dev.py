"""``campaign-desk dev seed``: generated demo and benchmark data (desktop.services.seed)."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_OK, CommandFailed, emit_json, say, warn


def _count(value: str) -> int:
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {number}")
    return number


def _positive(value: str) -> int:
    number = _count(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _day(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=UTC) if "T" not in value else _instant(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("dev", parents=[common], help="tools for developers: generated demo and benchmark data")
    act = p.add_subparsers(dest="dev_command", metavar="ACTION", required=True)
    s = act.add_parser(
        "seed",
        parents=[common],
        help="fill an empty database with generated posts and metrics (for demos and benchmarks)",
        description=(
            "For demos and benchmarks only: fills the database with generated accounts, campaigns, posts, "
            "variants and metric snapshots. The same --seed and sizes (and --until) give the same data. The "
            "accounts it makes are disconnected and paused and have no keyring entry, so nothing is ever "
            "published or synced. Refuses a database that already has posts unless --force; use a separate "
            "--data-dir for it."
        ),
    )
    s.add_argument("--posts", type=_count, default=1000, help="how many posts (default 1000); each has 1-4 variants")
    s.add_argument("--snapshots", type=_count, default=10_000, help="metric snapshots in all (default 10000)")
    s.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    s.add_argument("--accounts", type=_positive, default=5, help="accounts, alternating Mastodon and Bluesky (5)")
    s.add_argument("--campaigns", type=_count, default=8, help="campaigns (default 8)")
    s.add_argument("--days", type=_positive, default=365, help="days of history before --until (default 365)")
    s.add_argument(
        "--until",
        type=_day,
        metavar="DATE",
        help="the end of the history, UTC (default: the start of today); about 5%% of posts are scheduled after it",
    )
    s.add_argument("--force", action="store_true", help="add the data even if the database already has posts")
    s.set_defaults(handler=run_seed)


def run_seed(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    from desktop.services.seed import SeedRefused, seed

    started = time.perf_counter()
    with open_context(data_dir) as ctx:
        try:
            result = seed(
                ctx,
                posts=args.posts,
                snapshots=args.snapshots,
                seed=args.seed,
                accounts=args.accounts,
                campaigns=args.campaigns,
                days=args.days,
                until=args.until,
                force=args.force,
                progress=None if as_json else (lambda text: warn(f"  {text}")),
            )
        except SeedRefused as exc:
            raise CommandFailed(str(exc)) from exc
    seconds = round(time.perf_counter() - started, 1)
    if as_json:
        emit_json({"ok": True, **result.to_json(), "seconds": seconds})
    else:
        say(
            f"Added {result.accounts} accounts, {result.campaigns} campaigns, {result.posts} posts, "
            f"{result.variants} variants ({result.published} published, {result.external} external posts), "
            f"{result.snapshots} snapshots and {result.latest} latest values in {seconds} s."
        )
    return EXIT_OK
