"""The windows of days the calendar shows (a month grid, a week, a list month) and their neighbours.

The model loads the window before and after the one shown in the background, so paging a month
or a week shows posts that are already read.
"""

from __future__ import annotations

import calendar as pycal
from datetime import date, timedelta

#: A month grid always loads six weeks (the month view shows the four to six it touches).
GRID_DAYS = 42


def grid_start(month: date) -> date:
    """The Monday on or before the 1st: the first cell of a month grid."""
    first = month.replace(day=1)
    return first - timedelta(days=first.weekday())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _months_from(month: date, step: int) -> date:
    index = month.year * 12 + month.month - 1 + step
    return date(index // 12, index % 12 + 1, 1)


def adjacent_windows(first_day: date, days: int) -> list[tuple[date, int]]:
    """The windows one page back and one page on from ``(first_day, days)``: a week's weeks, a
    month grid's month grids, a list month's months; none for a window of another shape."""
    if days == 7 and first_day.weekday() == 0:
        return [(first_day - timedelta(days=7), 7), (first_day + timedelta(days=7), 7)]
    if days == GRID_DAYS and first_day.weekday() == 0:
        month = (first_day + timedelta(days=6)).replace(day=1)  # the 1st is in the grid's first week
        if grid_start(month) == first_day:
            return [(grid_start(_months_from(month, step)), GRID_DAYS) for step in (-1, 1)]
    if first_day.day == 1 and days == pycal.monthrange(first_day.year, first_day.month)[1]:
        months = (_months_from(first_day, step) for step in (-1, 1))
        return [(m, pycal.monthrange(m.year, m.month)[1]) for m in months]
    return []


def period_of(mode: str, anchor: date) -> tuple[date, int]:
    """The window of days the calendar loads around ``anchor`` in ``mode`` ("month": its grid,
    "week": its Monday-to-Sunday, "list": its month)."""
    if mode == "month":
        return grid_start(anchor), GRID_DAYS
    if mode == "week":
        return week_start(anchor), 7
    first = anchor.replace(day=1)
    return first, pycal.monthrange(first.year, first.month)[1]


def stepped(mode: str, anchor: date, direction: int) -> date:
    """``anchor`` a week (week mode) or a month (else) on (``direction`` 1) or back (-1); a month
    step keeps the day where the month has it, else takes the month's last."""
    if mode == "week":
        return anchor + timedelta(weeks=direction)
    month = _months_from(anchor, direction)
    return month.replace(day=min(anchor.day, pycal.monthrange(month.year, month.month)[1]))


def period_title(mode: str, anchor: date) -> str:
    """``10–16 March 2027``, ``29 Mar – 4 Apr 2027`` for a week; ``March 2027`` for a month."""
    if mode != "week":
        return f"{anchor:%B %Y}"
    first = week_start(anchor)
    last = first + timedelta(days=6)
    if first.month == last.month:
        return f"{first.day}–{last.day} {last:%B %Y}"
    return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
