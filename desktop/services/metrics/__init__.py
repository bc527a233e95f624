"""Metrics sync: counters read through the providers, stored as time-stamped snapshots.

- :mod:`.sync` — one pass (:func:`sync_metrics`), by hand or by the cadence; :func:`last_synced`.
- :mod:`.cadence` — when a post's or an account's counters are due again.
- :mod:`.history` — importing posts published outside the app (:func:`import_history`).
- :mod:`.store` — writing snapshots, the latest value per variant, rate-limit windows.
- :mod:`.report` — :class:`SyncReport`, the shape of ``sync-metrics --json``.
"""

from __future__ import annotations

from desktop.services.metrics.report import AccountNote, SyncReport
from desktop.services.metrics.sync import import_history, last_synced, sync_metrics

__all__ = ["AccountNote", "SyncReport", "import_history", "last_synced", "sync_metrics"]
