"""Dates and times typed on the command line, read in the user's zone unless they carry one.

Times outside a sane horizon are usage errors (exit 2, through argparse's own error path):
``--at`` within :data:`~desktop.services.zones.HORIZON_YEARS` years of now either way, and
``--from``/``--to`` from 1970 to that many years ahead.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time, timedelta

from desktop.services.zones import HORIZON_YEARS, within_horizon

EARLIEST_FILTER = datetime(1970, 1, 1, tzinfo=UTC)


def _instant(value: str) -> datetime:
    """ISO 8601 with or without offset, as aware UTC; local if no offset."""
    text = value.strip().replace(" ", "T", 1)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date and time: {value!r} (use ISO 8601, e.g. 2026-12-01T09:30 or 2026-12-01T09:30+01:00)"
        ) from None
    try:
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()  # the user's local zone
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError, OSError):  # e.g. 9999-12-31T23:59-05:00 is past year 9999 in UTC
        raise _out_of_range(value) from None


def _out_of_range(value: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"{value!r} is more than {HORIZON_YEARS} years from now; pick a nearer time")


def _local_midnight(day: date) -> datetime:
    try:
        return datetime.combine(day, time()).astimezone().astimezone(UTC)
    except (OverflowError, ValueError, OSError):
        raise _out_of_range(day.isoformat()) from None


def parse_when(value: str) -> datetime:
    """A time to publish at (``2026-12-01T09:30``, ``…+01:00``, ``…Z``; local if no offset),
    within :data:`HORIZON_YEARS` years of now either way."""
    parsed = _instant(value)
    if not within_horizon(parsed):
        raise _out_of_range(value)
    return parsed


def _filter_bound(value: str, *, end: bool) -> datetime:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        parsed = _instant(value)
    else:
        parsed = _local_midnight(day + timedelta(days=1) if end and day < date.max else day)
    if parsed < EARLIEST_FILTER:
        raise argparse.ArgumentTypeError(f"{value!r} is before 1970; pick a later date")
    if not within_horizon(parsed, past=None):
        raise _out_of_range(value)
    return parsed


def parse_day(value: str) -> datetime:
    """A ``--from`` bound: a day (start of that day, local) or a full ISO time."""
    return _filter_bound(value, end=False)


def parse_day_end(value: str) -> datetime:
    """A ``--to`` bound: a plain day is inclusive (up to the start of the next day, local); a full
    ISO time is taken as is."""
    return _filter_bound(value, end=True)
