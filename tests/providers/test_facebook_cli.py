"""``campaign-desk accounts add facebook`` (the user token on standard input) over the Graph fake: one
Page connects at once; several need ``--page NAME_OR_ID`` (without it: exit 2 listing them and the
flag, nothing stored); only the chosen Page's own token reaches the keyring."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import closing

import pytest

import desktop.cli.accounts as cli_accounts
import desktop.services.context as context_module
from desktop.cli import main
from desktop.services import accounts
from desktop.services.context import AppContext
from desktop.services.vault import account_key
from providers.registry import BUILTINS, Registry
from tests.gui.test_connect_facebook import FacebookOnFake
from tests.servers.facebook_fake import FacebookFake, running_facebook_fake


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FacebookFake]:
    with running_facebook_fake() as running:
        FacebookOnFake.fake_url = running.url
        builtins = tuple(b for b in BUILTINS if b[0] != "facebook")
        onfake = (*builtins, ("facebook", "tests.gui.test_connect_facebook:FacebookOnFake"))
        monkeypatch.setattr(cli_accounts, "Registry", lambda: Registry(builtins=onfake, entry_points_=()))
        monkeypatch.setattr(context_module, "Registry", lambda: Registry(builtins=onfake, entry_points_=()))
        yield running


def _add(monkeypatch: pytest.MonkeyPatch, token: str, *flags: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    return main(["accounts", "add", "facebook", *flags])


def _stored(fake: FacebookFake, name: str) -> dict[str, str] | None:
    page = next(p for p in fake.pages.values() if p.name == name)
    with closing(AppContext.open()) as ctx:
        return ctx.vault.load(account_key("facebook", fake.url, page.id))


def test_one_page_connects_at_once(
    fake: FacebookFake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = fake.create_user(1, names=["Corner Bakery"])
    assert _add(monkeypatch, token, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["account"]["display_name"] == "Corner Bakery"
    [page] = fake.pages.values()
    assert _stored(fake, "Corner Bakery") == {"access_token": page.token}


def test_several_pages_need_the_page_flag(
    fake: FacebookFake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = fake.create_user(2, names=["Corner Bakery", "Corner Cafe"])
    assert _add(monkeypatch, token) == 2
    err = capsys.readouterr().err
    assert "This token can post as 2 Facebook Pages: Corner Bakery (" in err and "Corner Cafe (" in err
    assert "Choose one with --page NAME_OR_ID" in err
    with closing(AppContext.open()) as ctx:
        assert accounts.list_accounts(ctx) == []
    assert _stored(fake, "Corner Bakery") is None and _stored(fake, "Corner Cafe") is None

    assert _add(monkeypatch, token, "--page", "Garage") == 2  # not one of its Pages: says which are
    assert "cannot post as 'Garage'. It can post as: Corner Bakery (" in capsys.readouterr().err

    assert _add(monkeypatch, token, "--page", "corner cafe") == 0
    assert "Connected Facebook Pages account cornercafe as #1." in capsys.readouterr().out
    cafe = next(p for p in fake.pages.values() if p.name == "Corner Cafe")
    assert _stored(fake, "Corner Cafe") == {"access_token": cafe.token}
    assert _stored(fake, "Corner Bakery") is None
    bakery = next(p for p in fake.pages.values() if p.name == "Corner Bakery")
    assert _add(monkeypatch, token, "--page", bakery.id, "--json") == 0  # by id too
    assert json.loads(capsys.readouterr().out)["account"]["display_name"] == "Corner Bakery"


def test_the_page_flag_is_in_the_help(fake: FacebookFake, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["accounts", "add", "facebook", "--help"])
    assert "--page NAME_OR_ID" in capsys.readouterr().out


def test_only_facebook_lists_accounts_from_a_pasted_token() -> None:
    """Other networks' pasted tokens still go through their own ``connect`` (Threads' sign-in
    ``accounts_from_tokens`` exchanges a code-flow token and must not see a pasted one)."""
    assert [c.info.id for c in Registry() if accounts.lists_accounts(c)] == ["facebook"]
