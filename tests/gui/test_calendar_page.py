"""The calendar page: month/week/list views over a windowed model, keys, drag with undo/redo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desktop.services import app_settings
from desktop.services.calendar import calendar_items
from desktop.services.campaigns import add_campaign
from desktop.services.context import AppContext
from desktop.services.posts import get_post, schedule_post
from desktop.store.models import Account, Variant, VariantState
from desktop.ui import theme
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.pages.calendar import CalendarPage
from desktop.ui.tasks import TaskRunner

ZONE = "Europe/Paris"
PARIS = ZoneInfo(ZONE)
MARCH = date(2027, 3, 1)

TEXTS = [
    "Spring collection is live — 20% off this weekend only",
    "Behind the scenes: how we pick our fabrics",
    "Webinar tomorrow at 18:00, bring your questions",
    "Customer story: Lena’s workshop in Lyon",
    "New colours just dropped",
    "Thread: 5 ways to style a linen shirt",
]


def add_account(ctx: AppContext, provider: str, handle: str) -> int:
    with ctx.session() as s:
        account = Account(provider=provider, remote_id=handle, handle=handle, server_url=f"https://{provider}.test")
        s.add(account)
        s.flush()
        return account.id


def set_state(ctx: AppContext, variant_id: int, state: VariantState, **values: object) -> None:
    with ctx.session() as s:
        s.execute(update(Variant).where(Variant.id == variant_id).values(state=state, **values))


@pytest.fixture
def planned(ctx: AppContext) -> dict[str, int]:
    """A realistic March 2027 in Paris: three campaigns, both networks, published and failed posts."""
    app_settings.put(ctx, app_settings.TIMEZONE, ZONE)
    masto = add_account(ctx, "mastodon", "@atelier@mastodon.social")
    sky = add_account(ctx, "bluesky", "atelier.bsky.social")
    add_campaign(ctx, "Spring sale", color="#2b8a3e")
    add_campaign(ctx, "Webinar", color="#7048e8")
    add_campaign(ctx, "Brand", color="#e8590c")
    campaigns = ["Spring sale", "Webinar", "Brand", None]
    ids: dict[str, int] = {"masto": masto, "sky": sky}
    n = 0
    for day in range(1, 32):
        for slot, hour in enumerate((9, 12, 17)):
            if (day + slot) % 3 and day % 7 not in (0, 6):
                continue
            at = datetime(2027, 3, day, hour, 30 if slot == 1 else 0, tzinfo=PARIS)
            targets = [masto, sky] if (day + slot) % 4 == 0 else [masto if day % 2 else sky]
            post = schedule_post(
                ctx, account_ids=targets, text=TEXTS[n % len(TEXTS)], at=at, campaign=campaigns[n % 4], timezone=ZONE
            )
            n += 1
            for v in post.variants:
                ids.setdefault("first", v.id)
                ids.setdefault(f"day{day}", v.id)
    busy = datetime(2027, 3, 10, 10, tzinfo=PARIS)
    for k in range(6):  # one crowded day: "+N more"
        schedule_post(ctx, account_ids=[masto], text=f"Launch countdown {k + 1}", at=busy + timedelta(minutes=20 * k))
    published = schedule_post(
        ctx, account_ids=[masto, sky], text="We are live!", at=datetime(2027, 3, 3, 8, tzinfo=PARIS), campaign="Brand"
    )
    for v in published.variants:
        set_state(ctx, v.id, VariantState.PUBLISHED, published_at=datetime(2027, 3, 3, 7, 0, 12, tzinfo=UTC))
    ids["published"] = published.variants[0].id
    failed = schedule_post(
        ctx,
        account_ids=[sky],
        text="Flash sale ends tonight",
        at=datetime(2027, 3, 4, 19, tzinfo=PARIS),
        campaign="Spring sale",
    )
    set_state(ctx, failed.variants[0].id, VariantState.FAILED, last_error="Rejected: the image is too large")
    ids["failed"] = failed.variants[0].id
    lone = schedule_post(ctx, account_ids=[masto], text="Move me", at=datetime(2027, 3, 16, 9, tzinfo=PARIS))
    ids["lone"] = lone.variants[0].id
    ids["lone_post"] = lone.id
    return ids


def open_page(
    qtbot: QtBot, ctx: AppContext, anchor: date = MARCH, *, size: tuple[int, int] = (1180, 780)
) -> CalendarPage:
    page = CalendarPage(ctx, TaskRunner())
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    page.anchor = anchor
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.refresh()
    return page


def settle(qtbot: QtBot, page: CalendarPage) -> None:
    qtbot.waitUntil(lambda: page.runner.pending() == 0, timeout=5000)


def scheduled_at(ctx: AppContext, variant_id: int) -> datetime | None:
    found = [v for v in get_post(ctx, _post_of(ctx, variant_id)).variants if v.id == variant_id]
    return found[0].scheduled_at


def _post_of(ctx: AppContext, variant_id: int) -> int:
    with ctx.session() as s:
        variant = s.get(Variant, variant_id)
        assert variant is not None
        return variant.post_id


def test_no_accounts_shows_the_way_to_connect_one(qtbot: QtBot, ctx: AppContext) -> None:
    page = CalendarPage(ctx, TaskRunner())
    qtbot.addWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.runner.pending() == 0)
    assert page.stack.currentWidget() is page.no_accounts
    assert page.no_accounts.title.text() == "No accounts yet"
    with qtbot.waitSignal(page.navigate) as sent:
        page.no_accounts.action.click()
    assert sent.args == ["accounts"]


def test_an_empty_month_still_shows_the_calendar_with_a_hint(qtbot: QtBot, ctx: AppContext) -> None:
    add_account(ctx, "mastodon", "@a@masto.test")
    page = open_page(qtbot, ctx)
    assert page.stack.currentWidget() is page.content
    assert page.views.currentWidget() is page.month_view
    assert not page.hint.isHidden() and "Nothing scheduled this month" in page.hint.text()
    with qtbot.waitSignal(page.navigate) as sent:
        page.hint.linkActivated.emit("compose")
    assert sent.args == ["compose"]


def test_the_model_loads_only_the_visible_window(qtbot: QtBot, ctx: AppContext, planned: dict[str, int]) -> None:
    model = CalendarModel(ctx, TaskRunner(), ZONE)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_window(date(2027, 3, 8), 7)
    days = {model.local(i).date() for i in model.items()}
    assert days and min(days) >= date(2027, 3, 8) and max(days) <= date(2027, 3, 14)
    assert len(model.items_on(date(2027, 3, 10))) >= 6  # the crowded day
    assert model.set_window(date(2027, 3, 8), 7) is False  # same window: no new query


def test_month_week_and_list_switching_and_navigation_keys(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx)
    assert page.toolbar.title.text() == "March 2027"
    assert page.model.first_day == date(2027, 3, 1) and page.model.days == 42  # Monday 1 March starts the grid
    page.month_view.setFocus()
    qtbot.keyClick(page.month_view, Qt.Key.Key_Right)
    qtbot.keyClick(page.month_view, Qt.Key.Key_Down)
    assert page.anchor == date(2027, 3, 9) and page.month_view.selected_date == date(2027, 3, 9)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        qtbot.keyClick(page.month_view, Qt.Key.Key_PageDown)
    assert page.toolbar.title.text() == "April 2027"
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.toolbar.prev_button.click()
    assert page.toolbar.title.text() == "March 2027"
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.toolbar.mode_buttons["week"].click()
    assert page.views.currentWidget() is page.week_view
    assert page.toolbar.title.text() == "8–14 March 2027" and page.model.days == 7
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.toolbar.mode_buttons["list"].click()
    assert page.views.currentWidget() is page.list_view
    assert page.proxy.rowCount() == len(calendar_items(ctx, *page.model.window()))
    assert page.model.first_day == date(2027, 3, 1) and page.model.days == 31
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.toolbar.mode_buttons["month"].click()
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        qtbot.keyClick(page.month_view, Qt.Key.Key_T)
    assert page.anchor == datetime.now(PARIS).date()
    # Enter opens the selected day's first post in the composer
    page.select_date(date(2027, 3, 16))
    qtbot.waitUntil(lambda: page.model.first_day == date(2027, 3, 1) and page.runner.pending() == 0)
    page.month_view.selected_variant = planned["lone"]
    with qtbot.waitSignal(page.open_post) as opened:
        qtbot.keyClick(page.month_view, Qt.Key.Key_Return)
    assert opened.args == [planned["lone_post"]]


def test_filters_reload_the_window(qtbot: QtBot, ctx: AppContext, planned: dict[str, int]) -> None:
    page = open_page(qtbot, ctx)
    everything = page.model.rowCount()
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.toolbar.state_filter.setCurrentIndex(page.toolbar.state_filter.findData("failed"))
    assert [i.variant_id for i in page.model.items()] == [planned["failed"]]
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.toolbar.state_filter.setCurrentIndex(0)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.toolbar.network_filter.setCurrentIndex(page.toolbar.network_filter.findData("bluesky"))
    assert 0 < page.model.rowCount() < everything
    assert {i.network for i in page.model.items()} == {"bluesky"}


def test_drag_to_another_day_then_undo_and_redo(qtbot: QtBot, ctx: AppContext, planned: dict[str, int]) -> None:
    page = open_page(qtbot, ctx)
    view = page.month_view
    lone = planned["lone"]
    target = view.cell_rect(date(2027, 3, 18))
    assert target is not None
    assert view.drop_variant(lone, target.center())  # what a drop on 18 March does
    assert page.model.local(page.model.item(lone)).date() == date(2027, 3, 18)  # at once, before saving
    settle(qtbot, page)
    assert scheduled_at(ctx, lone) == datetime(2027, 3, 18, 9, tzinfo=PARIS)  # same wall-clock time
    assert page.undo_stack.count() == 1 and page.undo_action.isEnabled()
    page.undo_action.trigger()
    settle(qtbot, page)
    assert scheduled_at(ctx, lone) == datetime(2027, 3, 16, 9, tzinfo=PARIS)
    page.redo_action.trigger()
    settle(qtbot, page)
    assert scheduled_at(ctx, lone) == datetime(2027, 3, 18, 9, tzinfo=PARIS)
    assert page.undo_action.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in page.redo_action.shortcuts()]


def test_drag_in_the_week_view_picks_day_and_time(qtbot: QtBot, ctx: AppContext, planned: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, date(2027, 3, 16))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("week")
    canvas = page.week_view.canvas
    assert canvas.drop_variant(planned["lone"], canvas.point_for(date(2027, 3, 19), time(14, 45)))
    settle(qtbot, page)
    assert scheduled_at(ctx, planned["lone"]) == datetime(2027, 3, 19, 14, 45, tzinfo=PARIS)
    page.undo_action.trigger()
    settle(qtbot, page)
    assert scheduled_at(ctx, planned["lone"]) == datetime(2027, 3, 16, 9, tzinfo=PARIS)


def test_a_published_post_cannot_move(qtbot: QtBot, ctx: AppContext, planned: dict[str, int]) -> None:
    page = open_page(qtbot, ctx)
    item = page.model.item(planned["published"])
    assert item is not None and not item.movable
    target = page.month_view.cell_rect(date(2027, 3, 20))
    assert target is not None
    with qtbot.waitSignal(page.month_view.refused) as refused:
        assert not page.month_view.drop_variant(planned["published"], target.center())
    assert "Already published" in refused.args[0]
    assert page.toolbar.status.text().startswith("Already published")
    assert page.undo_stack.count() == 0
    assert page.model.move(planned["published"], datetime(2027, 3, 20, 9, tzinfo=UTC)) is False


def test_double_click_asks_the_composer_to_open_the_post(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx)
    rect = page.month_view.chip_rect(planned["lone"])
    assert rect is not None
    with qtbot.waitSignal(page.open_post) as opened:
        qtbot.mouseDClick(page.month_view, Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [planned["lone_post"]]


def test_chip_menu_duplicate_and_delete_with_confirmation(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx)
    item = page.model.item(planned["lone"])
    assert item is not None
    labels = [a.text() for a in page.post_actions.menu(item).actions() if a.text()]
    assert labels == ["Open in composer", "Reschedule…", "Duplicate", "Make recurring…", "Delete…"]
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.post_actions.duplicate(item)
    on_day = page.model.items_on(date(2027, 3, 16))
    assert sorted(i.status for i in on_day if i.text == "Move me") == ["draft", "scheduled"]
    box = page.post_actions.confirm_delete(item)
    assert "Delete this post" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    settle(qtbot, page)
    assert page.model.item(planned["lone"]) is not None
    box = page.post_actions.confirm_delete(item)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        next(b for b in box.buttons() if b.text() == "Delete").click()
    assert page.model.item(planned["lone"]) is None
    assert "Deleted 1 post" in page.toolbar.status.text()


def _dark(app: QApplication) -> None:
    app.setPalette(theme._palette(theme.DARK))
    app.setStyleSheet(theme.stylesheet(theme.DARK))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_month_and_week(
    qtbot: QtBot, qapp: QApplication, ctx: AppContext, planned: dict[str, int], screenshot_dir: Path, scheme: str
) -> None:
    qapp.setStyle("Fusion")
    if scheme == "dark":
        _dark(qapp)
    else:
        qapp.setPalette(theme._palette(theme.LIGHT))
        qapp.setStyleSheet(theme.stylesheet(theme.LIGHT))
    try:
        page = open_page(qtbot, ctx)
        page.month_view.selected_variant = planned["failed"]
        page.select_date(date(2027, 3, 4))
        assert page.grab().save(str(screenshot_dir / f"calendar-month-{scheme}.png"))
        with qtbot.waitSignal(page.model.loaded, timeout=5000):
            page.select_date(date(2027, 3, 10))
            page.set_mode("week")
        page.week_view.scroll_to_hour(8)
        assert page.grab().save(str(screenshot_dir / f"calendar-week-{scheme}.png"))
        with qtbot.waitSignal(page.model.loaded, timeout=5000):
            page.set_mode("list")
        assert page.grab().save(str(screenshot_dir / f"calendar-list-{scheme}.png"))
    finally:
        qapp.setPalette(theme._palette(theme.LIGHT))
        qapp.setStyleSheet(theme.stylesheet(theme.LIGHT))


def test_the_list_keeps_the_post_text_on_screen_in_the_narrowest_window(
    qtbot: QtBot, ctx: AppContext, planned: dict[str, int]
) -> None:
    # the page as the main window lays it out at 900×600: the sidebar (200) and the margins take the rest
    page = open_page(qtbot, ctx, size=(700, 548))
    page.set_mode("list")
    qtbot.waitUntil(lambda: page.list_view.model().rowCount() > 0, timeout=5000)
    view = page.list_view
    header = view.horizontalHeader()
    shown = view.viewport().width()
    assert header.sectionViewportPosition(CalendarModel.TEXT) + 100 <= shown  # at least 100 px of the post
    assert header.length() <= shown  # nothing behind a sideways scroll
    page.resize(1180, 780)
    qtbot.waitUntil(lambda: header.sectionSize(CalendarModel.ACCOUNT) == 240)  # room again: the whole handles
