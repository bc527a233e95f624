"""The Drafts page: drafts listed as cards, searched off the GUI thread, opened in Compose,
deleted after asking, dragged to the calendar as a post id; refreshed by changes, not polling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desktop.services import app_settings, compose, drafts
from desktop.services.campaigns import add_campaign
from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.store.models import Post, Variant
from desktop.ui import theme
from desktop.ui.changes import POSTS, changes
from desktop.ui.drafts.delegate import MARGIN_Y, PAD, CardColors, contrast
from desktop.ui.drafts.model import POST_MIME, DraftsModel, ago
from desktop.ui.help.shortcuts import collect_shortcuts
from desktop.ui.pages.drafts import DraftsPage
from desktop.ui.tasks import TaskRunner
from tests.gui.layout_check import layout_problems
from tests.services.test_drafts import add_account

HANDLES = (
    ("mastodon", "@community.and.marketing.team@social.example-instance.org"),
    ("bluesky", "brand-team-official.bsky.social"),
    ("mastodon", "@newsroom_updates@mastodon.example"),
)
CAMPAIGNS = (("Spring Collection Launch 2027 — Europe & North America", "#2b8a3e"), ("Customer Stories", "#c2255c"))
TEXTS = (
    "We're opening the doors of our new Lisbon studio next week — come and see how every piece of the spring "
    "collection is cut, stitched and finished by hand, and stay for coffee with the team.",
    "Five things we learned shipping 10,000 orders in a single weekend (a thread).",
    "Customer story: how a two-person bakery in Ghent doubled its weekend orders with one Instagram post a day",
    "Idea: a behind-the-scenes reel of the packing table",
    "Reminder that the early-bird price ends Sunday at midnight. After that the bundle goes back to full price, "
    "and the free engraving offer ends too.",
)
PAGE_SIZES = ((900 - 200 - 56, 600 - 60), (1280 - 200 - 56, 800 - 60))  # the page inside the window


def _image(folder: Path) -> Path:
    path = folder / "studio.png"
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    image.save(str(path))
    return path


def make_desk(ctx: AppContext, count: int = 20, *, media_dir: Path | None = None) -> dict[str, int]:
    """Three accounts with long handles, two campaigns with long names, ``count`` drafts with
    long texts (threads, overrides, media, tentative times; edited over the last weeks), and one
    scheduled post that is not a draft."""
    ids = {f"account{i}": add_account(ctx, network, handle) for i, (network, handle) in enumerate(HANDLES)}
    for i, (name, color) in enumerate(CAMPAIGNS):
        ids[f"campaign{i}"] = add_campaign(ctx, name, color=color).id
    accounts = [ids["account0"], ids["account1"], ids["account2"]]
    media = [compose.store_file(ctx, _image(media_dir))] if media_dir is not None else []
    now = datetime.now(UTC)
    for i in range(count):
        text = TEXTS[i % len(TEXTS)]
        doc = compose.ComposeDoc(
            account_ids=accounts[: 1 + i % 3] if i % 7 else [],
            parts=[text, "And the second part of the thread."] if i % 4 == 1 else [text],
            campaign=CAMPAIGNS[i % 3][0] if i % 3 < 2 else None,
            media=media if i % 5 == 0 else [],
            at=now + timedelta(days=3 + i) if i % 6 == 2 else None,
        )
        post_id = compose.save_draft(ctx, doc)
        ids[f"draft{i}"] = post_id
        edited = now - timedelta(minutes=7) * (i * i + 1)
        with ctx.session() as s:
            s.execute(update(Post).where(Post.id == post_id).values(updated_at=edited))
            s.execute(update(Variant).where(Variant.post_id == post_id).values(updated_at=edited))
    ids["scheduled"] = schedule_post(
        ctx, account_ids=accounts[:1], text="Already scheduled, not a draft", at=now + timedelta(days=1)
    ).id
    return ids


def open_page(qtbot: QtBot, ctx: AppContext, size: tuple[int, int] = (1024, 740)) -> DraftsPage:
    page = DraftsPage(ctx, TaskRunner())
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    page.refresh()
    settle(qtbot, page)
    return page


def settle(qtbot: QtBot, page: DraftsPage) -> None:
    qtbot.waitUntil(lambda: page.runner.pending() == 0 and not page._search_timer.isActive(), timeout=5000)
    QApplication.processEvents()


def shown_ids(page: DraftsPage) -> list[int]:
    return [r.id for r in page.model.rows()]


def test_lists_every_draft_newest_edit_first_not_scheduled_posts(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 8)
    page = open_page(qtbot, ctx)
    assert shown_ids(page) == [ids[f"draft{i}"] for i in range(8)]
    assert ids["scheduled"] not in shown_ids(page)
    assert page.stack.currentWidget() is page.view and page.count.text() == "8 drafts"
    first = page.model.index(1, 0)
    assert first.data() == TEXTS[1]
    assert first.data(Qt.ItemDataRole.ToolTipRole).startswith(TEXTS[1])
    assert "Customer Stories" in first.data(Qt.ItemDataRole.ToolTipRole)
    spoken = first.data(Qt.ItemDataRole.AccessibleTextRole)
    assert "brand-team-official.bsky.social" in spoken and "2 parts" in spoken
    assert [page.campaign.itemText(i) for i in range(page.campaign.count())] == [
        "All campaigns",
        *sorted(c for c, _ in CAMPAIGNS),
    ]
    assert page.account.count() == 4


def test_search_is_debounced_and_runs_off_the_gui_thread(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 10)
    page = open_page(qtbot, ctx)
    qtbot.keyClicks(page.search, "bakery")
    assert page._search_timer.isActive()  # typing waits for a pause before asking
    settle(qtbot, page)
    assert shown_ids(page) == [ids["draft2"], ids["draft7"]]
    page.search.setText("customer stories")  # the campaign's name
    settle(qtbot, page)
    assert shown_ids(page) == [ids[f"draft{i}"] for i in (1, 4, 7)]
    page.search.setText("brand-team-official")  # a handle
    settle(qtbot, page)
    assert set(shown_ids(page)) == {ids[f"draft{i}"] for i in range(10) if i % 7 and i % 3 >= 1}


def test_filters_by_campaign_and_account(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 9)
    page = open_page(qtbot, ctx)
    page.campaign.setCurrentIndex(page.campaign.findData(ids["campaign0"]))
    page.campaign.activated.emit(page.campaign.currentIndex())
    settle(qtbot, page)
    assert shown_ids(page) == [ids[f"draft{i}"] for i in (0, 3, 6)]
    page.account.setCurrentIndex(page.account.findData(ids["account2"]))
    page.account.activated.emit(page.account.currentIndex())
    settle(qtbot, page)
    assert shown_ids(page) == []  # draft 0 and 6 have no accounts or one; draft 3 goes to account0 only
    assert page.stack.currentWidget() is page.no_match
    assert page.no_match.title.text() == "No drafts match these filters"
    assert page.no_match.action is not None
    page.no_match.action.click()
    settle(qtbot, page)
    assert len(shown_ids(page)) == 9 and page.campaign.currentIndex() == 0


def test_no_drafts_and_no_match_say_what_to_do(qtbot: QtBot, ctx: AppContext) -> None:
    page = open_page(qtbot, ctx)
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "Nothing in progress"
    assert page.empty.body.text() == "Ideas you start in Compose and don't schedule land here."
    assert page.empty.action is not None
    with qtbot.waitSignal(page.new_idea), qtbot.waitSignal(page.navigate) as went:
        page.empty.action.click()
    assert went.args == ["compose"]
    make_desk(ctx, 3)
    page.refresh()
    settle(qtbot, page)
    page.search.setText("zebra crossing")
    settle(qtbot, page)
    assert page.stack.currentWidget() is page.no_match
    assert page.no_match.title.text() == "No drafts match “zebra crossing”"


def test_enter_and_double_click_open_the_draft_in_compose(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 4)
    page = open_page(qtbot, ctx)
    page.view.setFocus()
    page.view.setCurrentIndex(page.model.index(2, 0))
    with qtbot.waitSignal(page.edit_post) as opened:
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert opened.args == [ids["draft2"]]
    rect = page.view.visualRect(page.model.index(1, 0))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a real press first
    with qtbot.waitSignal(page.edit_post) as opened:
        qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [ids["draft1"]]
    with qtbot.waitSignal(page.edit_post) as opened:
        page.open_button.click()
    assert opened.args == [ids["draft1"]]


def test_shortcuts_are_listed_for_help(qtbot: QtBot, ctx: AppContext) -> None:
    page = open_page(qtbot, ctx)
    listed = dict(collect_shortcuts(page))
    assert {"Drafts: search", "Drafts: new idea", "Drafts: undo delete", "Drafts: open in Compose"} <= set(listed)
    assert listed["Drafts: delete selected"] == QKeySequence(QKeySequence.StandardKey.Delete).toString(
        QKeySequence.SequenceFormat.NativeText
    )


def test_search_enter_moves_to_the_list(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 4)
    page = open_page(qtbot, ctx)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Find
    assert page.search.hasFocus()
    qtbot.keyClicks(page.search, "Idea:")
    settle(qtbot, page)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    with qtbot.waitSignal(page.edit_post) as opened:
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert opened.args == [ids["draft3"]]


def choose(page: DraftsPage, *rows: int) -> None:
    page.view.setCurrentIndex(page.model.index(rows[0], 0))  # selects only it
    for row in rows[1:]:
        page.view.selectionModel().select(page.model.index(row, 0), page.view.selectionModel().SelectionFlag.Select)


def test_delete_key_asks_then_deletes_the_selected_drafts(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 5)
    page = open_page(qtbot, ctx)
    choose(page, 0, 3)
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    box = page.findChild(QMessageBox)
    assert box is not None and box.isVisible() and box.text() == "Delete 2 drafts?"
    assert TEXTS[0][:40] in box.informativeText()
    keep = next(b for b in box.buttons() if b.text() == "Keep")
    assert box.defaultButton() is keep
    keep.click()
    settle(qtbot, page)
    assert len(drafts.list_drafts(ctx)) == 5
    box = page.confirm_delete()
    assert box is not None
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    assert isinstance(delete, QPushButton) and delete.property("danger") is True
    with qtbot.waitSignal(page.runner.changed) as changed:
        delete.click()
    assert POSTS in changed.args[0].kinds
    settle(qtbot, page)
    assert page.status.text() == "Deleted 2 drafts."
    remaining = {r.id for r in drafts.list_drafts(ctx)}
    assert ids["draft0"] not in remaining and ids["draft3"] not in remaining and len(remaining) == 3
    assert set(shown_ids(page)) == remaining  # the page refreshed from the change it made
    assert page.undo_button.isVisible()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)  # shortcuts work in the active window
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Undo
    settle(qtbot, page)
    assert page.status.text() == "Brought back 2 drafts." and not page.undo_button.isVisible()
    assert shown_ids(page) == [ids[f"draft{i}"] for i in range(5)]


def test_deleting_the_last_draft_still_offers_undo(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 1)
    page = open_page(qtbot, ctx)
    choose(page, 0)
    page.delete(drafts.draft_ids(page.model.rows()))
    settle(qtbot, page)
    assert page.stack.currentWidget() is page.empty
    assert page.undo_button.isVisible() and page.status.text() == "Deleted 1 draft."
    assert layout_problems(page) == []
    page.undo_button.click()
    settle(qtbot, page)
    assert shown_ids(page) == [ids["draft0"]] and page.stack.currentWidget() is page.view


def test_delete_keeps_a_draft_edited_after_the_list_was_shown(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 3)
    page = open_page(qtbot, ctx)
    choose(page, 1)
    box = page.confirm_delete()
    assert box is not None and box.text() == "Delete this draft?"
    doc = compose.load_post(ctx, ids["draft1"])  # edited in another window meanwhile
    doc.parts = ["Five things we learned, rewritten"]
    compose.save_draft(ctx, doc)
    next(b for b in box.buttons() if b.text() == "Delete").click()
    settle(qtbot, page)
    assert "“Five things we learned, rewritten” was edited since you chose to delete it" in page.status.text()
    assert ids["draft1"] in {r.id for r in drafts.list_drafts(ctx)}


def test_duplicate_makes_a_draft_copy(qtbot: QtBot, ctx: AppContext) -> None:
    make_desk(ctx, 2)
    page = open_page(qtbot, ctx)
    choose(page, 1)
    page.duplicate_button.click()
    settle(qtbot, page)
    assert len(shown_ids(page)) == 3 and page.model.index(0, 0).data() == TEXTS[1]


def test_drag_carries_the_post_id_as_ascii(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 3)
    page = open_page(qtbot, ctx)
    model = page.model
    assert model.mimeTypes() == [POST_MIME] == ["application/x-campaign-desk-post"]
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    data = model.mimeData([model.index(2, 0)])
    assert isinstance(data, QMimeData)
    assert data.formats() == [POST_MIME]
    assert bytes(data.data(POST_MIME).data()) == str(ids["draft2"]).encode("ascii")
    assert page.view.dragEnabled()
    picture = page.view.card_pixmap(model.index(2, 0))
    assert not picture.isNull() and picture.deviceIndependentSize().width() > 300


def test_refreshes_on_a_posts_change_while_visible_not_while_hidden(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 2)
    page = open_page(qtbot, ctx)
    runner = page.runner
    accounts = [ids["account0"]]
    new_id = compose.save_draft(ctx, compose.ComposeDoc(account_ids=accounts, parts=["Fresh idea from elsewhere"]))
    runner.notify(changes(POSTS))
    settle(qtbot, page)
    assert shown_ids(page)[0] == new_id
    page.hide()
    other = compose.save_draft(ctx, compose.ComposeDoc(account_ids=accounts, parts=["Written while hidden"]))
    runner.notify(changes(POSTS))
    assert runner.pending() == 0  # nothing loads for a hidden page
    assert other not in shown_ids(page)
    page.show()
    page.refresh()  # what the main window does when it shows a page
    settle(qtbot, page)
    assert shown_ids(page)[0] == other


def test_times_follow_the_zone_setting_and_name_it(qtbot: QtBot, ctx: AppContext) -> None:
    ids = make_desk(ctx, 3)
    app_settings.put(ctx, app_settings.TIMEZONE, "America/New_York")
    page = open_page(qtbot, ctx)
    planned = page.model.find(ids["draft2"])
    at = next(r.planned_at for r in drafts.list_drafts(ctx) if r.id == ids["draft2"])
    assert at is not None
    tip = planned.data(Qt.ItemDataRole.ToolTipRole)
    assert f"{at.astimezone(ZoneInfo('America/New_York')):%H:%M} (America/New York)" in tip
    app_settings.put(ctx, app_settings.TIMEZONE, "Asia/Tokyo")
    page.runner.notify(changes(settings=("timezone",)))
    settle(qtbot, page)
    tip = page.model.find(ids["draft2"]).data(Qt.ItemDataRole.ToolTipRole)
    assert f"{at.astimezone(ZoneInfo('Asia/Tokyo')):%H:%M} (Asia/Tokyo)" in tip
    assert "Last edited" in tip and "(Asia/Tokyo)" in tip.split("Last edited", 1)[1]


def test_model_passes_qtmodeltester(qtmodeltester, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    make_desk(ctx, 6)
    model = DraftsModel()
    model.set_rows(drafts.list_drafts(ctx))
    qtmodeltester.check(model)
    assert model.rowCount() == 6 and model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None


def test_relative_times_read_naturally() -> None:
    now = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
    assert ago(now - timedelta(seconds=20), now, UTC) == "just now"
    assert ago(now - timedelta(minutes=5), now, UTC) == "5 min ago"
    assert ago(now - timedelta(hours=2, minutes=5), now, UTC) == "2 h ago"
    assert ago(now - timedelta(hours=20), now, UTC) == "yesterday"
    assert ago(now - timedelta(days=3), now, UTC) == "3 days ago"
    assert ago(datetime(2027, 2, 5, 9, tzinfo=UTC), now, UTC) == "5 Feb"
    assert ago(datetime(2026, 12, 5, 9, tzinfo=UTC), now, UTC) == "5 Dec 2026"


@pytest.mark.parametrize("colors", [theme.LIGHT, theme.DARK], ids=["light", "dark"])
def test_card_text_meets_wcag_aa(colors: theme.Colors) -> None:
    for selected in (False, True):
        card = CardColors.for_theme(colors, selected=selected)
        assert contrast(card.text, card.background) >= 4.5
        assert contrast(card.muted, card.background) >= 4.5
        for _name, campaign_color in CAMPAIGNS:
            assert contrast(card.text, card.chip(campaign_color)) >= 4.5


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_layout_at_minimum_and_common_sizes(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, tmp_path: Path, screenshot_dir: Path, mode: str
) -> None:
    make_desk(ctx, 20, media_dir=tmp_path)
    theme.apply(qapp, mode)
    page = open_page(qtbot, ctx)
    choose(page, 1)
    for width, height in PAGE_SIZES:
        page.resize(width, height)
        settle(qtbot, page)
        assert layout_problems(page) == [], (width, height)
        page.grab().save(str(screenshot_dir / f"drafts-{mode}-{width}x{height}.png"))
    page.search.setText("zebra crossing")
    settle(qtbot, page)
    for width, height in PAGE_SIZES:
        page.resize(width, height)
        assert layout_problems(page) == [], ("no match", width, height)
    page.grab().save(str(screenshot_dir / f"drafts-nomatch-{mode}.png"))


def test_empty_page_layout_and_live_theme_switch(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, screenshot_dir: Path
) -> None:
    page = open_page(qtbot, ctx, PAGE_SIZES[0])
    assert layout_problems(page) == []
    theme.apply(qapp, "dark")  # while shown
    settle(qtbot, page)
    assert layout_problems(page) == []
    picture = page.empty.findChild(type(page.count))
    assert picture is not None
    image = picture.pixmap().toImage()
    painted = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    assert any(c.alpha() > 200 and c.name() == theme.DARK.muted for c in painted)  # re-tinted for dark
    page.grab().save(str(screenshot_dir / "drafts-empty-dark.png"))


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_in_the_main_window_at_its_minimum_and_a_common_size(
    qtbot: QtBot,
    ctx: AppContext,
    qapp: QApplication,
    tmp_path: Path,
    screenshot_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    from desktop.ui import main_window

    if DraftsPage not in main_window.PAGES:  # until the lead lists the page (after Calendar)
        pages = list(main_window.PAGES)
        pages.insert(pages.index(main_window.CalendarPage) + 1, DraftsPage)
        monkeypatch.setattr(main_window, "PAGES", tuple(pages))
    make_desk(ctx, 20, media_dir=tmp_path)
    theme.apply(qapp, "dark" if mode == "light" else "light")
    window = main_window.MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_page("drafts")
    page = window.pages["drafts"]
    assert isinstance(page, DraftsPage)
    theme.apply(qapp, mode)  # switched while the page is shown
    for size in ((900, 600), (1280, 800)):
        window.resize(*size)
        qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=5000)
        QApplication.processEvents()
        assert len(shown_ids(page)) == 20
        assert layout_problems(window) == [], size
        window.grab().save(str(screenshot_dir / f"drafts-window-{mode}-{size[0]}x{size[1]}.png"))
    card = page.view.grab(page.view.visualRect(page.model.index(0, 0)))
    ratio = card.devicePixelRatio()
    inside = card.toImage().pixelColor(int(card.width() / 2), int((MARGIN_Y + PAD // 2) * ratio))  # above the text
    assert inside.name() == theme.current().base  # painted in the theme switched to, not the one it started in
