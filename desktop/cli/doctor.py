"""``campaign-desk doctor``."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_FAILED, EXIT_OK, emit_json, say
from desktop.services.doctor import run_doctor


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "doctor", parents=[common], help="check data dir, database, keyring and accounts (exit 1 on a problem)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        report = run_doctor(ctx)
    if as_json:
        emit_json(report.to_json())
    else:
        ks = report.keyring
        say(f"Campaign Desk {report.version}")
        say(f"Data dir:        {report.data_dir}")
        say(f"Database:        {report.database_url}")
        say(f"Schema version:  {report.schema_version} (latest {report.schema_head})")
        if report.integrity is not None:
            say(f"Integrity:       {report.integrity}")
        if report.newest_backup:
            say(f"Newest backup:   {report.newest_backup}")
            say(f"                 {report.restore_hint}")
        elif report.database_file:
            say("Newest backup:   none yet (one is taken before every database upgrade)")
        say(f"Keyring backend: {ks.backend} — {'secure' if ks.secure else 'NOT SECURE'}")
        say(f"Networks:        {', '.join(p['name'] for p in report.providers) or 'none'}")
        for b in report.broken_plugins:
            say(f"Broken plugin:   {b['name']} ({b['source']}): {b['error']}")
        if report.accounts:
            say("Accounts:")
            for a in report.accounts:
                say(f"  #{a['id']} {a['network']} {a['handle']}: {a['status']}, credentials {a['credentials']}")
        else:
            say("Accounts:        none connected")
        for w in report.warnings:
            say(f"Warning: {w}")
        for p in report.problems:
            say(f"Problem: {p}")
        say("All good." if report.ok else f"{len(report.problems)} problem(s) found.")
    return EXIT_OK if report.ok else EXIT_FAILED
