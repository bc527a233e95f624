"""Paging the calendar shows the window read ahead at once; what changes in the app drops it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pytestqt.qtbot import QtBot

from desktop.services.calendar import calendar_items
from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.ui.calendar import model as model_module
from desktop.ui.calendar.periods import GRID_DAYS, adjacent_windows
from desktop.ui.changes import POSTS, changes
from desktop.ui.pages.calendar import CalendarPage
from tests.gui.test_calendar_page import PARIS, open_page
from tests.gui.test_calendar_page import planned as planned  # a fixture


def read_ahead(qtbot: QtBot, page: CalendarPage) -> None:
    """Wait while the user looks at the window: the model reads the windows either side."""
    qtbot.waitUntil(lambda: not page.model.reading_ahead() and page.runner.pending() == 0, timeout=5000)


def step_without_reading(qtbot: QtBot, page: CalendarPage, direction: int) -> None:
    """A step shown from what was read ahead: loaded at once, nothing read from the store."""
    with qtbot.waitSignal(page.model.loaded, timeout=1):
        page.step(direction)
    assert page.runner.pending() == 0, "the window was read again"


def shown(page: CalendarPage) -> list[tuple[int, datetime]]:
    return [(i.variant_id, i.when) for i in page.model.items()]


def in_store(ctx: AppContext, page: CalendarPage) -> list[tuple[int, datetime]]:
    return [(i.variant_id, i.when) for i in calendar_items(ctx, *page.model.window(), page.model.filters)]


def test_paging_shows_the_next_and_previous_month_already_read(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx)
    read_ahead(qtbot, page)
    step_without_reading(qtbot, page, 1)
    assert page.toolbar.title.text() == "April 2027"
    assert shown(page) == in_store(ctx, page) and page.model.items_on(date(2027, 3, 31))
    read_ahead(qtbot, page)
    step_without_reading(qtbot, page, -1)
    step_without_reading(qtbot, page, -1)
    assert page.toolbar.title.text() == "February 2027" and shown(page) == in_store(ctx, page)


def test_paging_weeks_shows_them_already_read(qtbot: QtBot, ctx: AppContext, planned: dict[str, int]) -> None:
    page = open_page(qtbot, ctx)
    page.anchor = date(2027, 3, 10)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("week")
    read_ahead(qtbot, page)
    step_without_reading(qtbot, page, 1)
    assert page.model.first_day == date(2027, 3, 15) and shown(page) == in_store(ctx, page)
    assert page.week_view.canvas.laid_out()[0], "the week shows its chips"


def test_a_change_made_in_the_app_drops_what_was_read_ahead(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx)
    read_ahead(qtbot, page)  # April is read
    post = schedule_post(ctx, account_ids=[planned["masto"]], text="Added", at=datetime(2027, 4, 14, 9, tzinfo=PARIS))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):  # the composer reports it; the page reloads
        page.runner.notify(changes(POSTS))
    read_ahead(qtbot, page)
    step_without_reading(qtbot, page, 1)
    assert post.variants[0].id in {i.variant_id for i in page.model.items()}


def test_a_move_drops_the_windows_that_hold_the_old_time(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int]
) -> None:
    """March's grid runs to 11 April and April's starts on 29 March: a move on 30 March is in both."""
    page = open_page(qtbot, ctx)
    read_ahead(qtbot, page)
    new_time = datetime(2027, 3, 30, 9, tzinfo=PARIS)
    with qtbot.waitSignal(page.model.move_saved, timeout=5000):
        assert page.request_move(planned["lone"], new_time)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):  # April is read again, with the move
        page.step(1)
    moved = page.model.item(planned["lone"])
    assert moved is not None and moved.when == new_time.astimezone(UTC)
    assert shown(page) == in_store(ctx, page)


def test_a_window_read_over_a_minute_ago_is_read_again(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (a headless publish run) may have changed it meanwhile."""
    page = open_page(qtbot, ctx)
    read_ahead(qtbot, page)
    later = model_module.monotonic() + model_module.CACHE_SECONDS + 1
    monkeypatch.setattr(model_module, "monotonic", lambda: later)
    page.step(1)
    assert page.runner.pending() == 1  # read from the store, not taken from before
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        pass
    assert shown(page) == in_store(ctx, page)


@pytest.mark.parametrize(
    ("first_day", "days", "expected"),
    [
        # month grids: February and March 2027 start on a Monday; January's grid starts in December
        (date(2027, 3, 1), GRID_DAYS, [(date(2027, 2, 1), GRID_DAYS), (date(2027, 3, 29), GRID_DAYS)]),
        (date(2026, 12, 28), GRID_DAYS, [(date(2026, 11, 30), GRID_DAYS), (date(2027, 2, 1), GRID_DAYS)]),
        # weeks
        (date(2027, 3, 8), 7, [(date(2027, 3, 1), 7), (date(2027, 3, 15), 7)]),
        # list months, over a year's end
        (date(2026, 12, 1), 31, [(date(2026, 11, 1), 30), (date(2027, 1, 1), 31)]),
        (date(2027, 2, 1), 28, [(date(2027, 1, 1), 31), (date(2027, 3, 1), 31)]),
        # any other window: nothing read ahead
        (date(2027, 3, 3), 10, []),
        (date(2027, 3, 2), GRID_DAYS, []),
    ],
)
def test_adjacent_windows(first_day: date, days: int, expected: list[tuple[date, int]]) -> None:
    assert adjacent_windows(first_day, days) == expected


def test_the_legend_keeps_its_buttons_while_the_campaigns_stay(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx)
    legend = page.legend
    buttons, entries = list(legend.buttons), list(legend.entries)
    assert len(entries) == 3
    legend.set_entries(entries, None)
    assert legend.buttons == buttons  # the same widgets: nothing rebuilt, nothing to delete
    legend.set_entries(entries[:2], None)
    assert [b.property("campaign_id") for b in legend.buttons] == [e.campaign_id for e in entries[:2]]
    assert not any(b in buttons for b in legend.buttons)
