"""``campaign-desk import FILE.csv [--valid-only] [--dry-run] [--allow-media-anywhere] [--json]``.

Every row is checked before anything is saved. Without ``--valid-only`` one bad row means
nothing is imported; with it the valid rows are. Either way the exit code is 1 when any row
was refused, so a script notices. Media paths stay inside the CSV's folder unless
``--allow-media-anywhere``; the dry run lists each row's media as read from its content.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_FAILED, EXIT_OK, CommandFailed, emit_json, say, table, warn
from desktop.services.csv_import import (
    CsvFileError,
    ImportFailed,
    ImportPlan,
    ImportResult,
    ImportRow,
    apply_import,
    parse_csv,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import",
        parents=[common],
        help="schedule posts from a CSV file (all or nothing unless --valid-only)",
        description="Columns: text, accounts, time, media, alt text, campaign, link (see docs/csv-import.md).",
    )
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.add_argument("--valid-only", action="store_true", help="import the valid rows even if others have problems")
    p.add_argument("--dry-run", action="store_true", help="check every row and report, save nothing")
    p.add_argument(
        "--allow-media-anywhere",
        action="store_true",
        help="let the media column name files outside the CSV file's folder (absolute paths, ..)",
    )
    p.set_defaults(handler=run_import)


def _excerpt(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat[: width - 1] + "…" if len(flat) > width else flat


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB" if n >= 1e3 else f"{n} B"


def _dry_result(plan: ImportPlan) -> ImportResult:
    """What an import would do, without saving: post ids are unknown."""
    rejected = tuple((r.line, r.errors) for r in plan.invalid)
    return ImportResult(imported=(), rejected=rejected, total=len(plan.rows))


def _media_json(row: ImportRow) -> list[dict[str, Any]]:
    return [
        {
            "path": str(spec.path),
            "type": item.mime,
            "size": item.size,
            "width": item.width,
            "height": item.height,
            "alt_text": spec.alt_text,
        }
        for spec, item in zip(row.media, row.media_items, strict=False)
    ]


def _json(plan: ImportPlan, result: ImportResult, dry_run: bool, valid_only: bool) -> dict[str, Any]:
    if dry_run:
        would = plan.valid if (valid_only or not plan.invalid) else []
        imported = [
            {"line": r.line, "post_id": None, "variants": [t.to_json() for t in r.targets], "media": _media_json(r)}
            for r in would
        ]
    else:
        imported = [
            {"line": i.line, "post_id": i.post.id, "variants": [v.to_json() for v in i.post.variants]}
            for i in result.imported
        ]
    return {
        "ok": result.ok,
        "dry_run": dry_run,
        "imported": imported,
        "rejected": [{"line": line, "errors": list(errors)} for line, errors in result.rejected],
        "total": result.total,
    }


def _summary(plan: ImportPlan, result: ImportResult, dry_run: bool, valid_only: bool) -> str:
    name = plan.path.name
    bad = len(result.rejected)
    if dry_run:
        ready = len(plan.valid)
        if not bad:
            return f"Dry run: {name} is ready; {_plural(ready, 'post')} would be imported. Nothing saved."
        if valid_only:
            return f"Dry run: {_plural(ready, 'post')} would be imported, {_plural(bad, 'row')} refused. Nothing saved."
        return (
            f"Dry run: {_plural(bad, 'row')} of {result.total} with problems; as it is, nothing would be "
            f"imported (--valid-only would import {ready}). Nothing saved."
        )
    variants = sum(len(i.post.variants) for i in result.imported)
    if result.imported:
        done = f"Imported {_plural(len(result.imported), 'post')} ({_plural(variants, 'variant')}) from {name}"
        return done + (f"; {_plural(bad, 'row')} refused." if bad else ".")
    if bad and not valid_only and plan.valid:
        return (
            f"Nothing imported: {_plural(bad, 'row')} of {result.total} with problems. "
            f"Fix them, or use --valid-only to import the {len(plan.valid)} valid one(s)."
        )
    return f"Nothing imported from {name}: no valid rows."


def _say_media(plan: ImportPlan) -> None:
    """The dry run's list of media: where each file is, and what its content is."""
    media = [
        (r.line, str(spec.path), item.mime, _size(item.size), f"{item.width}×{item.height}" if item.width else "")
        for r in plan.rows
        for spec, item in zip(r.media, r.media_items, strict=False)
    ]
    if media:
        say(table(["LINE", "MEDIA", "TYPE", "SIZE", "PIXELS"], media))
        say()


def run_import(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        try:
            plan = parse_csv(ctx, args.file, allow_media_anywhere=args.allow_media_anywhere)
        except CsvFileError as exc:
            raise CommandFailed(str(exc)) from exc
        if args.dry_run:
            result = _dry_result(plan)
        else:
            try:
                result = apply_import(ctx, plan, valid_only=args.valid_only)
            except ImportFailed as exc:  # busy database, disk full…: one sentence, nothing kept
                raise CommandFailed(str(exc)) from None
    summary = _summary(plan, result, args.dry_run, args.valid_only)
    if as_json:
        emit_json(_json(plan, result, args.dry_run, args.valid_only))
    else:
        if result.rejected:
            problems = [
                (line if i == 0 else "", msg) for line, errors in result.rejected for i, msg in enumerate(errors)
            ]
            say(table(["LINE", "PROBLEM"], problems))
            say()
        elif args.dry_run:
            ready = [
                (
                    r.line,
                    r.first_time.astimezone(plan.zone).strftime("%Y-%m-%d %H:%M") if r.first_time else "",
                    ", ".join(t.handle for t in r.targets),
                    _excerpt(r.text),
                )
                for r in plan.rows
            ]
            say(table(["LINE", "WHEN", "ACCOUNTS", "TEXT"], ready))
            say()
        if args.dry_run:
            _say_media(plan)
        say(summary)
    if result.rejected:
        lines = ", ".join(str(line) for line, _ in result.rejected)
        warn(f"campaign-desk import: {_plural(len(result.rejected), 'row')} refused (line {lines})")
        return EXIT_FAILED
    return EXIT_OK
