"""End to end through the command line only, as a marketer's script or the OS scheduler would."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.cli import BIN, run_cli
from tests.servers.mastodon import MastodonMockServer

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b2c9cb0000000049454e44ae426082"
)


def _add_mastodon(server: MastodonMockServer, env: dict[str, str]) -> tuple[int, str]:
    token = server.create_account()
    r = run_cli("accounts", "add", "mastodon", "--instance", server.url, "--json", env=env, stdin=token + "\n")
    assert r.code == 0, r.stderr
    account = r.json()["account"]
    assert account["network"] == "mastodon" and account["status"] == "connected"
    assert token not in r.stdout + r.stderr  # secrets never echoed
    return account["id"], token


def test_add_schedule_publish_list(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    env = subprocess_env
    account_id, token = _add_mastodon(mastodon_server, env)
    image = tmp_path / "square.png"
    image.write_bytes(PNG_1x1)
    r = run_cli(
        "schedule",
        "--account",
        str(account_id),
        "--text",
        "Launch day! https://example.com/launch",
        "--media",
        str(image),
        "--alt",
        "A tiny square",
        "--now",
        "--json",
        env=env,
    )
    assert r.code == 0, r.stderr
    post = r.json()["post"]
    (variant,) = post["variants"]
    assert post["status"] == "scheduled" and variant["state"] == "scheduled" and variant["account_id"] == account_id

    r = run_cli("publish-due", "--json", env=env)
    assert r.code == 0, r.stderr
    report = r.json()
    assert report["ok"] is True and [p["variant_id"] for p in report["published"]] == [variant["id"]]
    url = report["published"][0]["url"]

    me = mastodon_server.api("GET", "/api/v1/accounts/verify_credentials", token).json()
    statuses = mastodon_server.api("GET", f"/api/v1/accounts/{me['id']}/statuses", token).json()
    assert len(statuses) == 1 and statuses[0]["url"] == url
    assert statuses[0]["media_attachments"][0]["description"] == "A tiny square"

    r = run_cli("posts", "list", "--state", "published", "--json", env=env)
    (listed,) = r.json()["posts"]
    assert listed["id"] == post["id"] and listed["variants"][0]["url"] == url
    r = run_cli("publish-due", env=env)
    assert r.code == 0 and "Nothing due." in r.stdout


def test_schedule_refuses_bad_input_with_specific_messages(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]
) -> None:
    env = subprocess_env
    account_id, _ = _add_mastodon(mastodon_server, env)
    r = run_cli("schedule", "--account", str(account_id), "--text", "x" * 501, "--now", "--json", env=env)
    assert r.code == 1
    data = r.json()
    assert data["ok"] is False and "501 of 500 characters: 1 too many." in data["error"]
    assert data["targets"][0]["problems"][0]["code"] == "too_long"
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    r = run_cli("schedule", "--account", str(account_id), "--text", "hi", "--at", past, env=env)
    assert r.code == 1 and "is in the past" in r.stderr
    r = run_cli("schedule", "--account", str(account_id), "--text", "hi", env=env)
    assert r.code == 2 and "say when" in r.stderr
    r = run_cli("schedule", "--account", "999", "--text", "hi", "--now", env=env)
    assert r.code == 1 and "No account with id 999." in r.stderr
    r = run_cli("schedule", "--account", str(account_id), "--text", "hi", "--now", "--campaign", "Nope", env=env)
    assert r.code == 1 and "No campaign named 'Nope'" in r.stderr
    r = run_cli("schedule", "--account", str(account_id), "--text", "hi", "--now", "--media", "/no/such.png", env=env)
    assert r.code == 1 and "Media file not found: /no/such.png" in r.stderr
    r = run_cli("schedule", "--account", str(account_id), "--text", "hi", "--at", "tomorrow", env=env)
    assert r.code == 2 and "not a date and time" in r.stderr
    r = run_cli("posts", "list", "--json", env=env)
    assert r.json() == {"posts": []}  # nothing refused was saved


def test_cancel_and_retry(mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]) -> None:
    env = subprocess_env
    account_id, _ = _add_mastodon(mastodon_server, env)
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = run_cli("schedule", "--account", str(account_id), "--text", "maybe", "--at", later, "--json", env=env)
    post_id = r.json()["post"]["id"]
    r = run_cli("posts", "cancel", str(post_id), "--json", env=env)
    assert r.code == 0 and r.json()["post"]["status"] == "cancelled"
    r = run_cli("posts", "cancel", str(post_id), env=env)
    assert r.code == 1 and "has no variant left to cancel" in r.stderr
    r = run_cli("posts", "retry", str(post_id), "--json", env=env)  # a cancelled post can be sent after all
    assert r.code == 0 and r.json()["post"]["variants"][0]["state"] == "scheduled"
    r = run_cli("posts", "retry", "4242", env=env)
    assert r.code == 1 and "No post with id 4242." in r.stderr


def test_check_counts_as_each_network_does(mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]) -> None:
    env = subprocess_env
    account_id, _ = _add_mastodon(mastodon_server, env)
    text = "See https://example.com/" + "a" * 200 + " 👍🏽"
    r = run_cli("check", "--account", str(account_id), "--network", "mastodon", "--text", text, "--json", env=env)
    assert r.code == 0, r.stderr
    targets = r.json()["targets"]
    assert [t["length"] for t in targets] == [4 + 23 + 2, 4 + 23 + 2]  # link as 23, emoji as 1
    r = run_cli("check", "--network", "mastodon", "--text", "y" * 600, env=env)
    assert r.code == 1 and "600/500" in r.stdout and "100 too many" in r.stdout
    r = run_cli("check", "--network", "myspace", "--text", "hi", env=env)
    assert r.code == 2 and "unknown network 'myspace'" in r.stderr


def test_two_publish_due_processes_at_once_publish_each_variant_once(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]
) -> None:
    env = subprocess_env
    account_id, token = _add_mastodon(mastodon_server, env)
    for i in range(8):
        r = run_cli("schedule", "--account", str(account_id), "--text", f"together {i}", "--now", env=env)
        assert r.code == 0, r.stderr
    command = [str(BIN), "publish-due", "--json"]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    import json

    published = [o["variant_id"] for out, _ in outs for o in json.loads(out)["published"]]
    assert len(published) == 8 and len(set(published)) == 8
    me = mastodon_server.api("GET", "/api/v1/accounts/verify_credentials", token).json()
    statuses = mastodon_server.api("GET", f"/api/v1/accounts/{me['id']}/statuses", token, params={"limit": "40"}).json()
    assert sorted(s["content"] for s in statuses) == sorted(f"<p>together {i}</p>" for i in range(8))
