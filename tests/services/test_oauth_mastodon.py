"""Browser sign-in end to end against mastodon-mock behind a checking authorization layer.

The test plays the browser (tests.servers.oauth_checking.TestBrowser): it follows the authorize
URL, consents, and is sent back to the app's loopback listener; the server checks PKCE, the
client and the redirect URI; tokens land in the keyring.
"""

# ruff: noqa: F811 - checking_mastodon is a fixture imported from tests.servers.oauth_checking
from __future__ import annotations

import secrets
import threading
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import keyring
import pytest

from desktop.services import accounts, oauth
from desktop.services.context import AppContext
from desktop.services.vault import SERVICE_NAME, account_key, app_key
from tests.servers.mastodon import MastodonMockServer
from tests.servers.oauth_checking import CheckingProxy, TestBrowser, checking_mastodon, s256  # noqa: F401


def _user(mastodon: MastodonMockServer) -> str:
    name = f"oa{secrets.token_hex(4)}"
    mastodon.create_account(name)
    return name


class _Token:
    def __init__(self) -> None:
        self.event = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()


def test_sign_in_stores_the_token_in_the_keyring(
    ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    name = _user(mastodon)
    browser = TestBrowser(name)

    result = oauth.sign_in(ctx, "mastodon", server_url=checking_mastodon.url, open_browser=browser.open, timeout=30)

    (account,) = result.accounts
    assert account.handle.startswith(f"@{name}@")
    assert checking_mastodon.refusals == []
    assert browser.pages[0].status_code == 200 and "close this tab" in browser.pages[0].text
    url = urlsplit(browser.opened[0])
    q = parse_qs(url.query)
    assert q["code_challenge_method"] == ["S256"] and len(q["state"][0]) >= 32
    assert q["redirect_uri"][0].startswith("http://127.0.0.1:")
    row = accounts.save_connected(ctx, "mastodon", account)
    secrets_saved = ctx.vault.load(account_key("mastodon", account.server_url, account.remote_id))
    assert secrets_saved is not None
    # the token works: it is the one the server issued for this user
    assert mastodon.account_id(secrets_saved["access_token"]) == account.remote_id
    assert accounts.get_account(ctx, row.id).status == "connected"
    # the app's registration: client id in the DB, secret in the keyring only
    creds = oauth.app_credentials(ctx, "mastodon", checking_mastodon.url)
    assert creds is not None and creds.client_id in checking_mastodon.apps
    raw = keyring.get_password(SERVICE_NAME, app_key("mastodon", checking_mastodon.url))
    assert raw is not None and checking_mastodon.apps[creds.client_id]["client_secret"] in raw
    assert creds.client_secret not in repr(creds)


def test_registration_is_cached_per_server(
    ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    for _ in range(2):
        oauth.sign_in(
            ctx,
            "mastodon",
            server_url=checking_mastodon.url,
            open_browser=TestBrowser(_user(mastodon)).open,
            timeout=30,
        )
    assert checking_mastodon.app_registrations == 1


def test_wrong_verifier_is_refused_by_the_server(
    ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    """The checking layer really checks: a code asked for with another challenge than the
    app's verifier answers gets no token."""
    browser = TestBrowser(_user(mastodon))

    def tamper_challenge(url: str) -> None:  # the browser is handed a challenge for another verifier
        parts = urlsplit(url)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        q["code_challenge"] = s256("another-verifier-" + "x" * 40)
        browser.open(urlunsplit(parts._replace(query=urlencode(q))))

    with pytest.raises(oauth.SignInError) as err:
        oauth.sign_in(ctx, "mastodon", server_url=checking_mastodon.url, open_browser=tamper_challenge, timeout=30)
    assert checking_mastodon.refusals == ["code_verifier does not match the code_challenge"]
    assert "invalid" in err.value.network_message


def test_wrong_redirect_uri_is_refused_by_the_server(
    ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    browser = TestBrowser(_user(mastodon))

    def other_redirect(url: str) -> None:
        parts = urlsplit(url)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        q["redirect_uri"] = "http://127.0.0.1:1/elsewhere"
        browser.idle = True
        browser.open(urlunsplit(parts._replace(query=urlencode(q))))

    with pytest.raises(oauth.SignInTimedOut):
        oauth.sign_in(ctx, "mastodon", server_url=checking_mastodon.url, open_browser=other_redirect, timeout=0.5)
    import httpx

    assert httpx.get(browser.opened[0]).status_code == 400  # not registered: the server says so


def test_wrong_state_is_refused_and_the_flow_keeps_waiting(
    ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    browser = TestBrowser(_user(mastodon))

    def forged(location: str) -> str:
        parts = urlsplit(location)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        q["state"] = "forged"
        return urlunsplit(parts._replace(query=urlencode(q)))

    browser.tamper = forged
    with pytest.raises(oauth.SignInTimedOut):
        oauth.sign_in(ctx, "mastodon", server_url=checking_mastodon.url, open_browser=browser.open, timeout=0.5)
    assert browser.pages[0].status_code == 400
    assert "not waiting for this sign-in" in browser.pages[0].text
    assert checking_mastodon.token_requests == 0  # the forged code was never exchanged


def test_a_second_redirect_is_ignored(
    ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    name = _user(mastodon)
    browser = TestBrowser(name)
    browser.second_redirect = "{redirect_uri}?code=attacker&state={state}"

    result = oauth.sign_in(ctx, "mastodon", server_url=checking_mastodon.url, open_browser=browser.open, timeout=30)

    assert result.accounts[0].handle.startswith(f"@{name}@")
    assert "already finished" in browser.pages[1].text
    assert checking_mastodon.token_requests == 1 and checking_mastodon.refusals == []


def test_denied_in_the_browser(ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy) -> None:
    browser = TestBrowser(_user(mastodon))
    browser.deny = True
    with pytest.raises(oauth.SignInDenied) as err:
        oauth.sign_in(ctx, "mastodon", server_url=checking_mastodon.url, open_browser=browser.open, timeout=30)
    assert "because you declined" in err.value.message
    assert err.value.network_message == "The resource owner denied the request."
    assert "not completed" in browser.pages[0].text


def test_timeout_and_nothing_stored(
    ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    browser = TestBrowser(_user(mastodon))
    browser.idle = True
    with pytest.raises(oauth.SignInTimedOut, match="not finished in the browser"):
        oauth.sign_in(ctx, "mastodon", server_url=checking_mastodon.url, open_browser=browser.open, timeout=0.3)
    assert accounts.list_accounts(ctx) == []


def test_cancel_stops_waiting_and_closes_the_listener(
    ctx: AppContext, mastodon: MastodonMockServer, checking_mastodon: CheckingProxy
) -> None:
    import httpx

    browser = TestBrowser(_user(mastodon))
    browser.idle = True
    token = _Token()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            oauth.sign_in(
                ctx,
                "mastodon",
                server_url=checking_mastodon.url,
                open_browser=browser.open,
                cancel=token,
                timeout=120,
            )
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    while not browser.opened:  # the flow is waiting for the browser once it opened it
        worker.join(0.05)
    token.event.set()
    worker.join(10)
    assert not worker.is_alive()
    assert isinstance(outcome[0], oauth.SignInCancelled)
    redirect_uri = parse_qs(urlsplit(browser.opened[0]).query)["redirect_uri"][0]
    with pytest.raises(httpx.ConnectError):  # nobody listens any more
        httpx.get(redirect_uri, timeout=2)
