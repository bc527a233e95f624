"""``schedule --no-utm``: a campaign's links go out tagged, except the ones the user names."""

from __future__ import annotations

from providers.mastodon import plain_text
from tests.e2e.cli import run_cli
from tests.e2e.test_cli_publishing import _add_mastodon
from tests.servers.mastodon import MastodonMockServer

SHOP = "https://shop.example.com/spring"
DOCS = "https://docs.example.org/faq#returns"


def test_schedule_no_utm_leaves_that_link_alone_and_tags_the_others(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]
) -> None:
    env = subprocess_env
    account_id, token = _add_mastodon(mastodon_server, env)
    r = run_cli("campaigns", "add", "Spring launch", "--utm-source", "fediverse", env=env)
    assert r.code == 0, r.stderr
    text = f"New range: {SHOP} (returns: {DOCS})"
    r = run_cli(
        "schedule",
        "--account",
        str(account_id),
        "--text",
        text,
        "--campaign",
        "Spring launch",
        "--no-utm",
        DOCS,
        "--now",
        "--json",
        env=env,
    )
    assert r.code == 0, r.stderr
    assert r.json()["post"]["text"] == text  # stored as written

    r = run_cli("publish-due", "--json", env=env)
    assert r.code == 0, r.stderr
    me = mastodon_server.api("GET", "/api/v1/accounts/verify_credentials", token).json()
    (status,) = mastodon_server.api("GET", f"/api/v1/accounts/{me['id']}/statuses", token).json()
    assert plain_text(status["content"]) == (
        f"New range: {SHOP}?utm_source=fediverse&utm_medium=social&utm_campaign=spring-launch (returns: {DOCS})"
    )


def test_schedule_no_utm_of_a_link_not_in_the_text_is_bad_usage(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]
) -> None:
    env = subprocess_env
    account_id, _token = _add_mastodon(mastodon_server, env)
    r = run_cli(
        "schedule",
        "--account",
        str(account_id),
        "--text",
        f"Shop {SHOP}",
        "--no-utm",
        "https://elsewhere.example.net/",
        "--now",
        env=env,
    )
    assert r.code == 2
    assert "https://elsewhere.example.net/ is not a link in this post" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run_cli("posts", "list", "--json", env=env)
    assert r.json()["posts"] == []  # nothing saved


def test_check_with_a_campaign_counts_the_tagged_text(subprocess_env: dict[str, str]) -> None:
    env = subprocess_env
    assert run_cli("campaigns", "add", "Spring launch", env=env).code == 0
    text = "x" * 276 + " https://a.example/b"  # 296; its tags make the link long: 302 on Bluesky
    r = run_cli("check", "--network", "bluesky", "--text", text, "--json", env=env)
    assert r.code == 0 and r.json()["targets"][0]["length"] == 296
    r = run_cli("check", "--network", "bluesky", "--text", text, "--campaign", "Spring launch", "--json", env=env)
    assert r.code == 1 and r.json()["targets"][0]["length"] == 302
    r = run_cli(
        "check", "--network", "bluesky", "--text", text, "--campaign", "Spring launch", "--no-utm",
        "https://a.example/b", "--json", env=env,
    )  # fmt: skip
    assert r.code == 0 and r.json()["targets"][0]["length"] == 296
    r = run_cli("check", "--network", "bluesky", "--text", text, "--campaign", "Nope", env=env)
    assert r.code == 1 and "No campaign named 'Nope'" in r.stderr
