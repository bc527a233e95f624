"""A thread whose second part the server refuses, driven through the command line: the live part is
reported, a retry never sends it again, and once the part is fixed the thread completes — each part
on the server exactly once, each replying to the one before."""

from __future__ import annotations

import itertools

from desktop.services import compose
from desktop.services.context import AppContext
from tests.e2e.cli import run_cli
from tests.servers.mastodon import MastodonMockServer, connection_for

FIRST = "A thread from the command line, part one."
# Campaign Desk counts a link as 23 characters (as Mastodon does); mastodon-mock counts it in full,
# so the server refuses this part although the app accepts it: a refusal of part 2 only.
REFUSED = "Part two, with a long link: https://example.com/" + "a" * 480
FIXED = "Part two, with a short link: https://example.com/a"
THIRD = "Part three, the end."


def _statuses(server: MastodonMockServer, token: str, remote_id: str) -> list[dict]:
    r = server.api("GET", f"/api/v1/accounts/{remote_id}/statuses", token, params={"limit": "40"})
    r.raise_for_status()
    return list(reversed(r.json()))


def test_refused_second_part_then_fixed_and_retried(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]
) -> None:
    env = subprocess_env
    token = mastodon_server.create_account()
    r = run_cli("accounts", "add", "mastodon", "--instance", mastodon_server.url, "--json", env=env, stdin=token + "\n")
    assert r.code == 0, r.stderr
    account_id = r.json()["account"]["id"]
    remote_id = connection_for(mastodon_server, token).remote_id

    r = run_cli(
        "schedule",
        "--account",
        str(account_id),
        "--text",
        FIRST,
        "--thread",
        REFUSED,
        "--thread",
        THIRD,
        "--now",
        "--json",
        env=env,
    )
    assert r.code == 0, r.stderr
    post_id = r.json()["post"]["id"]

    r = run_cli("publish-due", "--json", env=env)
    assert r.code == 1
    (failed,) = r.json()["failed"]
    assert failed["state"] == "partially_live" and "Part 1 is live" in failed["error"]
    assert [p["index"] for p in failed["parts"]] == [0]
    r = run_cli("posts", "list", "--json", env=env)
    (listed,) = r.json()["posts"]
    assert listed["status"] == "partially_published"
    (variant,) = listed["variants"]
    assert variant["state"] == "partially_live" and variant["parts"][0]["url"]

    # a plain retry resumes at part 2 (refused again): part 1 is never sent twice
    assert run_cli("posts", "retry", str(post_id), env=env).code == 0
    assert run_cli("publish-due", "--json", env=env).code == 1
    assert [s["content"].count("part one") for s in _statuses(mastodon_server, token, remote_id)] == [1]

    # the marketer fixes part 2 in the composer (the app's own service), then publishing completes
    ctx = AppContext.open()
    try:
        doc = compose.load_post(ctx, post_id)
        doc.overrides.pop(account_id, None)
        doc.parts = [FIRST, FIXED, THIRD]
        compose.schedule(ctx, doc, compose.When(now=True))
    finally:
        ctx.close()
    r = run_cli("publish-due", "--json", env=env)
    assert r.code == 0, r.stderr
    (published,) = r.json()["published"]
    assert [p["index"] for p in published["parts"]] == [0, 1, 2]

    statuses = _statuses(mastodon_server, token, remote_id)
    assert len(statuses) == 3
    assert [
        "part one" in statuses[0]["content"],
        "short link" in statuses[1]["content"],
        "the end" in statuses[2]["content"],
    ] == [True] * 3
    assert statuses[0]["in_reply_to_id"] is None
    for parent, child in itertools.pairwise(statuses):
        assert child["in_reply_to_id"] == parent["id"]
    assert [p["remote_id"] for p in published["parts"]] == [s["id"] for s in statuses]
