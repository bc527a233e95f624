"""The Publishing page as a marketer sees it: a realistic mix of failed, retrying, partly live
and published posts, at the minimum and a common window size, light and dark (also switched
while shown); the paused state; View post; Details; and the tray's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.services import app_settings, posts, transitions
from desktop.services.context import AppContext
from desktop.services.seed import seed
from desktop.store.models import AttemptOutcome, PublishAttempt, VariantState
from desktop.ui import theme
from desktop.ui.changes import POSTS, changes
from desktop.ui.pages.publishing import PublishingPage
from desktop.ui.publishing.engine import PublishingEngine
from desktop.ui.publishing.models import VIEW_POST, AttemptLogModel, AttentionModel
from desktop.ui.publishing.tray import Tray
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.table_model import ROW_ROLE
from tests.gui.layout_check import layout_problems
from tests.gui.test_queue_page import add_account

#: The main window's size -> the page's (sidebar 200 px; menu and status bars about 50 px).
SIZES = {(900, 600): (700, 550), (1280, 800): (1080, 750)}
LONG_REFUSAL = (
    "The post to @spring-collection-announcements@social.campaign-desk-demo.example was refused "
    "(Validation failed: Text contains a word this server does not allow in public posts; "
    "see the server rules at https://social.campaign-desk-demo.example/about#rules for what is allowed)"
)
LIVE_URL = "https://social.campaign-desk-demo.example/@spring/111"
PUBLISHED_URL = "https://social.campaign-desk-demo.example/@spring/222"


def _move(ctx: AppContext, variant_id: int, to: VariantState, **values: object) -> None:
    with ctx.session() as s:
        moved = transitions.move(s, variant_id, expected={VariantState.DRAFT}, to=to, values=values)
        assert moved == 1


def _attempt(ctx: AppContext, variant_id: int, outcome: AttemptOutcome, error: str = "", ago: int = 10) -> None:
    at = datetime.now(UTC) - timedelta(minutes=ago)
    with ctx.session() as s:
        s.add(
            PublishAttempt(
                variant_id=variant_id,
                idempotency_key=f"k{variant_id}",
                started_at=at,
                finished_at=at + timedelta(seconds=2),
                outcome=outcome,
                error=error,
                runner="gui 1@test",
            )
        )


@pytest.fixture
def mix(ctx: AppContext) -> dict[str, int]:
    """Demo data (80 posts) plus three accounts with long handles and one post in each state."""
    seed(ctx, posts=80, snapshots=200, accounts=3, campaigns=3, days=40)
    masto = add_account(ctx, "mastodon", "@spring-collection-announcements@social.campaign-desk-demo.example")
    sky = add_account(ctx, "bluesky", "spring-collection.marketing-team.campaign-desk-demo.example")
    other = add_account(ctx, "mastodon", "@newsletter-and-product-updates@mastodon.campaign-desk-demo.example")
    long_text = "Our spring collection is here: linen shirts, light jackets and the new canvas tote. " * 3
    made: dict[str, int] = {}
    for name, account, state, values in (
        ("failed", masto, VariantState.FAILED, {"last_error": LONG_REFUSAL}),
        (
            "reconnect",
            sky,
            VariantState.NEEDS_RECONNECT,
            {"last_error": "Bluesky said the app password is no longer valid (AuthenticationRequired: Token expired)"},
        ),
        (
            "partly",
            other,
            VariantState.PARTIALLY_LIVE,
            {
                "remote_parts": [{"index": 0, "remote_id": "111", "url": LIVE_URL}],
                "last_error": "Part 1 is live; part 2 of 2 was not sent: the server took too long to answer",
            },
        ),
        ("published", masto, VariantState.PUBLISHED, {"remote_url": PUBLISHED_URL, "remote_id": "222"}),
        ("retrying", sky, VariantState.RETRYING, {"last_error": "The server is busy (503 Service Unavailable)"}),
    ):
        row = posts.schedule_post(ctx, account_ids=[account], text=f"{name}: {long_text}", draft=True)
        variant = row.variants[0].id
        when = datetime.now(UTC) - timedelta(hours=1)
        _move(ctx, variant, state, scheduled_at=when, **values)
        made[name] = variant
    _attempt(ctx, made["failed"], AttemptOutcome.FAILED, LONG_REFUSAL, ago=30)
    _attempt(ctx, made["retrying"], AttemptOutcome.RETRY, "The server is busy (503 Service Unavailable)", ago=20)
    _attempt(ctx, made["published"], AttemptOutcome.PUBLISHED, ago=5)
    return made


def _page(qtbot: QtBot, ctx: AppContext, size: tuple[int, int] = (1080, 750)) -> PublishingPage:
    runner = TaskRunner()
    engine = PublishingEngine(ctx)
    page = PublishingPage(ctx, runner, engine=engine)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    page.refresh()
    _settle(qtbot, page)
    return page


def _settle(qtbot: QtBot, page: PublishingPage) -> None:
    qtbot.waitUntil(lambda: page.runner.pending() == 0 and page.engine.runner.pending() == 0, timeout=10_000)  # type: ignore[union-attr]
    QApplication.processEvents()


class _Browser(QObject):
    """Stands in for the web browser: QDesktopServices hands it the https URLs it would open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser() -> object:
    handler = _Browser()
    QDesktopServices.setUrlHandler("https", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("https")


def test_fits_at_both_sizes_in_both_themes_and_after_a_live_switch(
    qtbot: QtBot, ctx: AppContext, mix: dict[str, int], qapp: QApplication, screenshot_dir: Path
) -> None:
    page = _page(qtbot, ctx)
    assert page.attention.rowCount() >= 3 and page.log.rowCount() >= 3
    page.log_view.selectRow(0)
    for mode in ("light", "dark", "light"):  # the last one is a live switch back
        theme.apply(qapp, mode)
        for window, size in SIZES.items():
            page.resize(*size)
            qtbot.wait(30)
            assert layout_problems(page) == [], (mode, window)
            assert page.grab().save(str(screenshot_dir / f"publishing-{window[0]}x{window[1]}-{mode}.png"))
    app_settings.put(ctx, app_settings.PUBLISHING_PAUSED, True)
    page.runner.notify(changes(settings=("publishing_paused",)))
    _settle(qtbot, page)
    theme.apply(qapp, "dark")
    page.resize(*SIZES[(900, 600)])
    qtbot.wait(30)
    assert page.banner.isVisible()
    assert layout_problems(page) == []
    assert page.grab().save(str(screenshot_dir / "publishing-paused-900x600-dark.png"))


def test_paused_from_anywhere_shows_at_once_and_resume_starts_it_again(
    qtbot: QtBot, ctx: AppContext, mix: dict[str, int]
) -> None:
    page = _page(qtbot, ctx)
    assert not page.banner.isVisible() and page.pause_button.isVisible()
    # paused from Settings: a settings change report reaches the page
    app_settings.put(ctx, app_settings.PUBLISHING_PAUSED, True)
    page.runner.notify(changes(settings=("publishing_paused",)))
    qtbot.waitUntil(page.banner.isVisible, timeout=5000)
    assert "paused" in page.banner.label.text() and not page.pause_button.isVisible()
    # Resume on the page: saved through the engine (which tells the tray)
    engine = page.engine
    assert engine is not None
    with qtbot.waitSignal(engine.paused_changed, timeout=5000) as sent:
        page.banner.resume_button.click()
    assert sent.args == [False] and app_settings.get(ctx, app_settings.PUBLISHING_PAUSED) is False
    assert not page.banner.isVisible() and page.pause_button.isVisible()
    # paused from the tray: the engine's signal
    with qtbot.waitSignal(engine.paused_changed, timeout=5000):
        engine.set_paused(True)
    assert page.banner.isVisible()
    # and from the page's own button
    with qtbot.waitSignal(engine.paused_changed, timeout=5000):
        engine.set_paused(False)
    page.pause_button.click()
    assert page.banner.isVisible()
    qtbot.waitUntil(lambda: app_settings.get(ctx, app_settings.PUBLISHING_PAUSED) is True, timeout=5000)


def test_view_post_opens_the_published_posts_address(
    qtbot: QtBot, ctx: AppContext, mix: dict[str, int], browser: _Browser
) -> None:
    page = _page(qtbot, ctx)
    rows = [page.log_proxy.index(r, 0).data(ROW_ROLE) for r in range(page.log_proxy.rowCount())]
    published = next(i for i, r in enumerate(rows) if r.outcome == "published")
    failed = next(i for i, r in enumerate(rows) if r.outcome == "failed")
    page.log_view.selectRow(failed)
    assert not page.view_button.isEnabled()  # nothing public to open
    page.log_view.selectRow(published)
    assert page.view_button.isEnabled() and page.view_button.text() == VIEW_POST
    link = page.log_proxy.index(published, AttemptLogModel.LINK)
    assert link.data() == VIEW_POST and PUBLISHED_URL in link.data(Qt.ItemDataRole.AccessibleTextRole)
    page.view_button.click()
    page.log_view.setFocus()
    qtbot.keyClick(page.log_view, Qt.Key.Key_Return)  # Enter on the row opens it too
    assert browser.opened == [PUBLISHED_URL, PUBLISHED_URL]
    page.log_view.selectRow(failed)
    qtbot.keyClick(page.log_view, Qt.Key.Key_Return)  # a failed attempt: its details, whole
    box = page.findChild(QMessageBox, "ErrorBox")
    assert box is not None and box.detailedText() == LONG_REFUSAL
    assert box.text().startswith("The post to @spring-collection-announcements") and "Errno" not in box.text()
    box.close()
    assert browser.opened == [PUBLISHED_URL, PUBLISHED_URL]


def test_details_give_a_sentence_and_the_networks_words_whole(
    qtbot: QtBot, ctx: AppContext, mix: dict[str, int]
) -> None:
    page = _page(qtbot, ctx)
    index = next(
        r
        for r in range(page.attention_proxy.rowCount())
        if page.attention_proxy.index(r, 0).data(ROW_ROLE).variant_id == mix["failed"]
    )
    page.attention_view.selectRow(index)
    assert page.details_button.isEnabled()
    box = page.show_details()
    assert box is not None
    qtbot.addWidget(box)
    assert box.text() == "The post to @spring-collection-announcements@social.campaign-desk-demo.example was " + (
        "not published. Edit it and retry, or cancel it."
    )
    assert box.detailedText() == LONG_REFUSAL  # whole, where the table cell elides it
    box.close()
    tip = page.attention_proxy.index(index, AttentionModel.ERROR).data(Qt.ItemDataRole.ToolTipRole)
    assert LONG_REFUSAL in tip
    reconnect = next(r for r in page.attention.rows() if r.variant_id == mix["reconnect"])
    assert reconnect.what_to_do.startswith("The sign-in to spring-collection.marketing-team")
    assert "Reconnect the account" in reconnect.what_to_do


def test_retry_and_cancel_report_what_they_changed(
    qtbot: QtBot, ctx: AppContext, mix: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, ctx)
    page.engine.set_paused(True)  # type: ignore[union-attr]  # the retried post must not really go out here
    _settle(qtbot, page)
    reported: list[object] = []
    page.runner.changed.connect(reported.append)

    def select(variant_id: int) -> None:
        for r in range(page.attention_proxy.rowCount()):
            if page.attention_proxy.index(r, 0).data(ROW_ROLE).variant_id == variant_id:
                page.attention_view.selectRow(r)
                return
        raise AssertionError(f"variant {variant_id} not listed")

    select(mix["failed"])
    page.retry_button.click()
    _settle(qtbot, page)
    assert posts.get_post(ctx, _post_of(ctx, mix["failed"])).variants[0].state == "scheduled"
    assert reported and all(POSTS in c.kinds for c in reported)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: all(r.variant_id != mix["failed"] for r in page.attention.rows()), timeout=5000)

    select(mix["reconnect"])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.attention_view.setFocus()
    qtbot.keyClick(page.attention_view, Qt.Key.Key_Delete)  # Delete asks, then cancels
    _settle(qtbot, page)
    assert posts.get_post(ctx, _post_of(ctx, mix["reconnect"])).status == "cancelled"
    assert len(reported) == 2


