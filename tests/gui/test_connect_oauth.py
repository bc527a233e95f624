"""The connect dialog's browser sign-in: Mastodon end to end (the test plays the browser),
waiting and Cancel, the missing developer app, the account picker, unavailable networks hidden."""

# ruff: noqa: F811 - checking_mastodon is a fixture imported from tests.servers.oauth_checking
from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from desktop.services import accounts, oauth
from desktop.services.context import AppContext
from desktop.ui import theme
from desktop.ui.accounts.connect_dialog import ConnectDialog
from desktop.ui.tasks import TaskRunner
from providers.base import ConnectedAccount
from providers.registry import BUILTINS, Registry
from tests.gui.layout_check import layout_problems
from tests.servers.mastodon import MastodonMockServer
from tests.servers.oauth_checking import CheckingProxy, TestBrowser, checking_mastodon  # noqa: F401

SHOTS = Path("/tmp/helperE-shots")


def _dialog(qtbot: QtBot, ctx: AppContext, browser: TestBrowser | None = None) -> ConnectDialog:
    runner = TaskRunner()
    dialog = ConnectDialog(ctx, runner, open_browser=browser.open if browser else None)
    qtbot.addWidget(dialog)
    dialog.runner_ref = runner  # type: ignore[attr-defined] - keep the runner alive with the dialog
    return dialog


