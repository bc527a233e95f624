"""Is a publishing pass idle? A quick answer, so ``publish-due`` with nothing to do (the OS job,
every minute) costs a glance at the database instead of loading SQLAlchemy, Alembic, the
providers and httpx.

:func:`idle_pass` answers only when it is sure that :meth:`Publisher.run_once
<desktop.services.publisher.Publisher.run_once>` would send, move and report nothing; otherwise
(something may be to do, or it cannot tell) it answers None and the caller runs the full pass.
It never writes. What each step of the full pass acts on, and how this module sees it:

- opening the store: creates a missing database, migrates an old schema, turns on WAL and makes
  the files owner-only: none of that may be pending (no file, another revision, another journal
  mode, or looser file modes all mean "not sure");
- ``publishing_paused``: the pass stops at once; so does this, with :attr:`IdlePass.paused`;
- ``_sweep_abandoned_imports``: any post still tagged with an import job;
- ``holds.unknown_orphans`` and the stale claims (``_stale_candidates``, formerly
  ``_claim_stale``): any variant in ``publishing``;
- ``holds.hold_unreachable_accounts``, ``give_up_late``, ``give_up_exhausted`` and the due
  candidates (``_due_candidates``, formerly ``_claim_due``): any due variant (scheduled and its
  time has come, or retrying and its next attempt has) of an account that is not paused,
  whatever its connection state;
- ``_check_cancelled``: any cancelled variant of an unpaused account with a network check due;
- sending (``_account_queues``, ``_publish_account``, ``_process``): only what the steps above found.

tests/unit/test_publish_idle.py checks that every step ``run_once`` calls is in
:data:`PASS_STEPS`, so a new step cannot slip by unseen, and tests/e2e/test_cli_publish_idle.py
compares the quick and the full path's output.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

from desktop.store import peek
from desktop.store.revision import HEAD_REVISION

#: The steps of Publisher.run_once this module answers for (see the module docstring), under
#: their names before and after the per-account publishing queues.
PASS_STEPS = frozenset(
    {
        "_sweep_abandoned_imports",
        "holds.hold_unreachable_accounts",
        "holds.give_up_late",
        "holds.give_up_exhausted",
        "holds.unknown_orphans",
        "_check_cancelled",
        "_claim_stale",
        "_stale_candidates",
        "_claim_due",
        "_due_candidates",
        "_account_queues",
        "_publish_account",
        "_process",
    }
)

#: desktop.services.app_settings.PUBLISHING_PAUSED and its default (held together by a test).
PUBLISHING_PAUSED = "publishing_paused"
PAUSED_DEFAULT = False

_IMPORT_IN_PROGRESS = "SELECT 1 FROM posts WHERE import_job IS NOT NULL LIMIT 1"
_PUBLISHING = "SELECT 1 FROM variants WHERE state = 'publishing' LIMIT 1"
_DUE_OR_CHECK = """
SELECT 1 FROM variants JOIN accounts ON accounts.id = variants.account_id
WHERE accounts.paused IS 0 AND (
    (variants.state = 'scheduled' AND variants.scheduled_at <= :now)
    OR (variants.state = 'retrying' AND variants.next_attempt_at <= :now)
    OR (variants.state = 'cancelled' AND variants.next_attempt_at <= :now)
)
LIMIT 1
"""


class IdlePass:
    """What a full pass would report when it has nothing to do: nothing, or that it is paused.
    (A plain class: importing dataclasses costs more than this whole check.)"""

    __slots__ = ("paused",)

    def __init__(self, *, paused: bool = False) -> None:
        self.paused = paused

    def __repr__(self) -> str:
        return f"IdlePass(paused={self.paused})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdlePass) and other.paused == self.paused

    def __hash__(self) -> int:
        return hash(self.paused)

    def to_json(self) -> dict[str, Any]:
        """PassReport.to_json() of an empty pass (held to it by a test)."""
        return {
            "ok": True,
            "paused": self.paused,
            "published": [],
            "retrying": [],
            "failed": [],
            "needs_reconnect": [],
            "conflicts": [],
        }


def idle_pass(data_dir: str | os.PathLike[str] | None, *, now: datetime | None = None) -> IdlePass | None:
    """An :class:`IdlePass` when a publishing pass on this data dir would do nothing at all (or
    publishing is paused); None when it may have work, or when this cannot tell (no database yet,
    a server database, a migration pending, any error): then run the full pass."""
    try:
        return _look(data_dir, now or datetime.now(UTC))
    except (OSError, sqlite3.Error, ValueError):  # the full pass reports it in words
        return None


def _look(data_dir: str | os.PathLike[str] | None, now: datetime) -> IdlePass | None:
    db_path = peek.sqlite_file(data_dir)
    if db_path is None or not peek.is_private(db_path):
        return None
    with peek.peek(db_path) as conn:
        # the full path migrates unless the stored revision is this very constant
        if peek.journal_mode(conn) != "wal" or peek.stored_revision(conn) != HEAD_REVISION:
            return None
        if peek.setting(conn, PUBLISHING_PAUSED, PAUSED_DEFAULT):
            return IdlePass(paused=True)
        if peek.any_row(conn, _IMPORT_IN_PROGRESS) or peek.any_row(conn, _PUBLISHING):
            return None
        if peek.any_row(conn, _DUE_OR_CHECK, {"now": peek.sql_time(now)}):
            return None
    return IdlePass()
