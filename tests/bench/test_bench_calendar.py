"""Calendar at scale: 5,000 variants in one month over 7 accounts.

`make bench` runs these. Measured: the windowed query for that month; switching months in the
model (query + model reset); switching month and week on the page as the user sees it (model,
layout and paint at 1280×800 of a window the model read ahead while the user looked at the one
before: ``calendar_month_switch_ms``, ``calendar_week_switch_ms``), and the same for a window
read only when asked, nothing kept (query too: ``calendar_month_switch_cold_ms``,
``calendar_week_switch_cold_ms``); the resident set over 50 switches (must stay flat); and
opening the calendar page (construct, first load, first paint: ``calendar_open_ms``).
"""

from __future__ import annotations

import gc
import os
import random
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import cycle

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from pytestqt.qtbot import QtBot
from sqlalchemy import insert

from desktop.services import app_settings
from desktop.services.calendar import calendar_items
from desktop.services.context import AppContext
from desktop.store.models import Account, Campaign, Post, Variant, VariantState, new_idempotency_key
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.calendar.month_view import grid_start
from desktop.ui.calendar.week_view import WeekView
from desktop.ui.pages.calendar import CalendarPage
from desktop.ui.tasks import TaskRunner

Record = Callable[[str, float], None]

VARIANTS = 5_000
ACCOUNTS = 7
MARCH = date(2027, 3, 1)
ZONE = "Europe/Paris"