def _shoot(qtbot: QtBot, dialog: ConnectDialog, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for mode in ("light", "dark"):
        theme.set_mode(app, mode)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert layout_problems(dialog) == []
        dialog.grab().save(str(SHOTS / f"{name}-{mode}.png"))
    theme.set_mode(app, "light")


@pytest.fixture
def with_test_networks(ctx: AppContext) -> AppContext:
    extra = (
        ("rotating", "tests.servers.oauth_rotating:RotatingProvider"),  # needs the user's developer app
        ("unfinished", "tests.servers.oauth_rotating:UnfinishedProvider"),  # available=False
    )
    ctx.registry = Registry(builtins=BUILTINS + extra, entry_points_=())
    return ctx


def test_mastodon_signs_in_through_the_browser(
    qtbot: QtBot, ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    name = f"gui{secrets.token_hex(4)}"
    mastodon.create_account(name)
    browser = TestBrowser(name)
    dialog = _dialog(qtbot, ctx, browser)
    dialog.select_network("mastodon")
    assert dialog.sign_in_button.text() == "Sign in with Mastodon"
    assert not dialog.sign_in_button.isEnabled()  # the server first
    dialog.show()
    assert dialog.inputs["access_token"].isHidden() is False and dialog.secret_host.isHidden()
    assert not dialog.connect_button.isVisible()
    _shoot(qtbot, dialog, "connect-mastodon-sign-in")
    dialog.inputs["instance"].setText(checking_mastodon.url)
    assert dialog.sign_in_button.isEnabled()

    with qtbot.waitSignal(dialog.connected, timeout=30000) as connected:
        dialog.sign_in_button.click()
    row = connected.args[0]
    assert row.handle.startswith(f"@{name}@") and row.status == "connected"
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [a.handle for a in accounts.list_accounts(ctx)] == [row.handle]
    assert checking_mastodon.refusals == []


def test_waiting_then_cancel_returns_to_the_button(
    qtbot: QtBot, ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    browser = TestBrowser("nobody")
    browser.idle = True
    dialog = _dialog(qtbot, ctx, browser)
    dialog.select_network("mastodon")
    dialog.inputs["instance"].setText(checking_mastodon.url)
    dialog.show()
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: bool(browser.opened), timeout=15000)
    assert dialog.waiting_row.isVisible() and dialog.waiting.text() == "Waiting for you to finish in the browser…"
    _shoot(qtbot, dialog, "connect-mastodon-waiting")
    dialog.cancel_sign_in.click()
    assert dialog.sign_in_button.isVisible() and not dialog.waiting_row.isVisible()
    redirect_uri = httpx.URL(browser.opened[0]).params["redirect_uri"]

    def listener_closed() -> bool:
        try:
            httpx.get(redirect_uri, timeout=1)
        except httpx.ConnectError:
            return True
        except httpx.TransportError:  # reset while it shuts down: ask again
            return False
        return False

    qtbot.waitUntil(listener_closed, timeout=10000)
    assert accounts.list_accounts(ctx) == []


def test_advanced_shows_the_token_form(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = _dialog(qtbot, ctx)
    dialog.select_network("mastodon")
    dialog.show()
    dialog.advanced.setChecked(True)
    assert dialog.advanced.text() == "Advanced: paste access token instead"
    assert dialog.secret_host.isVisible() and dialog.connect_button.isVisible()
    assert not dialog.sign_in_host.isVisible()
    _shoot(qtbot, dialog, "connect-mastodon-advanced")


def test_a_network_without_its_developer_app_says_where_to_enter_it(
    qtbot: QtBot, with_test_networks: AppContext
) -> None:
    ctx = with_test_networks
    dialog = _dialog(qtbot, ctx)
    networks = [dialog.network.itemData(i) for i in range(dialog.network.count())]
    assert "rotating" in networks and "unfinished" not in networks
    dialog.select_network("rotating")
    dialog.show()
    qtbot.waitUntil(lambda: dialog.missing_row.isVisible(), timeout=5000)
    assert "needs your own Rotating developer app" in dialog.missing.text()
    assert not dialog.sign_in_button.isEnabled()
    _shoot(qtbot, dialog, "connect-missing-app")

    oauth.save_app_credentials(ctx, "rotating", oauth.AppCredentials("my-client-id"))
    dialog.select_network("mastodon")
    dialog.select_network("rotating")
    qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled(), timeout=5000)
    assert not dialog.missing_row.isVisible()


def test_several_accounts_from_one_sign_in_are_picked(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = _dialog(qtbot, ctx)
    dialog.select_network("mastodon")
    dialog.show()
    found = tuple(
        ConnectedAccount(
            remote_id=str(i),
            handle=f"@page{i}@example",
            display_name=f"Page {i}",
            server_url="https://example",
            secrets={"access_token": f"t{i}"},
        )
        for i in (1, 2, 3)
    )
    dialog._signed_in(oauth.SignIn("mastodon", "https://example", found))
    assert dialog.picker.isVisible() and dialog.picker.count() == 3
    assert dialog.sign_in_button.text() == "Connect the chosen accounts"
    _shoot(qtbot, dialog, "connect-picker")
    dialog.picker.item(1).setCheckState(dialog.picker.item(1).checkState().Unchecked)
    rows = []
    dialog.connected.connect(rows.append)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: len(rows) == 2, timeout=10000)
    assert sorted(r.handle for r in accounts.list_accounts(ctx)) == ["@page1@example", "@page3@example"]


def test_declined_in_the_browser_is_said_in_words(
    qtbot: QtBot, ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    browser = TestBrowser("nobody")
    browser.deny = True
    dialog = _dialog(qtbot, ctx, browser)
    dialog.select_network("mastodon")
    dialog.inputs["instance"].setText(checking_mastodon.url)
    dialog.show()
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not dialog.error_row.isHidden(), timeout=30000)
    assert dialog.error.text() == "Mastodon did not give Campaign Desk access because you declined."
    assert dialog.explained is not None and dialog.explained.details == "The resource owner denied the request."
    assert dialog.sign_in_button.isVisible() and dialog.sign_in_button.isEnabled()  # try again
    _shoot(qtbot, dialog, "connect-mastodon-declined")


def test_open_network_apps_goes_to_settings(qtbot: QtBot, with_test_networks: AppContext) -> None:
    from desktop.ui.main_window import MainWindow

    window = MainWindow(with_test_networks)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("accounts")
    dialog = ConnectDialog(with_test_networks, window.runner, window.pages["accounts"])
    dialog.select_network("rotating")
    dialog.show()
    qtbot.waitUntil(lambda: dialog.missing_row.isVisible(), timeout=5000)
    dialog.open_network_apps.click()
    assert window.stack.currentWidget() is window.pages["settings"]
    assert dialog.result() == QDialog.DialogCode.Rejected
    # it lands on that network's entry, scrolled into view, the cursor in its client ID
    settings = window.pages["settings"]
    entry = settings.network_apps.apps["rotating"]
    qtbot.waitUntil(lambda: window.focusWidget() is entry.client_id, timeout=5000)
    viewport = settings.scroll_area.viewport()
    top_left = entry.mapTo(viewport, entry.rect().topLeft())
    assert settings.scroll_area.verticalScrollBar().value() > 0
    assert 0 <= top_left.y() < viewport.height()
    # the whole entry shows, and so does the section's title above it when both fit
    assert top_left.y() + entry.height() <= viewport.height()
    section = settings.network_apps
    section_top = section.mapTo(viewport, section.rect().topLeft()).y()
    if top_left.y() + entry.height() - section_top <= viewport.height():
        assert section_top >= 0
