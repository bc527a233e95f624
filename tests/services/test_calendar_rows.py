"""The calendar's first month read ahead with sqlite3 (desktop.services.calendar_rows): the same
items as the SQLAlchemy service, on a store full of edge cases, or nothing at all."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from desktop.services import app_settings, transitions, zones
from desktop.services import calendar as cal
from desktop.services.calendar_rows import (
    MOVABLE,
    CalendarFilters,
    CalendarItem,
    FirstWindowRead,
    month_grid,
    read_first_window,
    window_items,
)
from desktop.services.campaigns import add_campaign
from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.store.models import Campaign, Post, Variant, VariantState
from desktop.store.peek import peek_readonly
from desktop.store.revision import HEAD_REVISION
from tests.services.test_calendar import add_account


def utc(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


def set_variant(ctx: AppContext, variant_id: int, **values: object) -> None:
    with ctx.session() as s:
        s.execute(update(Variant).where(Variant.id == variant_id).values(**values))


@pytest.fixture
def store(ctx: AppContext) -> dict[str, int]:
    """Three accounts on three networks, two campaigns (one archived), and posts around February,
    March (both DST changes in Europe and America) and April 2027 in every state."""
    ids = {
        "masto": add_account(ctx, "mastodon", "@shop@masto.test"),
        "sky": add_account(ctx, "bluesky", "shop.bsky"),
        "x": add_account(ctx, "x", "shop_x"),
    }
    ids["spring"] = add_campaign(ctx, "Spring sale", color="#2b8a3e").id
    ids["launch"] = add_campaign(ctx, "Launch", color="#c2255c").id
    everyone = [ids["masto"], ids["sky"], ids["x"]]

    def post(name: str, at: datetime, accounts: list[int], campaign: str | None = None, **kw: object) -> list[int]:
        made = schedule_post(
            ctx, account_ids=accounts, text=f"{name}  post\nsecond line", at=at, campaign=campaign, **kw
        )  # type: ignore[arg-type]
        ids[name] = made.id
        return [v.id for v in made.variants]

    post("feb-end", utc(2, 28, 23, 30), everyone, "Spring sale")
    post("mar-first", utc(3, 1, 0), everyone)
    # the night Europe/Berlin skips an hour, and the one New York does
    post("berlin-dst", utc(3, 28, 1, 30), [ids["masto"]], "Launch")
    post("ny-dst", utc(3, 14, 7, 0), [ids["sky"]], text_for={ids["sky"]: "own text for Bluesky"})
    post("mar-last", utc(3, 31, 22, 59), everyone, "Spring sale")
    post("apr", utc(4, 1, 0), [ids["x"]])
    post("may", utc(5, 2, 12), [ids["masto"]])
    # published late: scheduled before the window, out in it (and one out after it)
    (late,) = post("late", utc(2, 26, 8), [ids["masto"]])
    set_variant(ctx, late, state=VariantState.PUBLISHED, published_at=utc(3, 2, 8))
    (too_late,) = post("too-late", utc(2, 10, 8), [ids["sky"]])
    set_variant(ctx, too_late, state=VariantState.PUBLISHED, published_at=utc(3, 3, 8))  # beyond LATE_WINDOW
    (spill,) = post("spill", utc(3, 30, 8), [ids["x"]])
    set_variant(ctx, spill, state=VariantState.PUBLISHED, published_at=utc(4, 2, 8))
    # every other state, one variant each
    states = [
        VariantState.FAILED,
        VariantState.NEEDS_RECONNECT,
        VariantState.PARTIALLY_LIVE,
        VariantState.OUTCOME_UNKNOWN,
        VariantState.RETRYING,
        VariantState.PUBLISHING,
        VariantState.CANCELLED,
        VariantState.IMPORTING,
        VariantState.DRAFT,
    ]
    for n, state in enumerate(states):
        (vid,) = post(f"state-{state.value}", utc(3, 10 + n, 10), [everyone[n % 3]], "Launch" if n % 2 else None)
        set_variant(ctx, vid, state=state, last_error=f"error {n}" if n < 4 else "")
    (undated,) = post("undated-draft", utc(3, 20), [ids["masto"]])
    set_variant(ctx, undated, state=VariantState.DRAFT, scheduled_at=None)
    post("external", utc(3, 12, 12), [ids["sky"]])
    with ctx.session() as s:  # published outside the app: analytics only
        s.execute(update(Post).where(Post.id == ids["external"]).values(external=True))
    post("series", utc(3, 5, 9), [ids["x"]])
    with ctx.session() as s:
        s.execute(update(Post).where(Post.id == ids["series"]).values(series_id="abc123"))
    post("long", utc(3, 6, 9), [ids["masto"]])
    with ctx.session() as s:
        s.execute(update(Post).where(Post.id == ids["long"]).values(text="word " * 400))
        # archived campaigns' posts stay on the calendar
        s.execute(update(Campaign).where(Campaign.id == ids["launch"]).values(archived=True))
    return ids


@pytest.fixture
def conn(ctx: AppContext) -> Iterator[sqlite3.Connection]:
    with peek_readonly(Path(ctx.data_dir) / "campaign-desk.db") as connection:
        yield connection


def window(zone: ZoneInfo, month: int) -> tuple[datetime, datetime]:
    first, days = month_grid(date(2027, month, 15))
    return (
        datetime.combine(first, time(), tzinfo=zone),
        datetime.combine(first + timedelta(days=days), time(), tzinfo=zone),
    )


def portable(
    ctx: AppContext, start: datetime, end: datetime, filters: CalendarFilters | None = None
) -> list[CalendarItem]:
    """The SQLAlchemy expressions' items (what calendar_items reads on other databases than SQLite)."""
    with ctx.session() as s:
        return cal.portable_items(s.connection(), start, end, filters or CalendarFilters())


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("month", [2, 3, 4])
def test_the_plain_sql_read_gives_the_services_items(
    ctx: AppContext, store: dict[str, int], conn: sqlite3.Connection, zone: str, month: int
) -> None:
    start, end = window(ZoneInfo(zone), month)
    expected = portable(ctx, start, end)
    assert expected, "every window of the store has posts"
    assert window_items(conn, start, end) == expected
    assert cal.calendar_items(ctx, start, end) == expected  # on SQLite, through the plain SQL


