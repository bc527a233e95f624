"""The calendar a marketer reads at a glance: one chip per post with avatars, failures pinned,
a campaign legend and date range, keys, drafts dropped on it, one zone, every size and theme."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QByteArray, QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDropEvent, QImage, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desktop.services import app_settings
from desktop.services.campaigns import add_campaign, archive_campaign, list_campaigns
from desktop.services.context import AppContext
from desktop.services.posts import get_post, schedule_post
from desktop.store.models import Variant, VariantState
from desktop.ui import theme
from desktop.ui.calendar.canvas import DRAFT_MIME, CalendarCanvas
from desktop.ui.calendar.chips import chip_fill, contrast, text_on
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.changes import changes
from desktop.ui.pages.calendar import CalendarPage
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.table_model import ROW_ROLE
from tests.gui.layout_check import layout_problems
from tests.gui.test_calendar_page import add_account, open_page, settle

ZONE = "Europe/Paris"
PARIS = ZoneInfo(ZONE)
MARCH = date(2027, 3, 1)
BUSY = date(2027, 3, 10)
LONG_SALE = "Spring collection launch — early-bird sale for newsletter subscribers"
LONG_WEBINAR = "Quarterly product webinar series with customer Q&A"

#: The page's size inside the main window: the window less the 200 px sidebar (and menu bar).
SIZES = {"900x600": (700, 560), "1280x800": (1080, 760)}
WINDOW = {"900x600": (900, 600), "1280x800": (1280, 800)}


def set_state(ctx: AppContext, variant_ids: list[int], state: VariantState, **values: object) -> None:
    with ctx.session() as s:
        s.execute(update(Variant).where(Variant.id.in_(variant_ids)).values(state=state, **values))


@pytest.fixture
def desk(ctx: AppContext) -> dict[str, int]:
    """March 2027 in Paris: three accounts with long handles, campaigns with long names and
    dates, 40+ posts, a crowded day with a failed, a retrying and a partly live post."""
    app_settings.put(ctx, app_settings.TIMEZONE, ZONE)
    ids = {
        "masto": add_account(ctx, "mastodon", "@atelier.lumiere.studio@mastodon.social"),
        "sky": add_account(ctx, "bluesky", "atelier-lumiere-studio.bsky.social"),
        "masto2": add_account(ctx, "mastodon", "@lumiere.outlet.paris@piaille.fr"),
    }
    add_campaign(ctx, LONG_SALE, color="#2b8a3e", starts_on=date(2027, 3, 8), ends_on=date(2027, 3, 21))
    add_campaign(ctx, LONG_WEBINAR, color="#7048e8", starts_on=date(2027, 3, 15), ends_on=date(2027, 3, 19))
    add_campaign(ctx, "Brand", color="#e8590c")
    campaigns = [LONG_SALE, LONG_WEBINAR, "Brand", None]
    texts = [
        "Spring collection is live — 20% off this weekend only, in every shop and online",
        "Behind the scenes: how we pick our linen, from the field to the loom",
        "Webinar tomorrow at 18:00 — bring your questions about care and repairs",
        "Customer story: Lena’s workshop in Lyon and the chair she rebuilt",
    ]
    n = 0
    for day in range(1, 32):
        for hour in (9, 13, 17):
            if (day + hour) % 3 == 0:
                continue
            accounts = [ids["masto"]] if n % 3 else [ids["masto"], ids["sky"]]
            schedule_post(
                ctx,
                account_ids=accounts,
                text=texts[n % len(texts)],
                at=datetime(2027, 3, day, hour, tzinfo=PARIS),
                campaign=campaigns[n % 4],
            )
            n += 1
    ids["posts"] = n
    busy = datetime.combine(BUSY, time(8), tzinfo=PARIS)
    for k in range(5):
        schedule_post(ctx, account_ids=[ids["masto"]], text=f"Launch countdown {k + 1}", at=busy + timedelta(hours=k))
    three = schedule_post(
        ctx,
        account_ids=[ids["masto"], ids["sky"], ids["masto2"]],
        text="One post to three accounts: the spring lookbook is out",
        at=datetime.combine(BUSY, time(7, 15), tzinfo=PARIS),
        campaign=LONG_SALE,
    )
    ids["three"] = three.id
    failed = schedule_post(
        ctx,
        account_ids=[ids["sky"]],
        text="Flash sale ends tonight at midnight",
        at=datetime.combine(BUSY, time(20), tzinfo=PARIS),
        campaign=LONG_SALE,
    )
    set_state(ctx, [v.id for v in failed.variants], VariantState.FAILED, last_error="The image is too large (2 MB).")
    ids["failed"] = failed.id
    retrying = schedule_post(
        ctx,
        account_ids=[ids["masto"], ids["sky"]],
        text="Last call for the webinar",
        at=datetime.combine(BUSY, time(21), tzinfo=PARIS),
        campaign=LONG_WEBINAR,
    )
    set_state(ctx, [retrying.variants[0].id], VariantState.RETRYING, last_error="The server is busy; retrying.")
    ids["retrying"] = retrying.id
    ids["draft"] = schedule_post(
        ctx, account_ids=[ids["masto"], ids["sky"]], text="An idea for the summer", draft=True
    ).id
    return ids


def pixel(widget: QWidget, point: QPoint) -> QColor:
    image: QImage = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    return image.pixelColor(int(point.x() * ratio), int(point.y() * ratio))


def near(a: QColor, b: QColor, tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def chip_for(view: CalendarCanvas, post_id: int):  # type: ignore[no-untyped-def]
    chips, _more = view._layout()
    return next(c for c in chips if c.chip.post_id == post_id)


# --- one chip per post ----------------------------------------------------------------------------


def test_one_chip_per_post_with_an_avatar_per_account(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    chips = page.model.chips_on(BUSY)
    three = [c for c in chips if c.post_id == desk["three"]]
    assert len(three) == 1 and len(three[0].items) == 3  # not three identical chips
    assert len({c.post_id for c in chips}) == len(chips)
    drawn = chip_for(page.month_view, desk["three"])
    # the avatars: Mastodon's colour and Bluesky's inside the chip
    image = page.month_view.grab(drawn.rect).toImage()
    found = {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())}
    masto, sky = QColor(page.model.network_colors["mastodon"]), QColor(page.model.network_colors["bluesky"])
    assert any(near(QColor(c), masto, 6) for c in found) and any(near(QColor(c), sky, 6) for c in found)
    # each account's state stays reachable: the tooltip names every account
    from desktop.ui.calendar.chips import chip_tooltip

    tip = chip_tooltip(three[0], page.model.zone)
    for handle in ("@atelier.lumiere.studio@mastodon.social", "atelier-lumiere-studio.bsky.social", "piaille.fr"):
        assert handle in tip
    assert "Scheduled" in tip and "(Europe/Paris)" in tip and LONG_SALE in tip


def test_week_chips_show_more_text_than_month_chips(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, BUSY, size=(1080, 760))
    month = chip_for(page.month_view, desk["three"])
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("week")
    week = chip_for(page.week_view.canvas, desk["three"])
    assert week.lines == 2 and week.rect.height() > month.rect.height()


# --- failures stay visible --------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["900x600", "1280x800"])
def test_failures_are_pinned_above_more_and_drawn_in_danger(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int], size: str
) -> None:
    page = open_page(qtbot, ctx, size=SIZES[size])
    view = page.month_view
    chips, more = view._layout()
    on_busy = [c for c in chips if page.model.local(c.item).date() == BUSY]
    folded = [m for m in more if m.day == BUSY]
    assert folded and folded[0].count > 0  # more posts than fit
    fit = view.capacity()
    assert fit >= 1
    pinned = [c.chip.post_id for c in on_busy]
    attention = [desk["failed"], desk["retrying"]]
    if fit >= 2:  # both shown first, nothing that needs the user folded
        assert pinned[:2] == attention and folded[0].alerts == 0
    else:  # one chip fits: a failure, and "+N · 1 alert" (in the danger colour) says the other
        assert pinned == [desk["failed"]] and folded[0].alerts == 1
    rect = chip_for(view, desk["failed"]).rect
    assert near(pixel(view, QPoint(rect.center().x(), rect.bottom() - 2)), QColor(theme.current().danger))
    # the campaign stays as a stripe at the left edge
    assert near(pixel(view, QPoint(rect.left() + 2, rect.center().y())), QColor("#2b8a3e"), 30)


def test_the_now_line_never_crosses_more_or_a_chip(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, BUSY, size=(1080, 760))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("week")
    canvas = page.week_view.canvas
    for k in range(3):  # three more at 10:xx: a chip and "+2 more" in that hour
        schedule_post(
            ctx,
            account_ids=[desk["sky"]],
            text=f"Ten o'clock {k}",
            at=datetime.combine(BUSY, time(10, 10 * k + 5), tzinfo=PARIS),
        )
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.model.reload()
    _chips, more = canvas._layout()
    m = next(m for m in more if m.day == BUSY)
    y = m.rect.center().y()
    canvas.clock = lambda: datetime.combine(BUSY, time(0), tzinfo=PARIS) + timedelta(hours=y / 48)
    canvas.repaint()
    danger = QColor(theme.current().danger)
    rows = range(y - 2, y + 2)  # the 2 px line around y
    assert not any(near(pixel(canvas, QPoint(m.rect.left() + 8, row)), danger, 40) for row in rows)  # under the pill
    column = canvas.column_rect(BUSY)
    assert column is not None
    assert any(near(pixel(canvas, QPoint(column.right() - 12, row)), danger, 40) for row in rows)  # beside it


# --- legend and campaign range ---------------------------------------------------------------------


def test_legend_lists_the_campaigns_shown_and_filters_to_one(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    names = [e.name for e in page.legend.entries]
    assert names == sorted([LONG_SALE, LONG_WEBINAR, "Brand"], key=str.casefold)
    button = page.legend.buttons[names.index(LONG_SALE)]
    assert button.text().endswith("…") and LONG_SALE in button.toolTip()  # elided, whole in the tooltip
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        button.click()
    assert {i.campaign for i in page.model.items()} == {LONG_SALE}
    assert page.month_view.highlight is not None
    assert page.month_view.highlight[:2] == (date(2027, 3, 8), date(2027, 3, 21))
    # its days are tinted: a cell inside the range differs from one outside
    inside, outside = page.month_view.cell_rect(date(2027, 3, 9)), page.month_view.cell_rect(date(2027, 3, 2))
    assert inside is not None and outside is not None
    assert pixel(page.month_view, inside.bottomRight() - QPoint(4, 4)) != pixel(
        page.month_view, outside.bottomRight() - QPoint(4, 4)
    )
    assert page.week_view.canvas.highlight == page.month_view.highlight  # the week view tints them too
    # hovering another entry shows its dates while the pointer is there
    webinar = page.legend.buttons[[e.name for e in page.legend.entries].index(LONG_WEBINAR)]
    QApplication.sendEvent(webinar, QEvent(QEvent.Type.Enter))
    assert page.month_view.highlight[:2] == (date(2027, 3, 15), date(2027, 3, 19))
    QApplication.sendEvent(webinar, QEvent(QEvent.Type.Leave))
    assert page.month_view.highlight[:2] == (date(2027, 3, 8), date(2027, 3, 21))
    assert not page.legend.clear_button.isHidden()
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.legend.clear_button.click()
    assert len({i.campaign for i in page.model.items()}) == 4 and page.month_view.highlight is None


def test_campaign_filter_offers_only_active_campaigns_and_keeps_the_current_one(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int]
) -> None:
    brand = next(c for c in list_campaigns(ctx) if c.name == "Brand")
    archive_campaign(ctx, next(c.id for c in list_campaigns(ctx) if c.name == LONG_WEBINAR))
    page = open_page(qtbot, ctx, size=(1080, 760))
    combo = page.toolbar.campaign_filter
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert LONG_WEBINAR not in offered and "Brand" in offered
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        combo.setCurrentIndex(combo.findData(brand.id))
    archive_campaign(ctx, brand.id)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.runner.notify(changes("campaigns"))
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert "Brand" in offered and combo.currentData() == brand.id  # still the filter, though archived


# --- keyboard ---------------------------------------------------------------------------------------


def test_keyboard_moves_days_and_chips_opens_and_asks_before_deleting(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    view = page.month_view
    page.select_date(BUSY - timedelta(days=1))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert page.anchor == BUSY and view.selected_date == BUSY
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # the day's first chip: the failed post, pinned
    assert view.selected_chip() is not None and view.selected_chip().post_id == desk["failed"]
    assert view.hasFocus()
    with qtbot.waitSignal(page.open_post) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [desk["failed"]]
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    box = page.post_actions.confirm_box
    assert box.isVisible() and "Flash sale ends tonight" in box.text() and "20:00 (Europe/Paris)" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    settle(qtbot, page)
    assert get_post(ctx, desk["failed"]).variants  # still there
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert page.toolbar.title.text() == "April 2027"
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Home)
    assert page.anchor == datetime.now(PARIS).date()


def test_delete_key_then_delete_removes_the_post(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    view = page.month_view
    page.select_date(BUSY)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # the retrying post, second
    assert view.selected_chip() is not None and view.selected_chip().post_id == desk["retrying"]
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        next(b for b in page.post_actions.confirm_box.buttons() if b.text() == "Delete").click()
    assert all(c.post_id != desk["retrying"] for c in page.model.chips_on(BUSY))


# --- dropping a draft ---------------------------------------------------------------------------------


def drop(view: CalendarCanvas, post_id: int | str, at: QPoint) -> QDropEvent:
    """What Qt delivers when a draft from the Drafts page is released over ``at``."""
    mime = QMimeData()
    mime.setData(DRAFT_MIME, QByteArray(str(post_id).encode("ascii")))
    event = QDropEvent(
        QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    view.dropEvent(event)  # (QApplication.sendEvent drops a Drop that no real drag started)
    return event


def test_a_draft_dropped_on_a_day_is_scheduled_at_nine_and_undo_returns_it(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    cell = page.month_view.cell_rect(date(2027, 3, 24))
    assert cell is not None
    with qtbot.waitSignal(page.model.loaded, timeout=5000):  # the page reloads what changed
        event = drop(page.month_view, desk["draft"], cell.center())
    assert event.isAccepted()
    post = get_post(ctx, desk["draft"])
    nine = datetime(2027, 3, 24, 9, tzinfo=PARIS)
    assert [(v.state, v.scheduled_at) for v in post.variants] == [("scheduled", nine)] * 2
    assert any(c.post_id == desk["draft"] for c in page.model.chips_on(date(2027, 3, 24)))
    assert "Europe/Paris" in page.toolbar.status.text() and "09:00" in page.toolbar.status.text()
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.undo_action.trigger()
    assert [(v.state, v.scheduled_at) for v in get_post(ctx, desk["draft"]).variants] == [("draft", None)] * 2
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.redo_action.trigger()
    assert [v.state for v in get_post(ctx, desk["draft"]).variants] == ["scheduled"] * 2


def test_a_draft_dropped_in_the_week_view_takes_the_day_and_time(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx, date(2027, 3, 16), size=(1080, 760))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("week")
    canvas = page.week_view.canvas
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        drop(canvas, desk["draft"], canvas.point_for(date(2027, 3, 18), time(15, 45)))
    at = datetime(2027, 3, 18, 15, 45, tzinfo=PARIS)
    assert [(v.state, v.scheduled_at) for v in get_post(ctx, desk["draft"]).variants] == [("scheduled", at)] * 2


def test_dropping_an_over_long_draft_lists_what_to_fix(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    long = schedule_post(ctx, account_ids=[desk["sky"]], text="word " * 80, draft=True)
    page = open_page(qtbot, ctx, size=(1080, 760))
    cell = page.month_view.cell_rect(date(2027, 3, 24))
    assert cell is not None
    drop(page.month_view, long.id, cell.center())
    settle(qtbot, page)
    assert (
        "fix this first" in page.drafts.error_box.text()
        and "atelier-lumiere-studio.bsky.social" in page.drafts.error_box.text()
    )
    page.drafts.error_box.close()
    assert [v.state for v in get_post(ctx, long.id).variants] == ["draft"]
    assert page.undo_stack.count() == 0


def test_dropping_a_post_that_is_no_longer_a_draft_says_so(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    cell = page.month_view.cell_rect(date(2027, 3, 24))
    assert cell is not None
    drop(page.month_view, desk["three"], cell.center())
    settle(qtbot, page)
    assert "already scheduled" in page.toolbar.status.text()
    assert get_post(ctx, desk["three"]).variants[0].scheduled_at == datetime.combine(BUSY, time(7, 15), tzinfo=PARIS)


# --- one zone -------------------------------------------------------------------------------------------


def test_every_time_is_in_the_users_zone_and_follows_the_setting(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    assert page.toolbar.zone_label.text() == "Times in Europe/Paris"
    assert page.model.headerData(CalendarModel.WHEN, Qt.Orientation.Horizontal) == "When (Europe/Paris)"
    three = next(c for c in page.model.chips_on(BUSY) if c.post_id == desk["three"])
    assert f"{page.model.local(three.first):%H:%M}" == "07:15"
    app_settings.put(ctx, app_settings.TIMEZONE, "America/New_York")
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.runner.notify(changes(settings=("timezone",)))
    assert page.toolbar.zone_label.text() == "Times in America/New York"
    three = next(c for c in page.model.chips_on(BUSY) if c.post_id == desk["three"])
    assert f"{page.model.local(three.first):%H:%M}" == "01:15"  # the same instant, in New York (EST)
    from desktop.ui.calendar.chips import chip_tooltip

    assert "(America/New York)" in chip_tooltip(three, page.model.zone)


def test_other_settings_do_not_reload_the_calendar(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    loads = page.model.load_count
    page.runner.notify(changes(settings=("close_to_tray",)))
    settle(qtbot, page)
    assert page.model.load_count == loads


# --- hover card, timers -------------------------------------------------------------------------------


def test_hover_card_shows_the_whole_post_without_taking_focus(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int], screenshot_dir: Path
) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    view = page.month_view
    view.setFocus()
    rect = chip_for(view, desk["failed"]).rect
    qtbot.mouseMove(view, rect.center())
    qtbot.waitUntil(view.hover.isVisible, timeout=3000)
    text = view.hover.label.text()
    assert "Flash sale ends tonight at midnight" in text and "The image is too large" in text
    assert "Failed" in text and "(Europe/Paris)" in text
    assert view.hover.grab().save(str(screenshot_dir / "calendar-desk-hover-card.png"))
    assert view.hasFocus() and QApplication.activePopupWidget() is None
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.hover.isVisible()
    qtbot.mouseMove(view, rect.center() + QPoint(1, 0))
    qtbot.waitUntil(view.hover.isVisible, timeout=3000)
    QApplication.sendEvent(view, QEvent(QEvent.Type.Leave))  # the pointer leaves the calendar
    assert not view.hover.isVisible()


def test_timers_stop_while_the_page_is_hidden(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("week")
    assert page.week_view.canvas.now_timer.isActive()
    page.hide()
    assert not page.week_view.canvas.now_timer.isActive()
    page.show()
    assert page.week_view.canvas.now_timer.isActive()


# --- colours, sizes, themes ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_chip_text_contrast_is_at_least_aa_on_every_campaign_colour(qapp: QApplication, mode: str) -> None:
    from desktop.services.calendar import CalendarItem
    from desktop.ui.calendar.chips import PostChip

    theme.apply(qapp, mode)
    pal = qapp.palette()
    colours = ["#2b8a3e", "#7048e8", "#e8590c", "#ffd43b", "#15aabf", "#000000", "#ffffff", "#868e96", "#c2255c", ""]
    for colour in colours:
        for state, status in (("scheduled", "scheduled"), ("published", "published"), ("failed", "failed")):
            item = CalendarItem(
                1, 1, 1, "mastodon", "@a", 1, "C", colour or None, state, status, datetime.now(UTC), "t", None, ""
            )
            fill = chip_fill(PostChip((item,)), pal)
            assert contrast(text_on(fill), fill) >= 4.5, (mode, colour, state)


def test_the_model_passes_qt_model_tester(qtbot: QtBot, qtmodeltester, ctx: AppContext, desk: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    model = CalendarModel(ctx, TaskRunner(), ZONE)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_window(date(2027, 3, 8), 7)
    assert model.rowCount() > 20
    qtmodeltester.check(model)


@pytest.mark.parametrize("size", list(WINDOW))
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_layout_at_both_sizes_and_themes(
    qtbot: QtBot,
    qapp: QApplication,
    ctx: AppContext,
    desk: dict[str, int],
    screenshot_dir: Path,
    size: str,
    mode: str,
) -> None:
    """In the main window at its minimum and a common size: nothing overlaps, no text is cut,
    the month's last week is whole; month and week."""
    from desktop.ui.main_window import MainWindow

    theme.apply(qapp, mode)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(*WINDOW[size])
    window.show()
    window.show_page("calendar")
    page = window.pages["calendar"]
    assert isinstance(page, CalendarPage)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.content and page.runner.pending() == 0, timeout=10_000)
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.select_date(BUSY)
    page.month_view.selected_variant = get_post(ctx, desk["failed"]).variants[0].id
    qtbot.wait(50)
    assert (window.width(), window.height()) == WINDOW[size]  # nothing forces it bigger
    assert layout_problems(window) == []
    assert page.month_view.geometry().bottom() < page.views.height()  # the last week is whole
    assert page.month_view.capacity() >= 2  # a failure and one more post per day, even at 900×600
    assert page.grab().save(str(screenshot_dir / f"calendar-desk-month-{size}-{mode}.png"))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("week")
    page.week_view.scroll_to_hour(7)
    qtbot.wait(50)
    assert layout_problems(window) == []
    assert page.grab().save(str(screenshot_dir / f"calendar-desk-week-{size}-{mode}.png"))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.select_date(date(2027, 3, 31))  # the longest title: a week across two months
    assert page.toolbar.title.text() == "29 Mar – 4 Apr 2027"
    assert layout_problems(window) == []


