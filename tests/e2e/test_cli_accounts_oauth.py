"""``accounts add`` for networks the command line cannot connect: a clear refusal, exit 2 (bad
usage, as for a network it does not know)."""

from __future__ import annotations

import pytest

import desktop.cli.accounts as cli_accounts
from desktop.cli import main
from providers.registry import BUILTINS, Registry


@pytest.fixture
def with_test_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = (
        ("rotating", "tests.servers.oauth_rotating:RotatingProvider"),  # browser sign-in only
        ("unfinished", "tests.servers.oauth_rotating:UnfinishedProvider"),  # available=False
    )
    monkeypatch.setattr(cli_accounts, "Registry", lambda: Registry(builtins=BUILTINS + extra, entry_points_=()))


def test_an_unavailable_network_is_refused_like_an_unknown_one(
    with_test_networks: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["accounts", "add", "unfinished"]) == 2
    err = capsys.readouterr().err
    assert "Unfinished is not available in this version of Campaign Desk yet." in err
    with pytest.raises(SystemExit) as unknown:
        main(["accounts", "add", "nosuchnetwork"])
    assert unknown.value.code == 2


def test_a_browser_only_network_says_to_connect_from_the_app(
    with_test_networks: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["accounts", "add", "rotating", "--json"]) == 2
    out, err = capsys.readouterr()
    assert "signing in through the browser" in err and "Accounts › Connect › Rotating" in err
    assert '"ok": false' in out


def test_unavailable_networks_are_not_offered_in_help(
    with_test_networks: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["accounts", "add", "--help"])
    out = capsys.readouterr().out
    assert "connect a Mastodon account" in out and "Unfinished" not in out
