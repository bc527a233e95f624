"""``campaign-desk export posts|metrics``: CSV or JSON to a file or standard output."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_OK, CommandFailed, UsageError, emit_json, say
from desktop.cli.timeparse import parse_day, parse_day_end
from desktop.services import export as svc

WHAT = {"posts": "variant", "metrics": "metric snapshot"}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export",
        parents=[common],
        help="export posts with their newest metrics, or the metric history, as CSV or JSON",
        description=(
            "Write posts (one row per variant, with each metric's newest value) or metrics (one row per "
            "snapshot) as CSV or JSON. Without -o the data goes to standard output. --from/--to bound the "
            "publish time for posts and the time a snapshot was taken for metrics. See README.md, 'Export'."
        ),
    )
    p.add_argument("kind", choices=sorted(WHAT), help="posts or metrics")
    p.add_argument("--campaign", metavar="NAME", help="only this campaign's posts")
    p.add_argument("--from", dest="start", type=parse_day, metavar="DATE", help="from this day or time")
    p.add_argument("--to", dest="end", type=parse_day_end, metavar="DATE", help="up to this day (inclusive) or time")
    p.add_argument(
        "--format", choices=svc.FORMATS, help="csv or json (default: from the -o file's extension, else csv)"
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    p.set_defaults(handler=run)


@contextmanager
def _stdout() -> Iterator[TextIO]:
    """Standard output as UTF-8 without newline translation (CSV writes its own line ends)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # already a plain text stream (an embedding host): use it as it is
        yield sys.stdout
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    try:
        yield stream
        stream.flush()
    finally:
        with suppress(OSError, ValueError):  # a reader gone (head): main() reports the broken pipe
            stream.detach()  # leaves sys.stdout's buffer open


def run(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    if args.start and args.end and args.start >= args.end:
        raise UsageError("--from must be before --to")
    fmt = svc.format_for(args.output, args.format)
    export = svc.export_posts if args.kind == "posts" else svc.export_metrics
    path = Path(args.output).expanduser() if args.output else None
    with open_context(data_dir) as ctx:
        try:
            campaign_id = svc.campaign_named(ctx, args.campaign) if args.campaign else None
            if path is None:
                with _stdout() as stream:
                    export(ctx, stream, fmt=fmt, campaign_id=campaign_id, start=args.start, end=args.end)
                return EXIT_OK
            rows = export(ctx, path, fmt=fmt, campaign_id=campaign_id, start=args.start, end=args.end)
        except svc.ExportError as exc:
            raise CommandFailed(str(exc)) from exc
    if as_json:
        emit_json({"ok": True, "kind": args.kind, "format": fmt, "rows": rows, "path": str(path.resolve())})
    else:
        noun = WHAT[args.kind] + ("" if rows == 1 else "s")
        say(f"Exported {rows} {noun} to {path} ({fmt.upper()}).")
    return EXIT_OK