def _post_of(ctx: AppContext, variant_id: int) -> int:
    from desktop.store.models import Variant

    with ctx.session() as s:
        variant = s.get(Variant, variant_id)
        assert variant is not None
        return variant.post_id


def test_a_cancel_that_loses_a_race_says_so_in_a_sentence(
    qtbot: QtBot, ctx: AppContext, mix: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, ctx)
    row = next(r for r in range(page.attention_proxy.rowCount()))
    page.attention_view.selectRow(row)
    variant = page.attention_proxy.index(row, 0).data(ROW_ROLE).variant_id
    from desktop.services.activity import cancel_variant

    cancel_variant(ctx, variant)  # someone else got there first
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.cancel_button.click()
    qtbot.waitUntil(lambda: page.findChild(QMessageBox, "ErrorBox") is not None, timeout=5000)
    box = page.findChild(QMessageBox, "ErrorBox")
    assert box.text() == "That post has already gone out or is being published right now."
    box.close()


def test_a_hidden_page_does_not_reload_after_each_pass(qtbot: QtBot, ctx: AppContext, mix: dict[str, int]) -> None:
    page = _page(qtbot, ctx)
    page.hide()
    engine = page.engine
    assert engine is not None
    engine.pass_finished.emit(None)
    page.runner.notify(changes(POSTS))
    assert page.runner.pending() == 0  # nothing was started for a page nobody sees
    page.show()
    _settle(qtbot, page)
    engine.pass_finished.emit(None)
    assert page.runner.pending() == 0  # a pass that changed nothing reloads nothing (its status line updates)
    page.runner.notify(changes(POSTS))  # what a pass that moved posts reports
    assert page.runner.pending() > 0
    _settle(qtbot, page)


