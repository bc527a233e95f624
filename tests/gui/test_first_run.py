"""A new user follows connect → write → schedule from the "Get started" steps in the real window,
against a loopback Mastodon; each step ticks from what is in the DB, and once all are done the
steps never come back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desktop.services import app_settings
from desktop.services.context import AppContext
from desktop.store.models import Account, Variant, VariantState
from desktop.ui import theme
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.accounts import AccountsPage
from desktop.ui.pages.compose import ComposePage
from tests.gui.layout_check import layout_problems
from tests.servers.mastodon import MastodonMockServer


def settle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=15_000)


def ticked(window: MainWindow) -> dict[str, bool]:
    return {field: "done" in b.accessibleName() for field, b in window.first_run.steps.items()}


def test_connect_write_schedule_with_the_checklist_ticking(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, mastodon: MastodonMockServer, screenshot_dir: Path
) -> None:
    theme.apply(qapp)
    token = mastodon.create_account()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    settle(qtbot, window)
    steps = window.first_run.steps
    assert window.first_run.isVisible()
    assert ticked(window) == {"connected": False, "written": False, "scheduled": False}
    assert steps["connected"].property("primary") is True  # the next step stands out
    assert layout_problems(window) == []
    window.grab().save(str(screenshot_dir / "first-run-0-empty.png"))

    # 1. Connect an account: the step opens Accounts; connect to the loopback server
    qtbot.mouseClick(steps["connected"], Qt.MouseButton.LeftButton)
    assert window.current_page().key == "accounts"
    accounts = window.pages["accounts"]
    assert isinstance(accounts, AccountsPage)
    qtbot.mouseClick(accounts.empty.action, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]
    dialog = accounts.connect_dialog
    assert dialog is not None
    dialog.select_network("mastodon")
    dialog.inputs["instance"].setText(mastodon.url)
    dialog.inputs["access_token"].setText(token)
    with qtbot.waitSignal(dialog.connected, timeout=15_000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ticked(window)["connected"], timeout=10_000)
    settle(qtbot, window)
    with ctx.session() as s:
        (account_id,) = s.scalars(select(Account.id)).all()
    assert ticked(window) == {"connected": True, "written": False, "scheduled": False}
    assert steps["written"].property("primary") is True
    window.grab().save(str(screenshot_dir / "first-run-1-connected.png"))

    # 2. Write your first post: the step opens Compose; saving a draft ticks it
    qtbot.mouseClick(steps["written"], Qt.MouseButton.LeftButton)
    assert window.current_page().key == "compose"
    page = window.pages["compose"]
    assert isinstance(page, ComposePage)
    composer = page.composer
    qtbot.waitUntil(lambda: page.stack.currentWidget() is composer and bool(composer.targets), timeout=10_000)
    settle(qtbot, window)
    if not composer.chips.chips[account_id].isChecked():
        composer.chips.chips[account_id].setChecked(True)
    qtbot.keyClicks(composer.editor.boxes[0].editor, "Our spring menu is out")
    qtbot.mouseClick(composer.bar.save_draft, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ticked(window)["written"], timeout=10_000)
    assert not ticked(window)["scheduled"] and window.first_run.isVisible()
    window.grab().save(str(screenshot_dir / "first-run-2-written.png"))

    # 3. Schedule it: the post goes out tomorrow; every step is done, so the steps go for good
    qtbot.mouseClick(steps["scheduled"], Qt.MouseButton.LeftButton)
    assert window.current_page().key == "compose"
    at = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    composer.bar.set_at(at)
    composer.validate_now()
    settle(qtbot, window)
    with qtbot.waitSignal(composer.scheduled, timeout=10_000):
        qtbot.mouseClick(composer.bar.schedule, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.first_run.isVisible(), timeout=10_000)
    settle(qtbot, window)
    assert ticked(window) == {"connected": True, "written": True, "scheduled": True}
    with ctx.session() as s:
        assert s.scalars(select(Variant.state)).all() == [VariantState.SCHEDULED]
    assert app_settings.get(ctx, app_settings.FIRST_RUN_DISMISSED) is True
    assert "all set" in window.statusBar().currentMessage()
    window.close()

    # never shown again, even in a new window
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    settle(qtbot, again)
    assert again.first_run.progress is not None and not again.first_run.isVisible()


def test_hide_closes_the_steps_for_good(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, window)
    assert window.first_run.isVisible()
    assert window.first_run.close_button.accessibleName() == "Hide the getting-started steps"
    qtbot.mouseClick(window.first_run.close_button, Qt.MouseButton.LeftButton)
    assert not window.first_run.isVisible()
    settle(qtbot, window)
    assert app_settings.get(ctx, app_settings.FIRST_RUN_DISMISSED) is True
    window.close()
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    settle(qtbot, again)
    assert not again.first_run.isVisible()


def test_every_page_fits_under_the_steps_at_the_minimum_size(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, screenshot_dir: Path
) -> None:
    from desktop.ui.main_window import PAGES
    from tests.gui.test_accounts_page import add_account

    add_account(
        ctx, "mastodon", "@corner.shop.downtown@mastodon.social", name="Corner Shop", secrets={"access_token": "t"}
    )
    theme.apply(qapp, "dark")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    for page_cls in PAGES:
        window.show_page(page_cls.key)
        settle(qtbot, window)
        qapp.processEvents()
        assert window.first_run.isVisible() and ticked(window)["connected"]
        assert layout_problems(window) == [], page_cls.key
        window.grab().save(str(screenshot_dir / f"first-run-900-{page_cls.key}.png"))