def test_a_theme_switch_while_shown_recolours_the_calendar(
    qtbot: QtBot, qapp: QApplication, ctx: AppContext, desk: dict[str, int], screenshot_dir: Path
) -> None:
    theme.apply(qapp, "light")
    page = open_page(qtbot, ctx, BUSY, size=(1080, 760))
    view = page.month_view
    rect = chip_for(view, desk["three"]).rect
    empty = view.cell_rect(date(2027, 3, 31))
    assert empty is not None
    light_chip = pixel(view, QPoint(rect.right() - 3, rect.center().y()))
    assert near(pixel(view, empty.bottomRight() - QPoint(4, 4)), QColor(theme.LIGHT.base), 4)
    theme.apply(qapp, "dark")
    qtbot.waitUntil(lambda: view.palette().color(QPalette.ColorRole.Base) == QColor(theme.DARK.base))
    assert near(pixel(view, empty.bottomRight() - QPoint(4, 4)), QColor(theme.DARK.base), 4)
    dark_chip = pixel(view, QPoint(rect.right() - 3, rect.center().y()))
    assert dark_chip.lightness() < light_chip.lightness()
    assert page.month_view.hover.styleSheet().count(theme.DARK.base) == 1
    assert layout_problems(page) == []
    assert page.grab().save(str(screenshot_dir / "calendar-desk-switched-dark.png"))


