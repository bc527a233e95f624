"""The Accounts page: pause and resume, reconnect, the keyring marker, and the selected account's card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.services.vault import account_key
from desktop.store.models import Account, AccountStatus, Variant, VariantState
from desktop.ui import theme
from desktop.ui.accounts.model import AccountsModel
from desktop.ui.pages.accounts import AccountsPage
from desktop.ui.tasks import TaskRunner
from tests.gui.layout_check import layout_problems
from tests.servers.mastodon import MastodonAccount, MastodonMockServer


def add_account(
    ctx: AppContext,
    provider: str,
    handle: str,
    *,
    name: str = "",
    settings: dict[str, str] | None = None,
    status: AccountStatus = AccountStatus.CONNECTED,
    detail: str = "",
    paused: bool = False,
    secrets: dict[str, str] | None = None,
) -> int:
    server = f"https://{provider}.example"
    with ctx.session() as s:
        account = Account(
            provider=provider,
            remote_id=handle,
            handle=handle,
            display_name=name,
            server_url=server,
            settings=settings or {},
            status=status,
            status_detail=detail,
            paused=paused,
        )
        s.add(account)
        s.flush()
        account_id = account.id
    if secrets is not None:
        ctx.vault.save(account_key(provider, server, handle), secrets)
    return account_id


def open_page(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> AccountsPage:
    theme.apply(qapp)
    page = AccountsPage(ctx, TaskRunner())
    qtbot.addWidget(page)
    page.resize(1100, 720)
    page.show()
    page.refresh()
    settle(qtbot, page)
    return page


def settle(qtbot: QtBot, page: AccountsPage) -> None:
    qtbot.waitUntil(lambda: page.runner.pending() == 0, timeout=10000)


def select_row(qtbot: QtBot, page: AccountsPage, account_id: int) -> None:
    page._select(account_id)
    settle(qtbot, page)
    assert page.selected() is not None and page.selected().id == account_id  # type: ignore[union-attr]


def stored(ctx: AppContext, account_id: int) -> Account:
    with ctx.session() as s:
        account = s.get(Account, account_id)
        assert account is not None
        s.expunge(account)
        return account


def status_cell(page: AccountsPage, account_id: int, role: Qt.ItemDataRole) -> object:
    (row,) = [r for r in range(page.model.rowCount()) if page.model.row_at(r).id == account_id]
    return page.model.index(row, AccountsModel.STATUS).data(role)


def test_pause_and_resume_the_selected_account(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    account_id = add_account(ctx, "mastodon", "@shop@masto.example")
    page = open_page(qtbot, ctx, qapp)
    assert page.selected().id == account_id  # type: ignore[union-attr]  # the first account is shown at once
    assert page.pause_button.text() == "Pause"

    page.pause_button.click()
    qtbot.waitUntil(lambda: page.pause_button.text() == "Resume", timeout=5000)
    assert stored(ctx, account_id).paused is True
    assert status_cell(page, account_id, Qt.ItemDataRole.DisplayRole) == "Connected · paused"
    assert page.selected().id == account_id  # type: ignore[union-attr]  # still selected

    page.pause_button.click()
    qtbot.waitUntil(lambda: page.pause_button.text() == "Pause", timeout=5000)
    assert stored(ctx, account_id).paused is False
    assert status_cell(page, account_id, Qt.ItemDataRole.DisplayRole) == "Connected"


def test_reconnect_is_offered_only_to_accounts_that_need_it(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    ok = add_account(ctx, "mastodon", "@a@masto.example")
    expired = add_account(ctx, "mastodon", "@b@masto.example", status=AccountStatus.NEEDS_RECONNECT)
    gone = add_account(ctx, "mastodon", "@c@masto.example", status=AccountStatus.DISCONNECTED)
    page = open_page(qtbot, ctx, qapp)
    for account_id, offered in ((ok, False), (expired, True), (gone, True)):
        select_row(qtbot, page, account_id)
        assert page.reconnect_button.isVisible() is offered
    assert not page.disconnect_button.isEnabled()  # already disconnected
    assert [status_cell(page, i, Qt.ItemDataRole.DisplayRole) for i in (ok, expired, gone)] == [
        "Connected",
        "Needs reconnect",
        "Disconnected",
    ]


def test_reconnect_prefills_the_form_and_updates_the_same_account(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, masto: MastodonAccount
) -> None:
    schedule_post(ctx, account_ids=[masto.id], text="Back soon", at=datetime.now(UTC) + timedelta(days=1))
    with ctx.session() as s:
        s.get(Account, masto.id).status = AccountStatus.NEEDS_RECONNECT  # type: ignore[union-attr]
        for v in s.scalars(select(Variant).where(Variant.account_id == masto.id)):
            v.state = VariantState.NEEDS_RECONNECT
    page = open_page(qtbot, ctx, qapp)
    select_row(qtbot, page, masto.id)

    page.reconnect_button.click()
    qtbot.waitUntil(lambda: page.connect_dialog is not None, timeout=5000)
    dialog = page.connect_dialog
    assert dialog is not None and dialog.reconnecting
    assert dialog.network.currentData() == "mastodon" and not dialog.network.isEnabled()
    assert dialog.inputs["instance"].text() == masto.server.url
    assert dialog.inputs["access_token"].text() == ""  # secrets are never prefilled
    assert not dialog.connect_button.isEnabled() and dialog.connect_button.text() == "Reconnect"

    dialog.inputs["access_token"].setText(masto.token)
    with qtbot.waitSignal(dialog.connected, timeout=15000):
        dialog.connect_button.click()
    settle(qtbot, page)
    with ctx.session() as s:
        assert s.scalars(select(Account.id)).all() == [masto.id]  # the same account, updated
        assert s.get(Account, masto.id).status == AccountStatus.CONNECTED  # type: ignore[union-attr]
        states = s.scalars(select(Variant.state).where(Variant.account_id == masto.id)).all()
    assert states == [VariantState.SCHEDULED]  # its held post resumes
    assert page.selected().id == masto.id and not page.reconnect_button.isVisible()  # type: ignore[union-attr]


def test_connected_accounts_are_marked_when_the_keyring_does_not_encrypt(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication
) -> None:
    # the tests' file keyring is plaintext, allowed through CAMPAIGN_DESK_ALLOW_INSECURE_KEYRING
    assert not ctx.vault.status().secure
    ok = add_account(ctx, "mastodon", "@a@masto.example")
    gone = add_account(ctx, "mastodon", "@b@masto.example", status=AccountStatus.DISCONNECTED, detail="Bye.")
    page = open_page(qtbot, ctx, qapp)
    assert status_cell(page, ok, Qt.ItemDataRole.DecorationRole) is not None
    assert "stored unencrypted" in str(status_cell(page, ok, Qt.ItemDataRole.ToolTipRole))
    assert status_cell(page, gone, Qt.ItemDataRole.DecorationRole) is None
    assert status_cell(page, gone, Qt.ItemDataRole.ToolTipRole) == "Bye."
    assert page.banner.isVisible() and "does not encrypt" in page.banner.label.text()
    assert "PlaintextKeyring" not in page.banner.label.text()  # class names live in Diagnostics


def test_details_of_a_mastodon_account_list_its_declared_metrics(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication
) -> None:
    add_account(ctx, "mastodon", "@shop@masto.example", name="The Shop", secrets={"access_token": "t"})
    page = open_page(qtbot, ctx, qapp)
    card = page.details
    assert card.server.text() == "https://mastodon.example"
    assert (card.title.text(), card.name.text()) == ("@shop@masto.example  ·  Mastodon", "The Shop")
    assert card.limits.text() == "500 characters · 4 media · threads up to 25"
    assert card.post_metrics.text() == "Likes, reposts, replies, quotes"
    assert card.account_metrics.text() == "Followers, following, posts"
    assert card.note.isHidden()


def test_details_of_a_bluesky_account_without_appview_say_there_are_no_metrics(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication
) -> None:
    add_account(
        ctx,
        "bluesky",
        "shop.bsky.social",
        settings={"service": "https://bsky.social", "appview": "none"},
        secrets={"access_jwt": "a", "refresh_jwt": "r"},
    )
    page = open_page(qtbot, ctx, qapp)
    card = page.details
    assert (card.post_metrics.text(), card.account_metrics.text()) == ("None", "None")
    assert card.note.isVisible()
    assert card.note.text().startswith("No metrics: this Bluesky account has no AppView configured.")
    assert card.limits.text().startswith("300 characters · 4 media")


def test_posting_times_opens_the_queue_for_the_account(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    add_account(ctx, "mastodon", "@a@masto.example")
    second = add_account(ctx, "mastodon", "@b@masto.example")
    page = open_page(qtbot, ctx, qapp)
    select_row(qtbot, page, second)
    sent: list[object] = []
    page.navigate.connect(lambda key: sent.append(key))
    page.open_queue_for.connect(lambda account_id: sent.append(account_id))
    page.queue_button.click()
    assert sent == ["queue", second]


def test_screenshot_with_three_accounts(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, screenshot_dir: Path
) -> None:
    add_account(ctx, "mastodon", "@shop@mastodon.social", name="Corner Shop", secrets={"access_token": "t"})
    add_account(
        ctx,
        "bluesky",
        "cornershop.bsky.social",
        name="Corner Shop",
        status=AccountStatus.NEEDS_RECONNECT,
        detail="Bluesky did not accept the saved app password.",
        settings={"service": "https://bsky.social", "appview": "none"},
        secrets={"access_jwt": "a"},
    )
    add_account(ctx, "mastodon", "@events@fosstodon.org", name="Shop Events", paused=True)
    page = open_page(qtbot, ctx, qapp)
    bluesky = next(r.id for r in page.model.rows() if r.network == "bluesky")
    select_row(qtbot, page, bluesky)
    assert page.reconnect_button.isVisible()
    assert page.details.note.text().startswith("Bluesky did not accept the saved app password.\nNo metrics:")
    qapp.processEvents()  # let the card's layout settle before the picture
    assert page.grab().save(str(screenshot_dir / "accounts-page.png"))
    page.resize(880, 620)  # the main window's narrowest content area
    qapp.processEvents()
    assert page.grab().save(str(screenshot_dir / "accounts-page-narrow.png"))


def _keyring_entries(ctx: AppContext) -> str:
    import keyring

    path = Path(keyring.get_keyring().file_path)  # type: ignore[attr-defined]
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_cancel_while_connecting_stores_nothing_and_raises_nothing(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, mastodon: MastodonMockServer
) -> None:
    token = mastodon.create_account()
    page = open_page(qtbot, ctx, qapp)
    errors: list[object] = []
    page.runner.unhandled_error.connect(lambda _name, exc: errors.append(exc))
    # the server takes 1.5 s to answer verify_credentials: Cancel lands while the network is asked
    mastodon.inject_fault(path="/api/v1/accounts/verify_credentials", effect="latency", delay_ms=1500)
    dialog = page.open_connect_dialog()
    dialog.select_network("mastodon")
    dialog.inputs["instance"].setText(mastodon.url)
    dialog.inputs["access_token"].setText(token)
    connected: list[object] = []
    dialog.connected.connect(connected.append)
    dialog.connect_button.click()
    assert dialog.connect_button.text() == "Connecting…"
    task = dialog.task
    assert task is not None
    # Cancel once the request is at the server (its one-shot fault rule is used up on arrival)
    qtbot.waitUntil(lambda: mastodon.api("GET", "/api/v1/_mock/faults").json() == [], timeout=5000)
    assert not task.done
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert task.cancelled
    qtbot.waitUntil(lambda: page.connect_dialog is None, timeout=5000)  # closed and deleted
    settle(qtbot, page)  # the connect settles (after the slow answer) with nothing to deliver
    assert task.done
    with ctx.session() as s:
        assert s.scalars(select(Account)).all() == []
    assert token not in _keyring_entries(ctx)
    assert connected == [] and errors == []
    assert page.stack.currentWidget() is page.empty


def test_a_refused_connection_is_a_sentence_with_the_systems_words_under_details(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, screenshot_dir: Path
) -> None:
    from tests.servers.mastodon import closed_port

    page = open_page(qtbot, ctx, qapp)
    theme.apply(qapp, "dark")
    dialog = page.open_connect_dialog()
    dialog.select_network("mastodon")
    dialog.inputs["instance"].setText(f"http://127.0.0.1:{closed_port()}")
    dialog.inputs["access_token"].setText("token-123")
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.error_row.isVisible(), timeout=15000)
    text = dialog.error.text()
    assert text.startswith("Campaign Desk couldn't reach 127.0.0.1:")
    assert "Errno" not in text and "refused" not in text.lower()
    assert dialog.explained is not None and "refused" in dialog.explained.details.lower()
    assert dialog.details_button.isVisible()
    dialog.show_details()
    box = dialog.findChild(QMessageBox, "ErrorBox")
    assert box is not None and "refused" in box.detailedText().lower()
    assert box.text() == text
    box.close()
    qapp.processEvents()
    assert layout_problems(dialog) == []
    dialog.grab().save(str(screenshot_dir / "connect-refused-dark.png"))
    assert dialog.inputs["access_token"].text() == "token-123" and dialog.connect_button.isEnabled()
    with ctx.session() as s:
        assert s.scalars(select(Account)).all() == []


def _three_accounts(ctx: AppContext) -> int:
    add_account(
        ctx,
        "mastodon",
        "@corner.shop.downtown.bakery@mastodon.social",
        name="Corner Shop Downtown Bakery & Café",
        secrets={"access_token": "t"},
    )
    bluesky = add_account(
        ctx,
        "bluesky",
        "corner-shop-downtown-bakery.bsky.social",
        name="Corner Shop Downtown",
        status=AccountStatus.NEEDS_RECONNECT,
        detail="Bluesky did not accept the saved app password (AuthenticationRequired: Invalid identifier or "
        "password). Reconnect with a new app password from Settings → Privacy and security → App passwords.",
        settings={"service": "https://bsky.social", "appview": "none"},
        secrets={"access_jwt": "a"},
    )
    add_account(ctx, "mastodon", "@events.and.workshops@fosstodon.org", name="Shop Events & Workshops", paused=True)
    return bluesky


@pytest.mark.parametrize("size", [(900, 600), (1280, 800)])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_accounts_page_and_dialogs_fit(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, screenshot_dir: Path, size: tuple[int, int], mode: str
) -> None:
    from desktop.services import app_settings
    from desktop.ui.main_window import MainWindow

    app_settings.put(ctx, app_settings.FIRST_RUN_DISMISSED, True)  # the page as a returning user sees it
    bluesky = _three_accounts(ctx)
    theme.apply(qapp, mode)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("accounts")
    page = window.pages["accounts"]
    assert isinstance(page, AccountsPage)
    settle(qtbot, page)
    for account_id in [r.id for r in page.model.rows()]:
        select_row(qtbot, page, account_id)
        qapp.processEvents()
        assert layout_problems(window) == [], account_id
    select_row(qtbot, page, bluesky)
    qapp.processEvents()
    assert page.details.note.isVisible() and "App passwords." in page.details.note.text()  # whole, wrapped
    window.grab().save(str(screenshot_dir / f"accounts-{mode}-{size[0]}.png"))
    theme.apply(qapp, "light" if mode == "dark" else "dark")  # switched while shown
    qapp.processEvents()
    assert layout_problems(window) == []
    window.grab().save(str(screenshot_dir / f"accounts-{mode}-{size[0]}-switched.png"))

    dialog = page.open_connect_dialog()
    dialog.select_network("bluesky")
    qtbot.waitExposed(dialog)
    qapp.processEvents()
    assert layout_problems(dialog) == []
    dialog.grab().save(str(screenshot_dir / "connect-refused-dark.png"))
    dialog.grab().save(str(screenshot_dir / f"connect-{mode}-{size[0]}.png"))
    dialog.reject()