def test_every_filter_gives_the_services_items(
    ctx: AppContext, store: dict[str, int], conn: sqlite3.Connection
) -> None:
    start, end = window(ZoneInfo("Europe/Berlin"), 3)
    spring, launch = store["spring"], store["launch"]
    cases = [
        CalendarFilters(),
        CalendarFilters(account_ids=frozenset({store["sky"]})),
        CalendarFilters(account_ids=frozenset({store["sky"], store["x"]})),
        CalendarFilters(account_ids=frozenset({9999})),
        CalendarFilters(networks=frozenset({"mastodon"})),
        CalendarFilters(networks=frozenset({"mastodon", "x"}), account_ids=frozenset({store["x"]})),
        CalendarFilters(networks=frozenset({"threads"})),
        CalendarFilters(campaign_ids=frozenset({spring})),
        CalendarFilters(campaign_ids=frozenset({launch})),  # archived
        CalendarFilters(campaign_ids=frozenset({0})),
        CalendarFilters(campaign_ids=frozenset({0, spring})),
        CalendarFilters(states=frozenset({"failed"})),
        CalendarFilters(states=frozenset({"published", "draft"})),
        CalendarFilters(states=frozenset({"scheduled"}), campaign_ids=frozenset({0}), networks=frozenset({"x"})),
        CalendarFilters(states=frozenset({"no-such-group"})),
    ]
    seen = set()
    for filters in cases:
        expected = portable(ctx, start, end, filters)
        assert window_items(conn, start, end, filters) == expected, filters
        assert cal.calendar_items(ctx, start, end, filters) == expected, filters
        seen.add(len(expected))
    assert len(seen) > 5, "the cases differ: the comparison means something"


def test_the_edge_cases_are_in_the_window_as_the_calendar_shows_them(
    ctx: AppContext, store: dict[str, int], conn: sqlite3.Connection
) -> None:
    items = window_items(conn, utc(3, 1, 0), utc(4, 1, 0))
    posts = {i.post_id for i in items}
    assert store["late"] in posts and store["mar-first"] in posts and store["mar-last"] in posts
    for gone in ("too-late", "spill", "external", "undated-draft", "state-cancelled", "state-importing", "apr"):
        assert store[gone] not in posts, gone
    by_post = {i.post_id: i for i in items}
    assert by_post[store["late"]].when == utc(3, 2, 8) and by_post[store["late"]].status == "published"
    assert by_post[store["series"]].series_id == "abc123"
    assert by_post[store["long"]].text.endswith("…") and len(by_post[store["long"]].text) == 1000
    assert by_post[store["ny-dst"]].text == "own text for Bluesky"
    assert by_post[store["mar-first"]].text == "mar-first post second line"
    assert by_post[store["state-failed"]].error == "error 0" and not by_post[store["state-failed"]].movable
    assert by_post[store["berlin-dst"]].campaign == "Launch"


# --- the first month -------------------------------------------------------------------------------