def test_the_list_opens_on_enter_and_asks_on_delete(qtbot: QtBot, ctx: AppContext, desk: dict[str, int]) -> None:
    page = open_page(qtbot, ctx, size=(1080, 760))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("list")
    view = page.list_view
    view.setFocus()
    view.setCurrentIndex(page.proxy.index(0, 0))
    first = page.proxy.index(0, 0).data(ROW_ROLE)
    with qtbot.waitSignal(page.open_post) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [first.post_id]
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert page.post_actions.confirm_box.isVisible() and first.text[:20] in page.post_actions.confirm_box.text()
    page.post_actions.confirm_box.button(QMessageBox.StandardButton.Cancel).click()


def test_a_lone_week_chip_shows_its_words_on_the_second_line(
    qtbot: QtBot, ctx: AppContext, desk: dict[str, int]
) -> None:
    page = open_page(qtbot, ctx, BUSY, size=(1080, 760))
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.set_mode("week")
    canvas = page.week_view.canvas
    chip = chip_for(canvas, desk["three"])
    assert chip.lines == 2
    fill = chip_fill(chip.chip, canvas.palette())
    image = canvas.grab(chip.rect.adjusted(8, 20, -4, -2)).toImage()  # the second line's band
    inked = [
        (x, y)
        for x in range(image.width())
        for y in range(image.height())
        if contrast(image.pixelColor(x, y), fill) > 3
    ]
    assert len(inked) > 40  # words are drawn there, not just the fill
