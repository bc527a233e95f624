"""App settings that change behaviour, stored in the DB (UI state lives in QSettings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select

from desktop.store.models import Account, Post, Setting, Variant, VariantState

if TYPE_CHECKING:
    from desktop.services.context import AppContext

ALLOW_INSECURE_KEYRING = "allow_insecure_keyring"
PUBLISHING_PAUSED = "publishing_paused"
GIVE_UP_HOURS = "give_up_hours"
TIMEZONE = "timezone"
CLOSE_TO_TRAY = "close_to_tray"
DAILY_DIGEST = "daily_digest"
LAST_DIGEST_ON = "last_digest_on"
FIRST_RUN_DISMISSED = "first_run_dismissed"  # the "Get started" checklist, hidden for good

DEFAULTS: dict[str, Any] = {
    ALLOW_INSECURE_KEYRING: False,
    PUBLISHING_PAUSED: False,
    GIVE_UP_HOURS: 6,
    TIMEZONE: "",  # empty: the system's zone
    CLOSE_TO_TRAY: True,
    DAILY_DIGEST: False,
    LAST_DIGEST_ON: "",
    FIRST_RUN_DISMISSED: False,
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


def put_if_changed(ctx: AppContext, key: str, value: Any) -> bool:
    """Write ``value`` unless it is already the stored one (or the default, when none is stored).

    Returns whether anything changed, so the caller reports a change only when there was one.
    """
    with ctx.session() as s:
        row = s.get(Setting, key)
        current = DEFAULTS.get(key) if row is None else row.value
        if current == value:
            return False
        if row is None:
            s.add(Setting(key=key, value=value))
        else:
            row.value = value
    return True


@dataclass(frozen=True)
class FirstRunProgress:
    """How far a new user is along connect → write → schedule (read from what is in the DB)."""

    connected: bool  # an account exists
    written: bool  # a post exists (a draft counts)
    scheduled: bool  # a post went past draft: scheduled, published, or on its way
    dismissed: bool  # the user closed the checklist

    @property
    def done(self) -> bool:
        return self.connected and self.written and self.scheduled

    @property
    def show(self) -> bool:
        """The checklist is shown until every step is done or the user closes it, then never again."""
        return not self.done and not self.dismissed


def first_run_progress(ctx: AppContext) -> FirstRunProgress:
    not_draft = (VariantState.DRAFT, VariantState.CANCELLED, VariantState.IMPORTING)
    with ctx.session() as s:
        connected = bool(s.scalar(select(exists().where(Account.id.is_not(None)))))
        written = bool(s.scalar(select(exists().where(Post.id.is_not(None)))))
        scheduled = bool(s.scalar(select(exists().where(Variant.state.not_in(not_draft)))))
    return FirstRunProgress(connected, written, scheduled, bool(get(ctx, FIRST_RUN_DISMISSED)))
