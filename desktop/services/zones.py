"""The user's time zone, and how times are written in JSON.

Times are stored in UTC; the user plans in one IANA zone (the app setting, else the system's),
which recurrences and "local" times typed in the CLI or a CSV are read in.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop.services import app_settings

if TYPE_CHECKING:
    from desktop.services.context import AppContext


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def system_zone_name() -> str | None:
    """The system's IANA zone, if it has a name ($TZ, /etc/localtime, the C library's)."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(str(Path("/etc/localtime").resolve()).split("zoneinfo/", 1)[1])
    except (OSError, IndexError):
        pass
    candidates.append(getattr(datetime.now().astimezone().tzinfo, "key", "") or "")
    return next((c for c in candidates if c and _valid(c)), None)


def user_zone_name(ctx: AppContext) -> str:
    """The IANA zone the user plans in: the app setting, else the system's, else UTC."""
    setting = str(app_settings.get(ctx, app_settings.TIMEZONE) or "")
    if setting and _valid(setting):
        return setting
    return system_zone_name() or "UTC"


def user_zone(ctx: AppContext) -> ZoneInfo:
    return ZoneInfo(user_zone_name(ctx))


def iso_utc(value: datetime | None) -> str | None:
    """``2026-12-01T08:30:00Z`` — the one way times appear in ``--json`` output."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None
