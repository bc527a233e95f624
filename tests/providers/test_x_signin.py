"""Browser sign-in to X end to end: the app's OAuth flow (desktop.services.oauth) with X's
OAuthSpec, against the X fake's authorize page and token endpoint, which check the client, the
exact callback URI and PKCE (S256). The test plays the browser. Then the tokens act for the
account, and a refresh rotates them. The same flow through the connect dialog: without the
developer app it points to Settings › Network apps; with its client id, "Sign in with X" connects
the account.

The provider under test is XProvider with its OAuthSpec's URLs (and fixed callback port) pointed
at the fake; everything else is the real provider.
"""

from __future__ import annotations

import dataclasses
import itertools
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import keyring
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services import accounts, oauth
from desktop.services.context import AppContext
from desktop.services.vault import SERVICE_NAME, account_key
from desktop.ui import theme
from desktop.ui.accounts.connect_dialog import ConnectDialog
from desktop.ui.tasks import TaskRunner
from providers.base import Connection, ProviderInfo
from providers.registry import Registry
from providers.x import XProvider
from tests.gui.layout_check import layout_problems
from tests.servers.x_fake import XFake, running_x_fake


class LoopbackX(XProvider):
    """XProvider whose sign-in and API go to the fake (set per test by the ``signin`` fixture)."""

    api = ""

    def __init__(self) -> None:
        super().__init__(api_url=self.api)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fake() -> Iterator[XFake]:
    with running_x_fake() as server:
        yield server