def test_the_first_month_is_what_the_service_shows_in_the_users_zone(ctx: AppContext, store: dict[str, int]) -> None:
    app_settings.put(ctx, app_settings.TIMEZONE, "America/New_York")
    first = read_first_window(ctx.data_dir, date(2027, 3, 14))
    assert first is not None and first.has_accounts
    assert first.zone == ZoneInfo("America/New_York") and first.filters == CalendarFilters()
    assert (first.first_day, first.days) == (date(2027, 3, 1), 42)  # 1 March 2027 is a Monday
    assert first.items == cal.calendar_items(ctx, *first.window())
    assert first.window()[0] == datetime(2027, 3, 1, tzinfo=ZoneInfo("America/New_York"))


def test_the_first_month_on_a_thread_never_blocks_the_asker(ctx: AppContext, store: dict[str, int]) -> None:
    read = FirstWindowRead.start(ctx.data_dir, date(2027, 3, 14))
    first = read.wait(30)
    assert read.done() and first is not None and read.result() is first
    assert first.items == cal.calendar_items(ctx, *first.window())


def test_no_accounts_is_read_as_such(ctx: AppContext) -> None:
    first = read_first_window(ctx.data_dir, date(2027, 3, 14))
    assert first is not None and not first.has_accounts and first.items == []


def test_nothing_is_read_where_the_normal_path_might_differ(
    ctx: AppContext, store: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Path(ctx.data_dir) / "campaign-desk.db"
    assert read_first_window(ctx.data_dir, date(2027, 3, 14)) is not None
    assert read_first_window(tmp_path / "nowhere", date(2027, 3, 14)) is None  # no store yet: nothing created
    assert not (tmp_path / "nowhere").exists()
    monkeypatch.setenv("CAMPAIGN_DESK_DB_URL", "postgresql://db.invalid/desk")
    assert read_first_window(ctx.data_dir, date(2027, 3, 14)) is None
    monkeypatch.delenv("CAMPAIGN_DESK_DB_URL")
    if os.name == "posix":  # not private yet: opening the store fixes that first
        db.chmod(0o644)
        assert read_first_window(ctx.data_dir, date(2027, 3, 14)) is None
        db.chmod(0o600)
    with sqlite3.connect(db) as writer:  # a migration is due: the store is migrated first
        writer.execute("UPDATE alembic_version SET version_num = '0001'")
    assert read_first_window(ctx.data_dir, date(2027, 3, 14)) is None
    with sqlite3.connect(db) as writer:
        writer.execute("UPDATE alembic_version SET version_num = ?", (HEAD_REVISION,))
    assert read_first_window(ctx.data_dir, date(2027, 3, 14)) is not None


def test_the_read_never_writes(ctx: AppContext, store: dict[str, int]) -> None:
    db = Path(ctx.data_dir) / "campaign-desk.db"
    with peek_readonly(db) as conn, pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM variants")


# --- what the read-ahead repeats of code that imports SQLAlchemy -----------------------------------


def test_movable_states_are_the_transitions_ones() -> None:
    assert frozenset(MOVABLE) == transitions.MOVABLE
    assert cal.MOVABLE == MOVABLE


@pytest.mark.parametrize("setting", ["", "Europe/Berlin", "Etc/UTC", "Not/AZone"])
def test_the_first_month_is_in_the_zone_the_app_uses(
    ctx: AppContext, store: dict[str, int], monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the system's, where the setting names no zone
    app_settings.put(ctx, app_settings.TIMEZONE, setting)
    first = read_first_window(ctx.data_dir, date(2027, 3, 14))
    assert first is not None and first.zone == zones.user_zone(ctx)
    assert first.items == cal.calendar_items(ctx, *first.window())


def test_reading_the_first_month_imports_no_data_layer(ctx: AppContext, store: dict[str, int]) -> None:
    code = (
        "import sys, datetime\n"
        "from desktop.services.calendar_rows import FirstWindowRead\n"
        f"first = FirstWindowRead.start({str(ctx.data_dir)!r}, datetime.date(2027, 3, 14)).wait(30)\n"
        "assert first is not None and first.items, first\n"
        "heavy = ('sqlalchemy', 'alembic', 'PySide6', 'providers')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_those_waiting_for_the_first_month_are_called_once_each(ctx: AppContext, store: dict[str, int]) -> None:
    read = FirstWindowRead(ctx.data_dir, date(2027, 3, 14))  # not started yet: callers wait
    got: list[object] = []

    def gone(_first: object) -> None:  # a Qt signal whose page was closed meanwhile
        raise RuntimeError("Signal source has been deleted")

    read.then(got.append)
    read.then(gone)
    assert got == [] and read.result() is None and not read.done()
    read._thread.start()
    first = read.wait(30)
    assert first is not None and got == [first]
    read.then(got.append)  # asked after it was read: called at once
    assert got == [first, first]