def test_times_are_in_the_users_zone_and_named(qtbot: QtBot, ctx: AppContext, mix: dict[str, int]) -> None:
    app_settings.put(ctx, app_settings.TIMEZONE, "America/New_York")
    page = _page(qtbot, ctx)
    header = page.attention.headerData(AttentionModel.WHEN, Qt.Orientation.Horizontal)
    assert header == "Due (America/New York)"
    assert page.log.headerData(AttemptLogModel.WHEN, Qt.Orientation.Horizontal) == "When (America/New York)"
    row = page.attention.row_at(0)
    from zoneinfo import ZoneInfo

    expected = row.scheduled_at.astimezone(ZoneInfo("America/New_York")).strftime("%d %b %H:%M")
    assert page.attention.index(0, AttentionModel.WHEN).data() == expected
    app_settings.put(ctx, app_settings.TIMEZONE, "Asia/Tokyo")
    page.runner.notify(changes(settings=("timezone",)))
    qtbot.waitUntil(
        lambda: page.attention.headerData(AttentionModel.WHEN, Qt.Orientation.Horizontal) == "Due (Asia/Tokyo)",
        timeout=5000,
    )


def test_models_pass_the_model_tester(qtbot: QtBot, ctx: AppContext, mix: dict[str, int], qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    assert page.attention.rowCount() and page.log.rowCount()
    qtmodeltester.check(page.attention, force_py=True)
    qtmodeltester.check(page.log, force_py=True)
    qtmodeltester.check(AttentionModel())


def test_the_tray_says_paused_in_words_and_retints(qtbot: QtBot, qapp: QApplication) -> None:
    tray = Tray()
    assert tray.state_action.text() == "Publishing is on" and tray.pause_action.text() == "Pause all publishing"
    with qtbot.waitSignal(tray.pause_toggled) as sent:
        tray.pause_action.trigger()
    assert sent.args == [True]
    tray.set_paused(True)
    assert tray.state_action.text() == "Publishing is paused"
    assert tray.pause_action.text() == "Resume publishing"
    assert "paused" in tray.icon.toolTip()
    with qtbot.waitSignal(tray.pause_toggled) as sent:
        tray.pause_action.trigger()
    assert sent.args == [False]
    light = tray.pause_action.icon().pixmap(16, 16).toImage()
    theme.apply(qapp, "dark")
    dark = tray.pause_action.icon().pixmap(16, 16).toImage()
    assert light != dark  # re-tinted for the dark menu


def test_the_tray_still_notifies_and_badges_a_paused_icon(qtbot: QtBot) -> None:
    tray = Tray()
    # offscreen there is no system tray: notify says so, and the window shows the message instead
    assert tray.notify("Post to @ann was not published", "refused") is (tray.available and tray.icon.supportsMessages())
    plain = tray.icon.icon().pixmap(32, 32).toImage()
    tray.set_paused(True)
    assert tray.icon.icon().pixmap(32, 32).toImage() != plain


def test_in_the_window_at_the_minimum_and_a_common_size(
    qtbot: QtBot, ctx: AppContext, mix: dict[str, int], qapp: QApplication, screenshot_dir: Path
) -> None:
    from desktop.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    for key in ("publishing", "queue"):
        window.show_page(key)
        page = window.pages[key]
        qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=10_000)
        for mode in ("light", "dark"):
            theme.apply(qapp, mode)
            for size in SIZES:
                window.resize(*size)
                qtbot.wait(30)
                assert layout_problems(page) == [], (key, mode, size)
                assert window.grab().save(str(screenshot_dir / f"window-{key}-{size[0]}x{size[1]}-{mode}.png"))


