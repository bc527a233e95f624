"""The item models not covered next to their pages pass pytest-qt's model tester with real rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from desktop.services import compose
from desktop.services.accounts import list_accounts
from desktop.services.context import AppContext
from desktop.ui.accounts.model import AccountsModel
from desktop.ui.compose.media import MediaModel
from tests.gui.test_composer import picture
from tests.services.test_drafts import add_account


def test_the_accounts_model(qtmodeltester: ModelTester, ctx: AppContext) -> None:
    add_account(ctx, "mastodon", "@studio@social.example")
    add_account(ctx, "bluesky", "shop.bsky.example")
    model = AccountsModel()
    model.set_rows(list_accounts(ctx))
    qtmodeltester.check(model)
    handles = {model.index(r, AccountsModel.HANDLE).data() for r in range(model.rowCount())}
    assert handles == {"@studio@social.example", "shop.bsky.example"}
    model.set_rows([])  # emptied, as after removing the last account
    qtmodeltester.check(model)


def test_the_composer_media_model(qtmodeltester: ModelTester, ctx: AppContext, tmp_path: Path) -> None:
    refs = [
        compose.store_file(ctx, picture(tmp_path / f"{name}.png", color), alt_text=f"A {name} square")
        for name, color in (("red", "#e03131"), ("blue", "#1971c2"))
    ]
    model = MediaModel()
    model.set_rows(refs)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert "A red square" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled  # drag to reorder
