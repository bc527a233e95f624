"""The stable ``--json`` shapes of the command line (README, "--json shapes (stable)"), held once for
the end-to-end tests and the service tests whose reports the CLI prints as they are."""

from __future__ import annotations

#: ``sync-metrics --json``: the keys of ``SyncReport.to_json()``.
SYNC_METRICS_KEYS = frozenset(
    {
        "ok",
        "manual",
        "started_at",
        "finished_at",
        "posts",
        "accounts",
        "snapshots",
        "history_imported",
        "cancelled",
        "deferred",
        "skipped",
        "errors",
    }
)
