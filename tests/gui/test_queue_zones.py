"""The Queue page tells the same time as the calendar, names the zone, follows a zone change
at once, fits the minimum window in both themes, and is driven by the keyboard."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.services import app_settings, slots
from desktop.services.calendar import calendar_items
from desktop.services.context import AppContext
from desktop.services.posts import get_post, schedule_post
from desktop.services.zones import user_zone
from desktop.ui import theme
from desktop.ui.changes import POSTS, SLOTS, changes
from desktop.ui.pages.queue import QueuePage
from desktop.ui.queue.model import UpcomingModel
from desktop.ui.tasks import TaskRunner
from tests.gui.layout_check import layout_problems
from tests.gui.test_queue_page import add_account

#: The main window's size -> the page's (sidebar 200 px; menu and status bars about 50 px).
SIZES = {(900, 600): (700, 550), (1280, 800): (1080, 750)}
HANDLES = (
    ("mastodon", "@spring-collection-announcements@social.campaign-desk-demo.example"),
    ("bluesky", "spring-collection.marketing-team.campaign-desk-demo.example"),
    ("mastodon", "@newsletter-and-product-updates@mastodon.campaign-desk-demo.example"),
)


def _page(qtbot: QtBot, ctx: AppContext, account_id: int, size: tuple[int, int] = (1080, 750)) -> QueuePage:
    page = QueuePage(ctx, TaskRunner())
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    page.select_account(account_id)
    page.refresh()
    _settle(qtbot, page)
    assert page.account_id() == account_id
    return page


def _settle(qtbot: QtBot, page: QueuePage) -> None:
    qtbot.waitUntil(lambda: page.runner.pending() == 0, timeout=5000)
    QApplication.processEvents()


@pytest.fixture
def queued(ctx: AppContext) -> list[int]:
    """Three accounts with long handles; the first has two slots a weekday (New York times)
    and 45 upcoming posts, the user plans in Paris."""
    app_settings.put(ctx, app_settings.TIMEZONE, "Europe/Paris")
    ids = [add_account(ctx, network, handle) for network, handle in HANDLES]
    slots.set_slots(ctx, ids[0], [(d, t) for d in range(5) for t in (time(9), time(17, 30))], "America/New_York")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    for n in range(45):
        schedule_post(
            ctx,
            account_ids=[ids[0]],
            text=f"Tip #{n + 1}: how to style the new linen shirt for a long spring weekend by the sea",
            at=start + timedelta(hours=7 * n),
        )
    slots.recompute_queue(ctx, ids[0])
    return ids


def test_the_same_post_reads_the_same_time_as_on_the_calendar(qtbot: QtBot, ctx: AppContext, queued: list[int]) -> None:
    page = _page(qtbot, ctx, queued[0])
    assert page.upcoming.rowCount() == 45
    # the calendar shows an item at item.when in the user's zone
    zone = user_zone(ctx)
    first = page.upcoming.row_at(0)
    (item,) = [
        i
        for i in calendar_items(ctx, first.at - timedelta(minutes=1), first.at + timedelta(minutes=1))
        if i.variant_id == first.variant_id
    ]
    on_calendar = item.when.astimezone(zone)
    assert page.upcoming.index(0, UpcomingModel.WHEN).data() == f"{on_calendar:%a %d %b  %H:%M}"
    # the slots are New York wall-clock times: a 09:00 New York slot reads 15:00 in Paris
    assert first.on_slot and first.at.astimezone(zone).hour in (14, 15, 23, 0)
    assert page.upcoming.headerData(UpcomingModel.WHEN, Qt.Orientation.Horizontal) == "When (Europe/Paris)"
    assert page.zone_note.text() == "Times in Europe/Paris"
    assert page.editor.zone_note.text() == "America/New York time"
    assert page.timezone.currentText() == "America/New York" and page.current_zone() == "America/New_York"
    assert "America/New York times" in page.status.text() and "Europe/Paris" in page.status.text()


def test_a_zone_change_in_settings_reaches_the_page_at_once(qtbot: QtBot, ctx: AppContext, queued: list[int]) -> None:
    page = _page(qtbot, ctx, queued[0])
    before = page.upcoming.index(0, UpcomingModel.WHEN).data()
    app_settings.put(ctx, app_settings.TIMEZONE, "Asia/Tokyo")
    page.runner.notify(changes(settings=("timezone",)))
    qtbot.waitUntil(lambda: page.zone_note.text() == "Times in Asia/Tokyo", timeout=5000)
    _settle(qtbot, page)
    after = page.upcoming.index(0, UpcomingModel.WHEN).data()
    assert after != before
    assert after == f"{page.upcoming.row_at(0).at.astimezone(user_zone(ctx)):%a %d %b  %H:%M}"


def test_hidden_it_waits_and_shown_it_follows_what_changed(qtbot: QtBot, ctx: AppContext, queued: list[int]) -> None:
    page = _page(qtbot, ctx, queued[0])
    page.hide()
    page.runner.notify(changes(POSTS, SLOTS))
    assert page.runner.pending() == 0
    page.show()
    page.runner.notify(changes(SLOTS))
    assert page.runner.pending() == 1
    _settle(qtbot, page)


def test_enter_opens_and_delete_asks_then_takes_the_post_out(
    qtbot: QtBot, ctx: AppContext, queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, ctx, queued[0])
    page.table.selectRow(0)
    row = page.upcoming.row_at(0)
    page.table.setFocus()
    with qtbot.waitSignal(page.edit_post) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened.args == [row.post_id]
    asked: list[str] = []

    def answer(_parent: object, _title: str, text: str, *a: object, **k: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    reported: list[object] = []
    page.runner.changed.connect(reported.append)
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    _settle(qtbot, page)
    assert asked and HANDLES[0][1] in asked[0]
    assert get_post(ctx, row.post_id).status == "cancelled"
    assert reported and POSTS in reported[0].kinds  # type: ignore[attr-defined]
    assert page.upcoming.rowCount() == 44
    assert page.cancel_button.property("danger") is True


def test_fits_at_both_sizes_in_both_themes_and_after_a_live_switch(
    qtbot: QtBot, ctx: AppContext, queued: list[int], qapp: QApplication, screenshot_dir: Path
) -> None:
    page = _page(qtbot, ctx, queued[0])
    for mode in ("light", "dark", "light"):
        theme.apply(qapp, mode)
        for window, size in SIZES.items():
            page.resize(*size)
            qtbot.wait(30)
            assert layout_problems(page) == [], (mode, window)
            assert page.grab().save(str(screenshot_dir / f"queue-{window[0]}x{window[1]}-{mode}.png"))
    chip = page.editor.chips(0)[0]
    assert chip.accessibleName() == "Remove the Monday 09:00 slot"
    assert "#e03131" not in page.editor.styleSheet() or theme.current().danger == "#e03131"
    theme.apply(qapp, "dark")
    assert theme.DARK.alt_base in page.editor.styleSheet()  # the chips re-styled for dark


def test_the_upcoming_model_passes_the_model_tester(
    qtbot: QtBot, ctx: AppContext, queued: list[int], qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx, queued[0])
    qtmodeltester.check(page.upcoming, force_py=True)
    qtmodeltester.check(UpcomingModel())


def test_picking_another_zone_for_the_slots_keeps_their_wall_clock_times(
    qtbot: QtBot, ctx: AppContext, queued: list[int]
) -> None:
    page = _page(qtbot, ctx, queued[0])
    index = page.timezone.findText("America/Los Angeles")
    assert index >= 0
    page.timezone.setCurrentIndex(index)
    page.timezone.activated.emit(index)
    _settle(qtbot, page)
    saved = slots.list_slots(ctx, queued[0])
    assert {s.timezone for s in saved} == {"America/Los_Angeles"} and len(saved) == 10
    assert saved[0].label == "Mon 09:00"
    assert page.editor.zone_note.text() == "America/Los Angeles time"


def test_slots_in_a_zone_the_list_leaves_out_still_name_it(qtbot: QtBot, ctx: AppContext) -> None:
    """Slots kept in a zone the picker does not offer (a fixed-offset "Etc/GMT-3", as some systems
    name theirs) show that zone, not an empty box."""
    account = add_account(ctx, "mastodon", "@fixed@offset.example")
    slots.set_slots(ctx, account, [(0, time(9))], "Etc/GMT-3")
    page = _page(qtbot, ctx, account)
    assert page.timezone.currentData() == "Etc/GMT-3"
    assert page.timezone.currentText() == "Etc/GMT-3"
