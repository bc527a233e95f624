"""How the analytics page writes numbers, changes, rates and times, so every widget says them alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from desktop.ui.errors import UNEXPECTED, Explained, explain

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NOT_COMPARABLE = "—"


def number(value: int | float | None) -> str:
    """``12,345``; "—" when the value is unknown."""
    if value is None:
        return NOT_COMPARABLE
    return f"{value:,.0f}"


def signed(value: int | None) -> str:
    """``+120`` / ``−8`` / ``0``; "—" when unknown."""
    if value is None:
        return NOT_COMPARABLE
    if value > 0:
        return f"+{value:,}"
    if value < 0:
        return f"−{-value:,}"
    return "0"


def percent(rate: float | None, digits: int = 1) -> str:
    """A share as a percentage: ``0.0345`` → ``3.5 %``; "—" when unknown."""
    if rate is None:
        return NOT_COMPARABLE
    return f"{rate * 100:.{digits}f} %"


def delta(change: float | None) -> tuple[str, str]:
    """A relative change as ``("▲ +25 %", "up")``, ``("▼ −10 %", "down")``, ``("0 %", "flat")``
    or ``("—", "none")`` when the previous period gives nothing to compare with."""
    if change is None:
        return NOT_COMPARABLE, "none"
    pct = round(change * 100)
    if pct > 0:
        return f"▲ +{pct:,} %", "up"
    if pct < 0:
        return f"▼ −{-pct:,} %", "down"
    return "0 %", "flat"


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """``just now`` / ``12 min ago`` / ``3 h ago`` / ``2 days ago``; ``never`` for None."""
    if when is None:
        return "never"
    current = now or datetime.now(UTC)
    seconds = max(0, int((current - when).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    return "1 day ago" if days == 1 else f"{days} days ago"


def day_range(start: datetime, end: datetime, zone: tzinfo) -> str:
    """A period's local days, end inclusive: ``1 Nov – 30 Nov 2026``."""
    first = start.astimezone(zone)
    last = (end - timedelta(microseconds=1)).astimezone(zone)
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def hour_slot(weekday: int, hour: int) -> str:
    """``Tue 09:00``."""
    return f"{WEEKDAYS[weekday]} {hour:02d}:00"


def not_saved(what: str, exc: BaseException) -> Explained:
    """A failed save (PDF report, exported table): ``what`` was not saved, why and what to do, with Details."""
    explained = explain(exc)
    reason = explained.sentence
    if isinstance(exc, FileNotFoundError):  # saving: the folder is what is missing
        reason = "Its folder does not exist any more; choose another folder."
    elif reason == UNEXPECTED and isinstance(exc, OSError):  # e.g. Qt could not write the PDF: no errno to go on
        reason = "Check that the folder exists and that you may write to it, or choose another folder."
    return Explained(f"{what} was not saved. {reason}", explained.details or str(exc))
