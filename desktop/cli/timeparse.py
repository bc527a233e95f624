"""Dates and times typed on the command line, read in the user's zone unless they carry one."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time


def parse_when(value: str) -> datetime:
    """ISO 8601 with or without offset (``2026-12-01T09:30``, ``…+01:00``, ``…Z``); local if no offset."""
    text = value.strip().replace(" ", "T", 1)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date and time: {value!r} (use ISO 8601, e.g. 2026-12-01T09:30 or 2026-12-01T09:30+01:00)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.astimezone()  # the user's local zone
    return parsed.astimezone(UTC)


def parse_day(value: str) -> datetime:
    """A day (start of that day, local) or a full ISO time, for --from/--to filters."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return parse_when(value)
    return datetime.combine(day, time()).astimezone().astimezone(UTC)
