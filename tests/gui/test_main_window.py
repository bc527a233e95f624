"""The main window: every page opens, shows an honest empty state, and state is remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.services import campaigns
from desktop.services.context import AppContext
from desktop.ui import theme
from desktop.ui.accounts.connect_dialog import ConnectDialog
from desktop.ui.main_window import PAGES, MainWindow
from tests.servers.mastodon import MastodonAccount


def _window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    theme.apply(qtbot._request.getfixturevalue("qapp"))  # type: ignore[attr-defined]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _settle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=5000)


def test_every_page_opens_with_an_empty_state(qtbot: QtBot, ctx: AppContext, screenshot_dir: Path) -> None:
    window = _window(qtbot, ctx)
    window.resize(1180, 760)
    for page_cls in PAGES:
        window.show_page(page_cls.key)
        _settle(qtbot, window)
        page = window.current_page()
        assert page.key == page_cls.key
        assert window.nav_buttons[page.key].isChecked()
        image = window.grab()
        assert not image.isNull() and image.width() >= 900
        assert image.save(str(screenshot_dir / f"main-{page.key}.png"))
    # with no accounts, the planning pages send the user to connect one
    window.show_page("calendar")
    _settle(qtbot, window)
    calendar = window.pages["calendar"]
    assert calendar.stack.currentWidget() is calendar.no_accounts
    assert calendar.no_accounts.title.text() == "No accounts yet"
    qtbot.mouseClick(calendar.no_accounts.action, Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert window.current_page().key == "accounts"
    accounts = window.pages["accounts"]
    assert accounts.stack.currentWidget() is accounts.empty
    assert accounts.empty.title.text() == "No accounts yet"


def test_keyboard_shortcuts_switch_pages(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    window.activateWindow()
    qtbot.waitActive(window)
    for number, page_cls in enumerate(PAGES, start=1):
        qtbot.keyClick(window.windowHandle(), Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.current_page().key == page_cls.key


def test_geometry_and_last_page_are_remembered(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    window.resize(1000, 700)
    window.show_page("campaigns")
    _settle(qtbot, window)
    saved = window.saveGeometry()
    window.close()
    again = _window(qtbot, ctx)
    assert again.current_page().key == "campaigns"
    # the offscreen screen is small, so Qt may clamp the restored size; the saved bytes must match
    assert QSettings().value("window/geometry") == saved
    assert again.height() == 700


def test_closing_asks_nothing_when_nothing_is_pending(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    _settle(qtbot, window)
    assert window.close() is True


def test_new_campaign_dialog_creates_a_campaign(qtbot: QtBot, ctx: AppContext, screenshot_dir: Path) -> None:
    window = _window(qtbot, ctx)
    window.show_page("campaigns")
    page = window.pages["campaigns"]
    dialog = page.open_new_dialog()
    assert not dialog.create_button.isEnabled()  # no name yet
    qtbot.keyClicks(dialog.name, "Black Friday")
    qtbot.keyClicks(dialog.utm["source"], "social")
    assert dialog.create_button.isEnabled()
    dialog.grab().save(str(screenshot_dir / "dialog-new-campaign.png"))
    with qtbot.waitSignal(dialog.created, timeout=5000):
        dialog.create_button.click()
    _settle(qtbot, window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert page.stack.currentWidget() is page.table
    (row,) = campaigns.list_campaigns(ctx)
    assert (row.name, row.utm) == ("Black Friday", {"source": "social"})


def test_connect_dialog_builds_each_networks_form(qtbot: QtBot, ctx: AppContext, screenshot_dir: Path) -> None:
    dialog = ConnectDialog(ctx, _window(qtbot, ctx).runner)
    qtbot.addWidget(dialog)
    networks = [dialog.network.itemData(i) for i in range(dialog.network.count())]
    assert "mastodon" in networks
    for network in networks:
        dialog.select_network(network)
        info = ctx.registry.cls(network).info
        assert set(dialog.inputs) == {f.name for f in info.connect_fields}
        for f in info.connect_fields:
            echo = dialog.inputs[f.name].echoMode()
            assert (echo == QLineEdit.EchoMode.Password) == f.secret
        assert not dialog.connect_button.isEnabled()  # required fields empty
        dialog.show()
        dialog.grab().save(str(screenshot_dir / f"dialog-connect-{network}.png"))


def test_connect_failure_keeps_what_was_typed(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    dialog = ConnectDialog(ctx, window.runner)
    qtbot.addWidget(dialog)
    dialog.select_network("mastodon")
    dialog.inputs["instance"].setText("http://127.0.0.1:9")  # nothing listens on the discard port
    dialog.inputs["access_token"].setText("token-123")
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: not dialog.error_row.isHidden(), timeout=15000)
    assert dialog.error.text().startswith("Campaign Desk couldn't reach 127.0.0.1:9.")
    assert dialog.inputs["access_token"].text() == "token-123"  # nothing typed is lost
    assert dialog.connect_button.isEnabled() and dialog.result() == 0


def test_posting_times_opens_the_queue_of_that_account(qtbot: QtBot, ctx: AppContext) -> None:
    from desktop.store.models import Account

    with ctx.session() as s:
        for n in (1, 2):
            s.add(
                Account(
                    provider="mastodon", remote_id=str(n), handle=f"@a{n}@ex.social", server_url="https://ex.social"
                )
            )
    window = _window(qtbot, ctx)
    window.show_page("accounts")
    _settle(qtbot, window)
    accounts = window.pages["accounts"]
    accounts.navigate.emit("queue")
    accounts.open_queue_for.emit(2)  # before the queue page has loaded its account list
    queue = window.pages["queue"]
    qtbot.waitUntil(lambda: queue.account_id() == 2, timeout=5000)
    assert window.current_page().key == "queue"


def test_a_campaigns_results_button_opens_analytics_on_that_campaign(qtbot: QtBot, ctx: AppContext) -> None:
    spring = campaigns.add_campaign(ctx, "Spring launch")
    campaigns.add_campaign(ctx, "Autumn sale")
    window = _window(qtbot, ctx)
    window.show_page("campaigns")
    _settle(qtbot, window)
    page = window.pages["campaigns"]
    assert not page.results_button.isEnabled()  # nothing selected yet
    page._select(spring.id)
    assert page.results_button.isEnabled()
    qtbot.mouseClick(page.results_button, Qt.MouseButton.LeftButton)
    assert window.current_page().key == "analytics"
    view = window.pages["analytics"].view
    qtbot.waitUntil(lambda: view.filters.campaign_id() == spring.id, timeout=5000)
    _settle(qtbot, window)


def test_a_background_failure_is_a_sentence_in_the_status_bar_with_details(qtbot: QtBot, ctx: AppContext) -> None:
    from PySide6.QtWidgets import QMessageBox

    window = _window(qtbot, ctx)
    _settle(qtbot, window)

    def read() -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    window.runner.run(read, owner=window, name="read_something")  # no on_error: the default display
    qtbot.waitUntil(lambda: window.error_strip.isVisible(), timeout=5000)
    sentence = window.error_label.text()
    assert sentence.startswith("Campaign Desk couldn't reach the server.")
    assert "Errno" not in sentence and "111" not in sentence
    assert window.findChild(QMessageBox, "ErrorBox") is None  # nothing popped up over the user's work
    qtbot.mouseClick(window.error_details, Qt.MouseButton.LeftButton)
    box = window.findChild(QMessageBox, "ErrorBox")
    assert box is not None and box.isVisible()
    assert box.text() == sentence and "Connection refused" in box.detailedText()
    box.close()


def test_a_publishing_pass_that_changed_posts_tells_the_pages(
    qtbot: QtBot, ctx: AppContext, masto: MastodonAccount
) -> None:
    from datetime import UTC, datetime, timedelta

    from desktop.services.posts import schedule_post
    from desktop.store.models import Variant
    from desktop.ui.changes import POSTS, Changes

    row = schedule_post(
        ctx, account_ids=[masto.id], text="Doors open at nine", at=datetime.now(UTC) + timedelta(hours=1)
    )
    with ctx.session() as s:
        for v in s.query(Variant).filter(Variant.post_id == row.id):
            v.scheduled_at = datetime.now(UTC) - timedelta(minutes=1)  # due now
    window = _window(qtbot, ctx)
    _settle(qtbot, window)
    seen: list[Changes] = []
    window.runner.changed.connect(seen.append)
    with qtbot.waitSignal(window.engine.pass_finished, timeout=20_000):
        window.engine.run_now()
    qtbot.waitUntil(lambda: any(POSTS in c.kinds for c in seen), timeout=5000)
    assert [s["content"] for s in masto.statuses()] != []
    # a pass with nothing to do reports nothing
    seen.clear()
    with qtbot.waitSignal(window.engine.pass_finished, timeout=20_000):
        window.engine.run_now()
    _settle(qtbot, window)
    assert not any(POSTS in c.kinds for c in seen)


def test_sidebar_and_menu_icons_follow_a_theme_switch(qtbot: QtBot, ctx: AppContext) -> None:
    qapp = qtbot._request.getfixturevalue("qapp")  # type: ignore[attr-defined]
    theme.apply(qapp, "light")
    window = _window(qtbot, ctx)
    theme.apply(qapp, "light")
    button = window.nav_buttons["queue"]
    action = next(a for a in window.actions() if a.text() == button.text().strip())

    def ink(icon: object) -> set[str]:
        image = icon.pixmap(18, 18).toImage()  # type: ignore[attr-defined]
        return {
            image.pixelColor(x, y).name()
            for x in range(image.width())
            for y in range(image.height())
            if image.pixelColor(x, y).alpha() == 255
        }

    assert ink(button.icon()) == {theme.LIGHT.text} and ink(action.icon()) == {theme.LIGHT.text}
    theme.apply(qapp, "dark")
    assert ink(button.icon()) == {theme.DARK.text} and ink(action.icon()) == {theme.DARK.text}


def test_empty_state_pictures_follow_a_theme_switch(qtbot: QtBot, ctx: AppContext) -> None:
    qapp = qtbot._request.getfixturevalue("qapp")  # type: ignore[attr-defined]
    theme.apply(qapp, "light")
    window = _window(qtbot, ctx)
    window.show_page("accounts")
    _settle(qtbot, window)
    empty = window.pages["accounts"].empty  # type: ignore[attr-defined]
    pic = empty.findChildren(QLabel)[0]

    def ink() -> set[str]:
        image = pic.pixmap().toImage()
        return {
            image.pixelColor(x, y).name()
            for x in range(image.width())
            for y in range(image.height())
            if image.pixelColor(x, y).alpha() == 255
        }

    assert ink() == {theme.LIGHT.muted}
    theme.apply(qapp, "dark")
    assert ink() == {theme.DARK.muted}


def test_a_draft_opens_in_the_composer_and_new_idea_starts_an_empty_post(qtbot: QtBot, ctx: AppContext) -> None:
    from desktop.services import compose
    from desktop.ui.pages.drafts import DraftsPage
    from tests.services.test_drafts import add_account

    account = add_account(ctx, "mastodon", "@desk@mastodon.test")
    post_id = compose.save_draft(ctx, compose.ComposeDoc(account_ids=[account], parts=["An idea for Friday"]))
    window = _window(qtbot, ctx)
    window.show_page("drafts")
    drafts = window.pages["drafts"]
    assert isinstance(drafts, DraftsPage)
    qtbot.waitUntil(lambda: drafts.model.rowCount() == 1, timeout=5000)
    drafts.edit_post.emit(post_id)  # what Enter / double-click on the card does
    composer = window.pages["compose"].composer  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: composer.doc.post_id == post_id, timeout=5000)
    assert window.current_page().key == "compose" and composer.doc.parts == ["An idea for Friday"]

    window.show_page("drafts")
    drafts.start_new()  # "New idea": nothing unsaved, so no question
    qtbot.waitUntil(lambda: composer.doc.post_id is None, timeout=5000)
    assert window.current_page().key == "compose" and composer.doc.parts in ([""], [])