def test_the_daily_digest_gives_the_next_post_in_the_users_zone(ctx: AppContext) -> None:
    from zoneinfo import ZoneInfo

    from desktop.services.activity import digest

    app_settings.put(ctx, app_settings.TIMEZONE, "Asia/Tokyo")
    account = add_account(ctx, "mastodon", "@ann@masto.test")
    at = (datetime.now(UTC) + timedelta(days=2)).replace(hour=23, minute=30, second=0, microsecond=0)
    posts.schedule_post(ctx, account_ids=[account], text="next", at=at)
    text = digest(ctx).text()
    assert text.endswith(f"Next: {at.astimezone(ZoneInfo('Asia/Tokyo')):%a %H:%M}.")  # 08:30 the day after


def test_last_checked_is_told_in_the_users_zone(qtbot: QtBot, ctx: AppContext) -> None:
    app_settings.put(ctx, app_settings.TIMEZONE, "America/New_York")
    page = _page(qtbot, ctx)
    engine = page.engine
    assert engine is not None
    engine.last_pass = datetime(2026, 7, 1, 16, 5, 9, tzinfo=UTC)
    engine.pass_finished.emit(None)
    _settle(qtbot, page)
    # the engine's timer is not running here, so the page promises no interval
    assert page.status.text() == "Publishing is on. Last checked at 12:05:09 America/New York."
    engine.timer.start()
    page.refresh()
    assert page.status.text().endswith("; checks every 30 seconds.")
    engine.timer.stop()
    _settle(qtbot, page)
