"""Connecting Facebook Pages in the connect dialog, over the Graph fake (tests/servers/facebook_fake.py):
a pasted user token that manages one Page connects it at once; one that manages several lists them in
the account picker, only the ticked Pages' own tokens reach the keyring (the user token never does), a
new token clears the list, and Cancel stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services import accounts
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
    """The Facebook provider, talking to the test's Graph fake."""

    fake_url = ""

    def __init__(self) -> None:
        super().__init__(api_url=type(self).fake_url)


@pytest.fixture
def fake(ctx: AppContext) -> Iterator[FacebookFake]:
    with running_facebook_fake() as running:
        FacebookOnFake.fake_url = running.url
        builtins = tuple(b for b in BUILTINS if b[0] != "facebook")
        ctx.registry = Registry(
            builtins=(*builtins, ("facebook", "tests.gui.test_connect_facebook:FacebookOnFake")), entry_points_=()
        )
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


def _stored(ctx: AppContext, fake: FacebookFake, name: str) -> dict[str, str] | None:
    page = next(p for p in fake.pages.values() if p.name == name)
    return ctx.vault.load(account_key("facebook", fake.url, page.id))


def _paste(qtbot: QtBot, ctx: AppContext, token: str) -> ConnectDialog:
    dialog = _dialog(qtbot, ctx)
    dialog.select_network("facebook")
    assert dialog.network.currentText() == "Facebook Pages"
    assert set(dialog.inputs) == {"access_token"}  # no free-text Page field
    assert not dialog.sign_in_host.isVisibleTo(dialog)  # no browser sign-in: the token form
    dialog.inputs["access_token"].setText(token)
    return dialog


def test_facebook_is_offered_in_connect(qtbot: QtBot, ctx: AppContext) -> None:
    assert FacebookProvider.info.available is True
    assert _dialog(qtbot, ctx).network.findData("facebook") >= 0


def test_a_token_with_one_page_connects_it_at_once(qtbot: QtBot, ctx: AppContext, fake: FacebookFake) -> None:
    token = fake.create_user(1, names=["Corner Bakery"])
    dialog = _paste(qtbot, ctx, token)
    with qtbot.waitSignal(dialog.connected, timeout=20000) as connected:
        dialog.connect_button.click()
    assert (connected.args[0].display_name, connected.args[0].status) == ("Corner Bakery", "connected")
    assert dialog.picker_host.isHidden()
    [page] = fake.pages.values()
    assert _stored(ctx, fake, "Corner Bakery") == {"access_token": page.token}


def test_a_token_with_several_pages_lists_them_and_stores_only_the_ticked_ones(
    qtbot: QtBot, ctx: AppContext, fake: FacebookFake, screenshot_dir: Path
) -> None:
    user_token = fake.create_user(3, names=["Corner Bakery", "Corner Cafe", "Corner Books"])
    dialog = _paste(qtbot, ctx, user_token)
    _shoot(qtbot, dialog, screenshot_dir, "connect-facebook-token")

    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.picker_host.isVisibleTo(dialog), timeout=20000)
    assert [dialog.picker.item(i).text().split("  ")[0] for i in range(dialog.picker.count())] == [
        "Corner Bakery",
        "Corner Cafe",
        "Corner Books",
    ]
    assert dialog.picker_label.text() == "This token can post as 3 Facebook Pages. Choose the ones to connect:"
    assert dialog.connect_button.text() == "Connect the chosen accounts" and dialog.connect_button.isEnabled()
    assert dialog.error_row.isHidden()
    assert accounts.list_accounts(ctx) == [] and _stored(ctx, fake, "Corner Cafe") is None  # nothing yet
    assert dialog.inputs["access_token"].text() == user_token  # everything typed stays
    _shoot(qtbot, dialog, screenshot_dir, "connect-facebook-pick-pages")

    for i in range(dialog.picker.count()):  # none ticked: nothing to connect
        dialog.picker.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert not dialog.connect_button.isEnabled()
    dialog.picker.item(1).setCheckState(Qt.CheckState.Checked)
    dialog.picker.item(2).setCheckState(Qt.CheckState.Checked)
    rows: list[accounts.AccountRow] = []
    dialog.connected.connect(rows.append)
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: len(rows) == 2, timeout=20000)
    assert sorted(r.display_name for r in accounts.list_accounts(ctx)) == ["Corner Books", "Corner Cafe"]
    for name in ("Corner Cafe", "Corner Books"):
        page = next(p for p in fake.pages.values() if p.name == name)
        assert _stored(ctx, fake, name) == {"access_token": page.token}
    assert _stored(ctx, fake, "Corner Bakery") is None
    assert user_token not in str([_stored(ctx, fake, n) for n in ("Corner Cafe", "Corner Books")])


def test_cancel_with_the_pages_listed_stores_nothing(qtbot: QtBot, ctx: AppContext, fake: FacebookFake) -> None:
    dialog = _paste(qtbot, ctx, fake.create_user(2, names=["Corner Bakery", "Corner Cafe"]))
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.picker_host.isVisibleTo(dialog), timeout=20000)
    dialog.reject()
    assert accounts.list_accounts(ctx) == []
    assert _stored(ctx, fake, "Corner Bakery") is None and _stored(ctx, fake, "Corner Cafe") is None


def test_a_new_token_clears_the_pages_listed(qtbot: QtBot, ctx: AppContext, fake: FacebookFake) -> None:
    dialog = _paste(qtbot, ctx, fake.create_user(2, names=["Corner Bakery", "Corner Cafe"]))
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.picker_host.isVisibleTo(dialog), timeout=20000)
    other = fake.create_user(1, names=["Harbour Deli"])
    dialog.inputs["access_token"].setText(other)
    assert dialog.picker_host.isHidden() and dialog.picker.count() == 0
    assert dialog.connect_button.text() == "Connect"
    with qtbot.waitSignal(dialog.connected, timeout=20000) as connected:
        dialog.connect_button.click()
    assert connected.args[0].display_name == "Harbour Deli"
    assert [r.display_name for r in accounts.list_accounts(ctx)] == ["Harbour Deli"]
