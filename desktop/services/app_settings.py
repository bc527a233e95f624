"""App settings that change behaviour, stored in the DB (UI state lives in QSettings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from desktop.store.models import Setting

if TYPE_CHECKING:
    from desktop.services.context import AppContext

ALLOW_INSECURE_KEYRING = "allow_insecure_keyring"
PUBLISHING_PAUSED = "publishing_paused"
GIVE_UP_HOURS = "give_up_hours"
TIMEZONE = "timezone"
CLOSE_TO_TRAY = "close_to_tray"
DAILY_DIGEST = "daily_digest"
LAST_DIGEST_ON = "last_digest_on"

DEFAULTS: dict[str, Any] = {
    ALLOW_INSECURE_KEYRING: False,
    PUBLISHING_PAUSED: False,
    GIVE_UP_HOURS: 6,
    TIMEZONE: "",  # empty: the system's zone
    CLOSE_TO_TRAY: True,
    DAILY_DIGEST: False,
    LAST_DIGEST_ON: "",
}


def get(ctx: AppContext, key: str) -> Any:
    with ctx.session() as s:
        value = s.scalar(select(Setting.value).where(Setting.key == key))
    return DEFAULTS.get(key) if value is None else value


def put(ctx: AppContext, key: str, value: Any) -> None:
    with ctx.session() as s:
        row = s.get(Setting, key)
        if row is None:
            s.add(Setting(key=key, value=value))
        else:
            row.value = value


def get_allow_insecure_keyring(ctx: AppContext) -> bool:
    return bool(get(ctx, ALLOW_INSECURE_KEYRING))


def set_allow_insecure_keyring(ctx: AppContext, allowed: bool) -> None:
    put(ctx, ALLOW_INSECURE_KEYRING, bool(allowed))
    ctx.vault.set_allow_insecure(allowed)
