"""The calendar's first month before the data is open: read ahead with sqlite3, shown by a page
built without a context, the same items the normal path then brings, and nothing that needs the
data possible (or lost) until it is attached."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from desktop.services.calendar import calendar_items
from desktop.services.calendar_rows import FirstWindowRead, month_grid
from desktop.services.context import AppContext
from desktop.ui.pages.calendar import NOT_OPEN_YET, CalendarPage
from desktop.ui.tasks import TaskRunner
from tests.gui.test_calendar_page import MARCH, PARIS, planned  # noqa: F401 (the fixture)


@pytest.fixture
def march(request: pytest.FixtureRequest) -> dict[str, int]:
    """test_calendar_page's realistic March 2027 in Paris (its ``planned`` fixture)."""
    return request.getfixturevalue("planned")  # type: ignore[no-any-return]


#: A day in the planned month, as the page's "today" (tests never depend on the real date).
TODAY = date(2027, 3, 16)


def early_page(qtbot: QtBot, ctx: AppContext, today: date = TODAY) -> tuple[CalendarPage, FirstWindowRead]:
    """The page as start-up builds it before the data is open, the month read ahead handed over."""
    read = FirstWindowRead.start(ctx.data_dir, today)
    assert read.wait(30) is not None
    page = CalendarPage(None, TaskRunner(), first_window=read)
    page.anchor = today  # the page's "today" (date.today() otherwise), before the read is shown
    qtbot.addWidget(page)
    page.resize(1180, 780)
    page.show()
    return page, read


def test_the_first_month_shows_before_the_data_is_open(qtbot: QtBot, ctx: AppContext, march: dict[str, int]) -> None:
    page, read = early_page(qtbot, ctx)
    assert page.model.rowCount() == 0, "shown in a later turn of the event loop, not inside the constructor"
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        pass
    first = read.result()
    assert first is not None
    start = datetime.combine(month_grid(TODAY)[0], datetime.min.time(), tzinfo=PARIS)
    assert first.window() == (start, start + timedelta(days=42))
    assert page.model.items() == calendar_items(ctx, *first.window())
    assert page.model.rowCount() > 50 and page.model.zone == PARIS
    assert page.stack.currentWidget() is page.content and page.toolbar.zone_label.text() == "Times in Europe/Paris"
    assert page.month_view.model is page.model and page.month_view.month == MARCH
    # nothing that needs the data until it is open
    assert not page.content.isEnabled() and not page.import_button.isEnabled()
    assert page.runner.pending() == 0, "no read was started without the data"


def test_attaching_switches_to_the_normal_reads_quietly(qtbot: QtBot, ctx: AppContext, march: dict[str, int]) -> None:
    page, _read = early_page(qtbot, ctx)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        pass
    shown = page.model.items()
    page.attach(ctx)
    assert page.content.isEnabled() and page.import_button.isEnabled()
    assert page.model.items() == shown, "the month read ahead stays on show while the normal read runs"
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.refresh()
    assert page.model.items() == shown and page.model.load_count == 1
    assert page.toolbar.account_filter.count() == 3  # "All accounts" and the two
    assert page.request_move(march["lone"], datetime(2027, 3, 17, 9, tzinfo=PARIS))


def test_what_needs_the_data_waits_for_it(qtbot: QtBot, ctx: AppContext, march: dict[str, int]) -> None:
    page, _read = early_page(qtbot, ctx)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        pass
    item = page.model.item(march["lone"])
    assert item is not None
    assert not page.request_move(item.variant_id, item.when + timedelta(days=1))
    assert page.toolbar.status.text() == NOT_OPEN_YET and page.undo_stack.count() == 0
    page.post_actions.delete(item)
    page.post_actions.duplicate(item)
    assert page.runner.pending() == 0 and page.model.item(march["lone"]) == item
    opened: list[int] = []
    page.edit_post.connect(opened.append)
    page.open_post.emit(item.post_id)  # a double-click: kept until the data is open, then opened
    assert opened == []
    page.attach(ctx)
    assert opened == [item.post_id]


def test_a_read_that_no_longer_fits_is_not_shown(qtbot: QtBot, ctx: AppContext, march: dict[str, int]) -> None:
    page, _read = early_page(qtbot, ctx)
    page.anchor = date(2027, 4, 2)  # another month by the time the read arrives
    QCoreApplication.processEvents()
    qtbot.wait(50)
    assert page.model.rowCount() == 0 and page.model.first_day is None
    filtered, _read = early_page(qtbot, ctx)
    filtered.toolbar.state_filter.setCurrentIndex(1)  # a filter chosen: the read was for none
    QCoreApplication.processEvents()
    qtbot.wait(50)
    assert filtered.model.rowCount() == 0


def test_no_read_leaves_an_empty_calendar_until_the_data_opens(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, march: dict[str, int]
) -> None:
    read = FirstWindowRead.start(tmp_path / "no-store-here", TODAY)
    assert read.wait(30) is None
    page = CalendarPage(None, TaskRunner(), first_window=read)
    page.anchor = TODAY
    qtbot.addWidget(page)
    page.show()
    qtbot.wait(50)
    assert page.stack.currentWidget() is page.content and page.model.rowCount() == 0  # not "No accounts yet"
    page.attach(ctx)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.refresh()
    assert page.model.rowCount() > 50


def test_the_page_imports_without_the_data_layer() -> None:
    code = (
        "import sys\n"
        "import desktop.ui.pages.calendar\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'providers'))\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_the_read_ahead_month_is_the_month_views_grid(qtbot: QtBot) -> None:
    page = CalendarPage(None, TaskRunner())
    qtbot.addWidget(page)
    day = date(2026, 1, 1)
    while day < date(2029, 1, 1):
        assert month_grid(day) == page.window_for("month", day), day
        day += timedelta(days=5)


def test_no_accounts_says_so_before_the_data_is_open(qtbot: QtBot, ctx: AppContext) -> None:
    page, read = early_page(qtbot, ctx)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.no_accounts, timeout=5000)
    first = read.result()
    assert first is not None and not first.has_accounts and page.model.rowCount() == 0
