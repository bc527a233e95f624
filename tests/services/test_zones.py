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


def test_offered_zones_read_like_places_and_are_read_once() -> None:
    from desktop.services.zones import UTC_ALIASES, offered_zones

    names = offered_zones()
    assert names[0] == "UTC" and names.count("UTC") == 1
    assert not any(n in UTC_ALIASES or n.startswith(("Etc/", "posix/", "right/", "SystemV/")) for n in names)
    assert "America/New_York" in names and "Europe/Paris" in names and list(names[1:]) == sorted(names[1:])
    assert offered_zones() is names  # the zone files are read once per process
