"""Dates at the edge: times beyond a sane horizon are usage errors, and nothing stored can break
a listing in any time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.services.context import AppContext
from desktop.services.zones import format_local, within_horizon
from desktop.store.models import Account, Post, Variant, VariantState
from tests.e2e.cli import run_cli

EAST = "Asia/Tokyo"
WEST = "America/New_York"


def _in_zone(env: dict[str, str], zone: str) -> dict[str, str]:
    return {**env, "TZ": zone}


def _usage_error(args: tuple[str, ...], env: dict[str, str], needle: str) -> None:
    r = run_cli(*args, env=env)
    assert r.code == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert needle in r.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("zone", [EAST, WEST, "UTC"])
@pytest.mark.parametrize(
    "at",
    ["9999-12-31T23:59-05:00", "9999-12-31T23:59", "9999-12-31T23:59+14:00", "0001-01-01T00:00", "0001-01-01T00:00Z"],
)
def test_schedule_at_the_ends_of_the_calendar_is_a_usage_error(
    subprocess_env: dict[str, str], zone: str, at: str
) -> None:
    _usage_error(
        ("schedule", "--account", "1", "--text", "hi", "--at", at),
        _in_zone(subprocess_env, zone),
        "years from now; pick a nearer time",
    )


def test_schedule_more_than_ten_years_either_way_is_a_usage_error(subprocess_env: dict[str, str]) -> None:
    now = datetime.now(UTC)
    for when in (now + timedelta(days=3700), now - timedelta(days=3700)):
        _usage_error(
            ("schedule", "--account", "1", "--text", "hi", "--at", when.strftime("%Y-%m-%dT%H:%MZ")),
            subprocess_env,
            "is more than 10 years from now",
        )


def test_schedule_within_the_horizon_passes_parsing(subprocess_env: dict[str, str]) -> None:
    soon = (datetime.now(UTC) + timedelta(days=365 * 9)).strftime("%Y-%m-%dT%H:%MZ")
    r = run_cli("schedule", "--account", "999", "--text", "hi", "--at", soon, env=subprocess_env)
    assert r.code == 1 and "999" in r.stderr  # past parsing: the account does not exist


@pytest.mark.parametrize("flag", ["--from", "--to"])
@pytest.mark.parametrize("value", ["9999-12-31", "9999-12-31T23:59-05:00", "0001-01-01", "1969-12-31"])
def test_list_filters_beyond_the_horizon_are_usage_errors(
    subprocess_env: dict[str, str], flag: str, value: str
) -> None:
    r = run_cli("posts", "list", flag, value, env=_in_zone(subprocess_env, EAST))
    assert r.code == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and f"argument {flag}: " in r.stderr


def test_list_filters_in_range_still_work(subprocess_env: dict[str, str]) -> None:
    r = run_cli("posts", "list", "--from", "2000-01-01", "--to", "2030-12-31", env=subprocess_env)
    assert r.code == 0 and "No posts match." in r.stdout


def test_a_stored_extreme_time_lists_in_every_zone(subprocess_env: dict[str, str], isolated_home: Path) -> None:
    """Whatever path stored it, 9999-12-31 23:59 UTC must not crash a listing east of UTC."""
    extreme = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    ctx = AppContext.open(isolated_home)
    with ctx.session() as s:
        account = Account(provider="mastodon", remote_id="1", handle="@ann@example.social", server_url="http://x")
        post = Post(text="far away")
        s.add_all([account, post])
        s.flush()
        s.add(Variant(post_id=post.id, account_id=account.id, state=VariantState.SCHEDULED, scheduled_at=extreme))
    ctx.close()
    shown = {EAST: "9999-12-31 23:59 UTC", WEST: "9999-12-31 18:59", "UTC": "9999-12-31 23:59"}
    for zone, stamp in shown.items():
        env = _in_zone(subprocess_env, zone)
        r = run_cli("posts", "list", env=env)
        assert r.code == 0, r.stderr
        assert stamp in r.stdout
        r = run_cli("posts", "list", "--json", env=env)
        assert r.code == 0, r.stderr
        assert r.json()["posts"][0]["variants"][0]["scheduled_at"] == "9999-12-31T23:59:00Z"


def test_format_local_never_overflows() -> None:
    from zoneinfo import ZoneInfo

    top = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    assert format_local(top, zone=ZoneInfo(EAST)) == "9999-12-31 23:59 UTC"
    assert format_local(top, "%Y-%m-%d %H:%M %Z", zone=ZoneInfo(EAST)) == "9999-12-31 23:59 UTC"
    assert format_local(top, zone=ZoneInfo(WEST)) == "9999-12-31 18:59"
    bottom = datetime(1, 1, 1, tzinfo=UTC)
    assert format_local(bottom, zone=ZoneInfo(WEST)).endswith("1-01-01 00:00 UTC")  # %Y is not padded everywhere
    assert format_local(None) == ""


def test_within_horizon() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert within_horizon(now + timedelta(days=3650), now=now)
    assert not within_horizon(now + timedelta(days=3660), now=now)
    assert not within_horizon(now - timedelta(days=3660), now=now)
    assert within_horizon(now - timedelta(days=36600), now=now, past=None)