@pytest.fixture
def ctx(isolated_home: Path, fake: XFake, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    spec = XProvider.info.oauth
    assert spec is not None
    loopback = dataclasses.replace(
        spec,
        authorize_url=f"{fake.url}/i/oauth2/authorize",
        token_url=f"{fake.url}/2/oauth2/token",
        redirect_port=_free_port(),
    )
    # shown in Connect whatever X's own flag says: this is the sign-in flow under test
    info: ProviderInfo = dataclasses.replace(XProvider.info, oauth=loopback, available=True)
    monkeypatch.setattr(LoopbackX, "info", info)
    monkeypatch.setattr(LoopbackX, "api", fake.url)
    registry = Registry(builtins=[("x", f"{__name__}:LoopbackX")], entry_points_=[])
    context = AppContext.open(registry=registry)
    yield context
    context.close()


def browser(tamper: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The user's browser, signed in to x.com: follows the authorize URL (changing ``tamper``'s
    query values first) and delivers X's redirect to the app's listener."""
    opened: list[str] = []

    def open_url(url: str) -> None:
        opened.append(url)
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()} | (tamper or {})
        with httpx.Client(timeout=10.0) as http:
            consent = http.get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}")
            if consent.status_code == 302:
                http.get(consent.headers["location"])

    open_url.opened = opened  # type: ignore[attr-defined]
    return open_url


def _spec(ctx: AppContext):  # type: ignore[no-untyped-def]
    spec = ctx.registry.get("x").info.oauth
    assert spec is not None
    return spec


def test_public_client_signs_in_stores_tokens_and_refreshes(ctx: AppContext, fake: XFake) -> None:
    fake.signed_in = fake.create_account("desk_team")
    callback = oauth.redirect_uri_to_register(_spec(ctx))
    fake.register_app("native-client", callback)
    oauth.save_app_credentials(ctx, "x", oauth.AppCredentials("native-client"))
    open_url = browser()

    result = oauth.sign_in(ctx, "x", open_browser=open_url, timeout=30)

    assert fake.refusals == []
    (account,) = result.accounts
    assert account.handle == "@desk_team"
    query = parse_qs(urlsplit(open_url.opened[0]).query)  # type: ignore[attr-defined]
    assert query["redirect_uri"] == [callback] and query["code_challenge_method"] == ["S256"]
    assert set(query["scope"][0].split()) == {
        "tweet.read",
        "tweet.write",
        "users.read",
        "media.write",
        "offline.access",
    }
    exchange = next(r for r in fake.requests if r[1] == "/2/oauth2/token")
    assert "authorization" not in {k.lower() for k in exchange[2]}  # a public client: client_id in the body
    assert parse_qs(exchange[3].decode())["client_id"] == ["native-client"]

    accounts.save_connected(ctx, "x", account)
    saved = ctx.vault.load(account_key("x", account.server_url, account.remote_id))
    assert saved is not None and saved["client_id"] == "native-client" and saved["refresh_token"]
    assert saved["access_token"] not in repr(account)
    raw = keyring.get_password(SERVICE_NAME, account_key("x", account.server_url, account.remote_id))
    assert raw is not None and saved["refresh_token"] in raw

    conn = Connection(account.server_url, account.remote_id, account.handle, saved)
    provider = ctx.registry.get("x")
    assert provider.account_metrics(conn).values["followers"] == 0
    fresh = provider.refresh(conn)
    assert fresh["refresh_token"] != saved["refresh_token"]
    assert provider.account_metrics(dataclasses.replace(conn, secrets=fresh)).values["posts"] == 0


def test_confidential_client_exchanges_with_basic_auth(ctx: AppContext, fake: XFake) -> None:
    fake.signed_in = fake.create_account("web_app_user")
    fake.register_app("web-client", oauth.redirect_uri_to_register(_spec(ctx)), client_secret="s3cret")
    oauth.save_app_credentials(ctx, "x", oauth.AppCredentials("web-client", "s3cret"))

    result = oauth.sign_in(ctx, "x", open_browser=browser(), timeout=30)

    assert fake.refusals == []
    exchange = next(r for r in fake.requests if r[1] == "/2/oauth2/token")
    assert {k.lower(): v for k, v in exchange[2].items()}["authorization"].startswith("Basic ")
    (account,) = result.accounts
    assert account.secrets["client_secret"] == "s3cret"
    conn = Connection(account.server_url, account.remote_id, account.handle, account.secrets)
    assert ctx.registry.get("x").refresh(conn)["access_token"] != account.secrets["access_token"]


def test_a_tampered_code_challenge_is_refused_by_the_token_endpoint(ctx: AppContext, fake: XFake) -> None:
    fake.signed_in = fake.create_account()
    fake.register_app("native-client", oauth.redirect_uri_to_register(_spec(ctx)))
    oauth.save_app_credentials(ctx, "x", oauth.AppCredentials("native-client"))
    forged = "A" * 43
    with pytest.raises(oauth.SignInError) as refused:
        oauth.sign_in(ctx, "x", open_browser=browser({"code_challenge": forged}), timeout=30)
    assert fake.refusals == ["code_verifier does not match the code_challenge"]
    assert refused.value.network_message == "invalid_grant"


# --- the connect dialog ------------------------------------------------------------------------

SHOTS = Path("/tmp/xl-shots")


def test_the_callback_to_register_is_the_fixed_port() -> None:
    spec = XProvider.info.oauth
    assert spec is not None
    assert oauth.redirect_uri_to_register(spec) == "http://127.0.0.1:8735/callback"


def _shoot(qtbot: QtBot, dialog: ConnectDialog, name: str) -> None:
    """Light and dark: the dialog as it opens, then enlarged by the user to the two screen sizes."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    SHOTS.mkdir(exist_ok=True)
    sizes = {"natural": None, "900x600": (900, 600), "1280x800": (1280, 800)}
    try:
        for mode, (label, size) in itertools.product(("light", "dark"), sizes.items()):
            theme.set_mode(app, mode)
            if size:
                dialog.resize(*size)
            else:
                dialog.adjustSize()
            dialog.show()
            qtbot.waitExposed(dialog)
            assert layout_problems(dialog) == []
            dialog.grab().save(str(SHOTS / f"{name}-{mode}-{label}.png"))
    finally:
        theme.set_mode(app, "light")


def test_connect_dialog_needs_the_developer_app_then_signs_in(qtbot: QtBot, ctx: AppContext, fake: XFake) -> None:
    fake.signed_in = fake.create_account("desk_team")
    fake.register_app("native-client", oauth.redirect_uri_to_register(_spec(ctx)))
    runner = TaskRunner()
    dialog = ConnectDialog(ctx, runner, open_browser=browser())
    qtbot.addWidget(dialog)
    assert [dialog.network.itemData(i) for i in range(dialog.network.count())] == ["x"]
    dialog.select_network("x")
    dialog.show()
    qtbot.waitUntil(lambda: dialog.missing_row.isVisible(), timeout=5000)
    assert dialog.missing.text().startswith("Signing in to X needs your own X developer app.")
    assert not dialog.sign_in_button.isEnabled()
    _shoot(qtbot, dialog, "connect-x-missing-app")

    oauth.save_app_credentials(ctx, "x", oauth.AppCredentials("native-client"))  # Settings › Network apps
    dialog.close()
    dialog = ConnectDialog(ctx, runner, open_browser=browser())
    qtbot.addWidget(dialog)
    dialog.select_network("x")
    dialog.show()
    qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled(), timeout=5000)
    assert dialog.sign_in_button.text() == "Sign in with X" and not dialog.missing_row.isVisible()
    _shoot(qtbot, dialog, "connect-x-sign-in")

    with qtbot.waitSignal(dialog.connected, timeout=30000) as connected:
        dialog.sign_in_button.click()
    assert connected.args[0].handle == "@desk_team"
    assert fake.refusals == []
    assert [a.handle for a in accounts.list_accounts(ctx)] == ["@desk_team"]
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=10000)
