"""The user's time zone, and how times are written in JSON.

Times are stored in UTC; the user plans in one IANA zone (the app setting, else the system's),
which recurrences and "local" times typed in the CLI or a CSV are read in.
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# No data layer here (app_settings is imported where the setting is read): the calendar's first
# month is laid out in the user's zone before SQLAlchemy is imported (desktop.services.calendar_rows).
if TYPE_CHECKING:
    from desktop.services.context import AppContext

# How far ahead a post may be scheduled (and how far back a time typed for one may lie).
# Beyond it a time is a typo, and near year 9999 shifting it into a zone overflows.
HORIZON_YEARS = 10
HORIZON = timedelta(days=round(365.25 * HORIZON_YEARS))


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


#: IANA's other names for UTC: shown (and stored) as plain "UTC" so no dialog says "Etc/UTC".
UTC_ALIASES = frozenset(
    {"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu", "Etc/GMT", "GMT", "Etc/GMT0"}
)


def canonical(name: str) -> str:
    """``name``, with UTC's aliases written as "UTC"."""
    return "UTC" if name in UTC_ALIASES else name


#: Families of IANA names nobody picks from a list: POSIX copies, leap-second copies, fixed
#: offsets with inverted signs ("Etc/GMT+5" is UTC-5) and UTC's aliases (offered once as "UTC").
_HIDDEN_PREFIXES = ("posix/", "right/", "Etc/", "SystemV/")


@functools.cache
def offered_zones() -> tuple[str, ...]:
    """The IANA zones a person picks from a list, "UTC" first, then by name. Read from the zone
    files once per process (~50 ms): warmed off the GUI thread while the data opens."""
    names = {
        canonical(n)
        for n in available_timezones()
        if "/" in n and not n.startswith(_HIDDEN_PREFIXES) and n not in UTC_ALIASES
    }
    names.discard("UTC")
    return ("UTC", *sorted(names))


def zone_label(zone: tzinfo | str) -> str:
    """A zone as people read it: "UTC", "America/New York" (the IANA name without underscores)."""
    name = zone if isinstance(zone, str) else str(getattr(zone, "key", "") or zone)
    return canonical(name).replace("_", " ")


def system_zone_name() -> str | None:
    """The system's IANA zone, if it has a name ($TZ, /etc/localtime, the C library's)."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(str(Path("/etc/localtime").resolve()).split("zoneinfo/", 1)[1])
    except (OSError, IndexError):
        pass
    candidates.append(getattr(datetime.now().astimezone().tzinfo, "key", "") or "")
    return next((canonical(c) for c in candidates if c and _valid(c)), None)


def zone_name_for(setting: object) -> str:
    """The zone the timezone app setting ``setting`` means: itself when it names a zone, else
    the system's, else UTC."""
    name = str(setting or "")
    if name and _valid(name):
        return canonical(name)
    return system_zone_name() or "UTC"


def user_zone_name(ctx: AppContext) -> str:
    """The IANA zone the user plans in: the app setting, else the system's, else UTC."""
    from desktop.services import app_settings

    return zone_name_for(app_settings.get(ctx, app_settings.TIMEZONE))


def user_zone(ctx: AppContext) -> ZoneInfo:
    return ZoneInfo(user_zone_name(ctx))


def iso_utc(value: datetime | None) -> str | None:
    """``2026-12-01T08:30:00Z`` — the one way times appear in ``--json`` output."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def within_horizon(value: datetime, *, now: datetime | None = None, past: timedelta | None = HORIZON) -> bool:
    """Whether ``value`` lies no more than :data:`HORIZON` ahead of ``now`` (and, unless ``past``
    is None, no more than ``past`` behind it)."""
    current = now or datetime.now(UTC)
    if value - current > HORIZON:
        return False
    return past is None or current - value <= past


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M", zone: tzinfo | None = None) -> str:
    """``value`` in ``zone`` (default: the system's), formatted; "" for None.

    Never raises for a stored extreme (e.g. 9999-12-31 23:59 UTC seen from east of UTC, which
    would overflow the year): such a time is shown in UTC, marked as such.
    """
    if value is None:
        return ""
    try:
        return value.astimezone(zone).strftime(fmt)
    except (OverflowError, ValueError, OSError):
        utc = value if value.tzinfo is None else value.astimezone(UTC)
        return utc.replace(tzinfo=None).strftime(fmt.replace("%Z", "").replace("%z", "").rstrip()) + " UTC"