@pytest.fixture
def busy_month(ctx: AppContext) -> AppContext:
    """5,000 variants in March 2027 (and a few hundred either side), bulk-inserted with Core."""
    rng = random.Random(42)
    app_settings.put(ctx, app_settings.TIMEZONE, ZONE)
    with ctx.session() as s:
        s.execute(
            insert(Account),
            [
                {
                    "id": n + 1,
                    "provider": "mastodon" if n % 2 else "bluesky",
                    "remote_id": f"r{n}",
                    "handle": f"brand{n}.example",
                    "server_url": "https://example.test",
                }
                for n in range(ACCOUNTS)
            ],
        )
        colors = ["#4f6bed", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8"]
        s.execute(insert(Campaign), [{"id": n + 1, "name": f"Campaign {n}", "color": c} for n, c in enumerate(colors)])
        start = datetime(2027, 2, 20, tzinfo=UTC)
        span = (datetime(2027, 4, 10, tzinfo=UTC) - start).total_seconds()
        march = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
        posts, variants, in_march = [], [], 0
        states = cycle([VariantState.SCHEDULED] * 6 + [VariantState.PUBLISHED, VariantState.FAILED])
        n = 0
        while in_march < VARIANTS:
            n += 1
            when = start + timedelta(seconds=rng.random() * span)
            when = when.replace(minute=when.minute // 15 * 15, second=0, microsecond=0)
            in_march += march[0] <= when < march[1]
            state = next(states)
            posts.append(
                {
                    "id": n,
                    "text": f"Post {n}: something worth sharing about our spring line",
                    "campaign_id": rng.choice([None, 1, 2, 3, 4, 5]),
                    "timezone": ZONE,
                }
            )
            variants.append(
                {
                    "id": n,
                    "post_id": n,
                    "account_id": n % ACCOUNTS + 1,
                    "state": state,
                    "scheduled_at": when,
                    "published_at": when + timedelta(seconds=20) if state == VariantState.PUBLISHED else None,
                    "idempotency_key": new_idempotency_key(),
                }
            )
        s.execute(insert(Post), posts)
        s.execute(insert(Variant), variants)
    return ctx


def month_window(month: date) -> tuple[datetime, datetime]:
    from zoneinfo import ZoneInfo

    first = grid_start(month)
    zone = ZoneInfo(ZONE)
    return (
        datetime(first.year, first.month, first.day, tzinfo=zone),
        datetime(first.year, first.month, first.day, tzinfo=zone) + timedelta(days=42),
    )


def test_calendar_items_for_a_month_of_5000(benchmark: BenchmarkFixture, busy_month: AppContext) -> None:
    items = benchmark(calendar_items, busy_month, *month_window(MARCH))
    assert len(items) >= VARIANTS


def test_switching_months_in_the_model(benchmark: BenchmarkFixture, qtbot: QtBot, busy_month: AppContext) -> None:
    """From April into the busy March (the timed part: query, day index, model reset)."""
    model = CalendarModel(busy_month, TaskRunner(), ZONE)
    model.read_ahead = False  # every switch reads its month

    def from_april() -> None:
        with qtbot.waitSignal(model.loaded, timeout=10_000):
            model.set_window(grid_start(date(2027, 4, 1)), 42)
        model.forget()  # March was shown before: read it again

    def into_march() -> None:
        with qtbot.waitSignal(model.loaded, timeout=10_000):
            model.set_window(grid_start(MARCH), 42)

    benchmark.pedantic(into_march, setup=from_april, rounds=12, warmup_rounds=1)
    assert model.rowCount() >= VARIANTS


@pytest.fixture
def shown_page(qtbot: QtBot, busy_month: AppContext) -> Iterator[CalendarPage]:
    """The calendar page at 1280×800 on March, loaded and painted once."""
    page = CalendarPage(busy_month, TaskRunner())
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.anchor = MARCH
    with qtbot.waitSignal(page.model.loaded, timeout=10_000):
        page.refresh()
    page.current_view().repaint()
    yield page


def switch(qtbot: QtBot, page: CalendarPage, direction: int) -> None:
    """One step as the user sees it: the window's query (unless read ahead), the model, the
    layout and the paint."""
    with qtbot.waitSignal(page.model.loaded, timeout=10_000):
        page.step(direction)
    view = page.current_view()
    (view.canvas if isinstance(view, WeekView) else view).repaint()  # synchronous: the paint is timed


def look_at(qtbot: QtBot, page: CalendarPage, direction: int, *, cold: bool) -> None:
    """The setup of a timed step: step there, and look at it while the model reads ahead (a
    moment for a reader); ``cold``: then drop what the model read, so the next step reads too."""
    switch(qtbot, page, direction)
    qtbot.waitUntil(lambda: not page.model.reading_ahead() and page.runner.pending() == 0, timeout=10_000)
    if cold:
        page.model.forget()


@pytest.mark.parametrize("cold", [False, True], ids=["read_ahead", "cold"])
def test_month_switch_as_the_user_sees_it(
    benchmark: BenchmarkFixture, bench_record: Record, qtbot: QtBot, shown_page: CalendarPage, cold: bool
) -> None:
    """April → March with 5,000 variants in March: model + layout + paint at 1280×800 (+ the
    query when ``cold``)."""
    page = shown_page
    benchmark.pedantic(
        lambda: switch(qtbot, page, -1),
        setup=lambda: look_at(qtbot, page, 1, cold=cold),
        rounds=15,
        warmup_rounds=1,
    )
    assert page.anchor.month == 3 and page.model.rowCount() >= VARIANTS
    assert page.month_view.laid_out()[0], "the busy month shows chips"
    key = "calendar_month_switch_cold_ms" if cold else "calendar_month_switch_ms"
    bench_record(key, benchmark.stats.stats.median * 1000)


@pytest.mark.parametrize("cold", [False, True], ids=["read_ahead", "cold"])
def test_week_switch_as_the_user_sees_it(
    benchmark: BenchmarkFixture, bench_record: Record, qtbot: QtBot, shown_page: CalendarPage, cold: bool
) -> None:
    """From one busy March week to the next (~1,150 variants each), painted (+ the query when ``cold``)."""
    page = shown_page
    page.anchor = date(2027, 3, 10)
    with qtbot.waitSignal(page.model.loaded, timeout=10_000):
        page.set_mode("week")
    benchmark.pedantic(
        lambda: switch(qtbot, page, 1),
        setup=lambda: look_at(qtbot, page, -1, cold=cold),
        rounds=15,
        warmup_rounds=1,
    )
    assert page.model.rowCount() >= VARIANTS // 5
    key = "calendar_week_switch_cold_ms" if cold else "calendar_week_switch_ms"
    bench_record(key, benchmark.stats.stats.median * 1000)


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the resident set from /proc")
def test_memory_is_flat_over_50_month_switches(bench_record: Record, qtbot: QtBot, shown_page: CalendarPage) -> None:
    """Nothing piles up per switch (chips, layouts, fonts, colours): RSS after 50 is within 5 MB of
    after the first few (which warm Qt's glyph and pixmap caches)."""
    page = shown_page
    for _ in range(5):
        switch(qtbot, page, 1)
        switch(qtbot, page, -1)
    gc.collect()
    before = _rss_mb()
    for _ in range(25):
        switch(qtbot, page, 1)
        switch(qtbot, page, -1)
    gc.collect()
    growth = _rss_mb() - before
    bench_record("calendar_50_switches_rss_growth_mb", max(0.0, growth))
    assert growth < 5, f"RSS grew {growth:.1f} MB over 50 month switches"


def test_opening_the_calendar_page(
    benchmark: BenchmarkFixture, bench_record: Record, qtbot: QtBot, busy_month: AppContext
) -> None:
    """Construct the page, load the busy month and paint it at 1280×800 (first open)."""
    runner = TaskRunner()
    pages: list[CalendarPage] = []

    def open_page() -> None:
        page = CalendarPage(busy_month, runner)
        pages.append(page)
        page.resize(1280, 800)
        page.anchor = MARCH
        with qtbot.waitSignal(page.model.loaded, timeout=10_000):
            page.refresh()
        page.grab()  # the first paint of the month grid

    benchmark.pedantic(open_page, rounds=8, warmup_rounds=1)
    assert pages[-1].model.rowCount() >= VARIANTS
    bench_record("calendar_open_ms", benchmark.stats.stats.median * 1000)
    for page in pages:
        page.deleteLater()
