"""When a post's or an account's metrics are due again (the scheduled runs; "Sync now" ignores it).

By the post's age since it was published:

- day 1: every hour (counters move fast right after posting);
- to day 30: every day;
- to day 90: every week;
- after day 90: never on a schedule, only when the user syncs by hand.

An account's own counters (followers, …) every 6 hours: follower growth is charted per day, and
four points a day keep a missed run from leaving a gap.

Each interval is shortened by :data:`SLACK`, so a post synced at 12:00:05 is due again at the
13:00 run rather than waiting for the next tick of the app's (15-minute) or the OS job's timer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, or_

from desktop.store.models import Account, Variant

#: (age up to, sync every): the first row that the post's age fits applies.
POST_CADENCE: Final = (
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=30), timedelta(days=1)),
    (timedelta(days=90), timedelta(days=7)),
)
ACCOUNT_EVERY: Final = timedelta(hours=6)
SLACK: Final = timedelta(minutes=2)


def post_interval(age: timedelta) -> timedelta | None:
    """How often a post this old is synced on a schedule; None past the last step (by hand only)."""
    for up_to, every in POST_CADENCE:
        if age <= up_to:
            return every
    return None


def post_is_due(published_at: datetime, synced_at: datetime | None, now: datetime) -> bool:
    """The rule :func:`post_due_filter` applies in SQL, for one post (and for tests)."""
    every = post_interval(now - published_at)
    if every is None:
        return False
    return synced_at is None or now - synced_at >= every - SLACK


def post_due_filter(now: datetime) -> Any:
    """SQL condition: the variant's metrics are due by the cadence (portable: plain comparisons)."""
    steps = []
    newer_bound: Any = None  # the previous step's lower bound on published_at
    for up_to, every in POST_CADENCE:
        older_bound = now - up_to
        in_step = Variant.published_at >= older_bound
        if newer_bound is not None:
            in_step = and_(in_step, Variant.published_at < newer_bound)
        synced = or_(Variant.metrics_synced_at.is_(None), Variant.metrics_synced_at <= now - (every - SLACK))
        steps.append(and_(in_step, synced))
        newer_bound = older_bound
    return or_(*steps)


def account_is_due(synced_at: datetime | None, now: datetime) -> bool:
    return synced_at is None or now - synced_at >= ACCOUNT_EVERY - SLACK


def account_due_filter(now: datetime) -> Any:
    return or_(Account.metrics_synced_at.is_(None), Account.metrics_synced_at <= now - (ACCOUNT_EVERY - SLACK))
