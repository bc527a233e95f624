"""Connecting a Facebook Page in the connect dialog: hidden while the provider is not available; with it
made available over the Graph fake (tests/servers/facebook_fake.py), a pasted user token that manages
several Pages is answered with their names, the Page named in "Page" is connected, and only that Page's
own token reaches the keyring."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services.context import AppContext
from desktop.services.vault import account_key
from desktop.ui import theme
from desktop.ui.accounts.connect_dialog import ConnectDialog
from desktop.ui.tasks import TaskRunner
from providers.facebook import FacebookProvider
from providers.registry import BUILTINS, Registry
from tests.gui.layout_check import layout_problems
from tests.servers.facebook_fake import FacebookFake, running_facebook_fake

SIZES = ((900, 600), (1280, 800))


class FacebookOnFake(FacebookProvider):
    """The Facebook provider, offered in Connect and talking to the test's Graph fake."""

    info = dataclasses.replace(FacebookProvider.info, available=True)
    fake_url = ""

    def __init__(self) -> None:
        super().__init__(api_url=type(self).fake_url)


@pytest.fixture
def fake() -> Iterator[FacebookFake]:
    with running_facebook_fake() as running:
        FacebookOnFake.fake_url = running.url
        yield running


def _dialog(qtbot: QtBot, ctx: AppContext) -> ConnectDialog:
    runner = TaskRunner()
    dialog = ConnectDialog(ctx, runner)
    qtbot.addWidget(dialog)
    dialog.runner_ref = runner  # type: ignore[attr-defined] - keep the runner alive with the dialog
    return dialog


def _shoot(qtbot: QtBot, dialog: ConnectDialog, folder: Path, name: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    dialog.show()
    qtbot.waitExposed(dialog)
    for mode in ("light", "dark"):
        theme.set_mode(app, mode)
        dialog.adjustSize()  # as it opens
        assert layout_problems(dialog) == []
        dialog.grab().save(str(folder / f"{name}-natural-{mode}.png"))
        for width, height in SIZES:  # as large as the main window at its two reference sizes
            dialog.resize(width, height)
            assert layout_problems(dialog) == []
            dialog.grab().save(str(folder / f"{name}-{width}x{height}-{mode}.png"))
    theme.set_mode(app, "light")
    dialog.adjustSize()


def test_facebook_is_not_offered_while_it_is_not_available(qtbot: QtBot, ctx: AppContext) -> None:
    assert FacebookProvider.info.available is False
    assert _dialog(qtbot, ctx).network.findData("facebook") == -1


def test_a_pasted_user_token_connects_the_page_named_with_its_own_token(
    qtbot: QtBot, ctx: AppContext, fake: FacebookFake, screenshot_dir: Path
) -> None:
    builtins = tuple(b for b in BUILTINS if b[0] != "facebook")
    ctx.registry = Registry(
        builtins=(*builtins, ("facebook", "tests.gui.test_connect_facebook:FacebookOnFake")), entry_points_=()
    )
    user_token = fake.create_user(2, names=["Corner Bakery", "Corner Cafe"])
    dialog = _dialog(qtbot, ctx)
    dialog.select_network("facebook")
    assert dialog.network.currentText() == "Facebook Pages"
    assert set(dialog.inputs) == {"access_token", "page"}
    assert not dialog.sign_in_host.isVisibleTo(dialog)  # no browser sign-in: the token form
    dialog.inputs["access_token"].setText(user_token)
    _shoot(qtbot, dialog, screenshot_dir, "connect-facebook-token")

    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.error_row.isVisibleTo(dialog), timeout=20000)
    assert "manages 2 Pages" in dialog.error.text() and "Corner Cafe (" in dialog.error.text()
    assert dialog.inputs["access_token"].text() == user_token  # everything typed stays
    _shoot(qtbot, dialog, screenshot_dir, "connect-facebook-pick-page")

    dialog.inputs["page"].setText("Corner Cafe")
    with qtbot.waitSignal(dialog.connected, timeout=20000) as connected:
        dialog.connect_button.click()
    row = connected.args[0]
    cafe = next(p for p in fake.pages.values() if p.name == "Corner Cafe")
    assert (row.display_name, row.status) == ("Corner Cafe", "connected")
    assert ctx.vault.load(account_key("facebook", fake.url, cafe.id)) == {"access_token": cafe.token}
    assert user_token not in str(ctx.vault.load(account_key("facebook", fake.url, cafe.id)))
