"""Settings › Network apps: the developer app for networks that need one, id in the DB, secret in
the keyring only, the exact redirect URI to register."""

from __future__ import annotations

from pathlib import Path

import keyring
from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desktop.services import oauth
from desktop.services.context import AppContext
from desktop.services.vault import SERVICE_NAME, app_key
from desktop.store.models import Setting
from desktop.ui import theme
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.settings import SettingsPage
from providers.registry import BUILTINS, Registry
from tests.gui.layout_check import layout_problems

SHOTS = Path("/tmp/helperE-shots")


def _settings(qtbot: QtBot, ctx: AppContext, size: tuple[int, int] = (1280, 800)) -> tuple[MainWindow, SettingsPage]:
    extra = (
        ("rotating", "tests.servers.oauth_rotating:RotatingProvider"),
        ("unfinished", "tests.servers.oauth_rotating:UnfinishedProvider"),
    )
    ctx.registry = Registry(builtins=BUILTINS + extra, entry_points_=())
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("settings")
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=10_000)
    page = window.pages["settings"]
    assert isinstance(page, SettingsPage)
    return window, page


def test_only_networks_that_need_a_developer_app_are_listed(qtbot: QtBot, ctx: AppContext) -> None:
    _window, page = _settings(qtbot, ctx)
    section = page.network_apps
    # Mastodon registers itself; an unavailable network is not offered; X needs the user's app
    assert list(section.apps) == ["rotating", "x"]
    # X takes a client secret only for a confidential ("Web App") client: the field is there, optional
    x_app = section.apps["x"]
    assert x_app.client_secret.isVisibleTo(page) and x_app.client_secret.placeholderText() == (
        "Only if your developer app has one"
    )
    app = section.apps["rotating"]
    assert app.redirect.text() == "http://127.0.0.1/callback"
    assert "turn on OAuth 2.0 with PKCE" in app.help.text() and "rotating.example/developers" in app.help.text()
    assert app.status.text() == "Not set up yet."


def test_saving_keeps_the_id_in_the_db_and_the_secret_in_the_keyring(qtbot: QtBot, ctx: AppContext) -> None:
    window, page = _settings(qtbot, ctx)
    app = page.network_apps.apps["rotating"]
    app.client_id.setText("client-123")
    app.client_secret.setText("s3cret-value")
    app.save.click()
    qtbot.waitUntil(lambda: app.status.text() == "Saved.", timeout=10_000)

    creds = oauth.app_credentials(ctx, "rotating")
    assert creds is not None and (creds.client_id, creds.client_secret) == ("client-123", "s3cret-value")
    with ctx.session() as s:
        stored = [str(v) for v in s.scalars(select(Setting.value))]
    assert not any("s3cret-value" in v for v in stored)
    assert "s3cret-value" in (keyring.get_password(SERVICE_NAME, app_key("rotating")) or "")
    assert app.client_secret.text() == "" and "Saved in your keyring" in app.client_secret.placeholderText()

    # an empty secret field keeps the saved secret
    app.client_id.setText("client-456")
    app.save.click()
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=10_000)
    creds = oauth.app_credentials(ctx, "rotating")
    assert creds is not None and (creds.client_id, creds.client_secret) == ("client-456", "s3cret-value")


def test_screenshots(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    SHOTS.mkdir(exist_ok=True)
    for size in ((900, 600), (1280, 800)):
        window, page = _settings(qtbot, ctx, size)
        scroll = page.findChild(QScrollArea)
        assert scroll is not None
        for mode in ("light", "dark"):
            theme.set_mode(qapp, mode)
            scroll.ensureWidgetVisible(page.network_apps, 0, 0)
            section = page.network_apps
            qtbot.waitUntil(lambda s=section: s.visibleRegion().boundingRect().height() > 100, timeout=5000)
            assert layout_problems(page.network_apps) == []
            window.grab().save(str(SHOTS / f"settings-network-apps-{size[0]}x{size[1]}-{mode}.png"))
        theme.set_mode(qapp, "light")
        window.close()
