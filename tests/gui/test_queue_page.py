"""The queue page: per-account weekly slots, upcoming posts, Recompute and Shuffle."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services import app_settings, slots
from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.store.models import Account
from desktop.ui import theme
from desktop.ui.pages.queue import QueuePage
from desktop.ui.tasks import TaskRunner

PARIS = ZoneInfo("Europe/Paris")


def add_account(ctx: AppContext, provider: str, handle: str) -> int:
    with ctx.session() as s:
        account = Account(provider=provider, remote_id=handle, handle=handle, server_url=f"https://{provider}.test")
        s.add(account)
        s.flush()
        return account.id


def open_page(qtbot: QtBot, ctx: AppContext) -> QueuePage:
    page = QueuePage(ctx, TaskRunner())
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    page.refresh()
    settle(qtbot, page)
    return page


def settle(qtbot: QtBot, page: QueuePage) -> None:
    qtbot.waitUntil(lambda: page.runner.pending() == 0, timeout=5000)


def test_no_accounts_shows_the_way_to_connect_one(qtbot: QtBot, ctx: AppContext) -> None:
    page = open_page(qtbot, ctx)
    assert page.stack.currentWidget() is page.no_accounts
    with qtbot.waitSignal(page.navigate) as sent:
        page.no_accounts.action.click()
    assert sent.args == ["accounts"]


def test_add_and_remove_slots_in_the_accounts_zone(qtbot: QtBot, ctx: AppContext) -> None:
    app_settings.put(ctx, app_settings.TIMEZONE, "Europe/Paris")
    masto = add_account(ctx, "mastodon", "@shop@masto.test")
    sky = add_account(ctx, "bluesky", "shop.bsky")
    page = open_page(qtbot, ctx)
    assert page.stack.currentWidget() is page.content
    assert page.timezone.currentText() == "Europe/Paris" and not page.editor.empty.isHidden()
    page.account.setCurrentIndex(page.account.findData(masto))
    settle(qtbot, page)
    page.editor.day.setCurrentIndex(page.editor.day.findData("weekdays"))
    page.editor.add_button.click()
    settle(qtbot, page)
    assert [(s.label, s.timezone) for s in slots.list_slots(ctx, masto)][:2] == [
        ("Mon 09:00", "Europe/Paris"),
        ("Tue 09:00", "Europe/Paris"),
    ]
    assert len(slots.list_slots(ctx, masto)) == 5 and slots.list_slots(ctx, sky) == []
    assert [c.text() for c in page.editor.chips(0)] == ["09:00  ✕"]
    page.editor.chips(2)[0].click()  # remove Wednesday's
    settle(qtbot, page)
    assert [s.label for s in slots.list_slots(ctx, masto)] == ["Mon 09:00", "Tue 09:00", "Thu 09:00", "Fri 09:00"]
    assert page.editor.chips(2) == []
    assert "Recompute" in page.status.text()


def test_recompute_and_shuffle_fill_the_slots(qtbot: QtBot, ctx: AppContext, screenshot_dir: Path) -> None:
    masto = add_account(ctx, "mastodon", "@shop@masto.test")
    slots.set_slots(ctx, masto, [(0, time(9)), (2, time(12, 30)), (4, time(17))], "Europe/Paris")
    start = datetime(2027, 6, 1, 8, tzinfo=UTC)
    for n in range(5):
        schedule_post(ctx, account_ids=[masto], text=f"Tip #{n + 1}: one small thing", at=start.replace(hour=8 + n))
    page = open_page(qtbot, ctx)
    assert page.upcoming.rowCount() == 5
    assert {r.on_slot for r in page.upcoming.rows()} == {False}
    page.recompute_button.click()
    settle(qtbot, page)
    rows = page.upcoming.rows()
    assert all(r.on_slot for r in rows) and [r.text[:6] for r in rows] == [f"Tip #{n}" for n in range(1, 6)]
    assert "5 upcoming post(s)" in page.status.text()
    page.shuffle(random.Random(3))
    settle(qtbot, page)
    shuffled = page.upcoming.rows()
    assert [r.at for r in shuffled] == [r.at for r in rows]
    assert [r.text for r in shuffled] != [r.text for r in rows]
    for scheme, colors in (("light", theme.LIGHT), ("dark", theme.DARK)):
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.setPalette(theme._palette(colors))
        app.setStyleSheet(theme.stylesheet(colors))
        QApplication.processEvents()  # let the new style re-lay out the page before the grab
        assert page.grab().save(str(screenshot_dir / f"queue-{scheme}.png"))
    app.setPalette(theme._palette(theme.LIGHT))
    app.setStyleSheet(theme.stylesheet(theme.LIGHT))
