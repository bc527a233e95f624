"""The networks' timestamps: ISO 8601 / RFC 3339 as they send them, read as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_utc_time(value: object) -> datetime | None:
    """A network's timestamp (ISO 8601: ``Z``, ``+00:00`` or Graph's ``+0000`` offsets; none means UTC) as
    an aware UTC datetime; None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    raw = value.strip().replace("Z", "+00:00")
    if len(raw) > 5 and raw[-5] in "+-" and raw[-3] != ":":
        raw = raw[:-2] + ":" + raw[-2:]
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def as_utc(when: datetime) -> datetime:
    """``when`` as an aware datetime; a naive one is taken to be UTC (the store's times are)."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
