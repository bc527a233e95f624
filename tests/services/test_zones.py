"""One way to name the user's zone: UTC's aliases are "UTC", names read without underscores."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from desktop.services import app_settings
from desktop.services.context import AppContext
from desktop.services.zones import canonical, system_zone_name, user_zone_name, zone_label


@pytest.mark.parametrize("alias", ["Etc/UTC", "Etc/Universal", "Zulu", "UCT", "Etc/GMT", "GMT"])
def test_utc_aliases_are_named_utc(alias: str) -> None:
    assert canonical(alias) == "UTC"
    assert zone_label(ZoneInfo(alias)) == "UTC"


def test_other_zones_keep_their_name_read_without_underscores() -> None:
    assert canonical("America/New_York") == "America/New_York"
    assert zone_label(ZoneInfo("America/New_York")) == "America/New York"
    assert zone_label("Europe/Paris") == "Europe/Paris"


def test_the_system_and_the_setting_never_give_etc_utc(monkeypatch: pytest.MonkeyPatch, ctx: AppContext) -> None:
    monkeypatch.setenv("TZ", "Etc/UTC")
    assert system_zone_name() == "UTC"
    app_settings.put(ctx, app_settings.TIMEZONE, "Etc/UTC")
    assert user_zone_name(ctx) == "UTC"
    app_settings.put(ctx, app_settings.TIMEZONE, "Asia/Tokyo")
    assert user_zone_name(ctx) == "Asia/Tokyo"
