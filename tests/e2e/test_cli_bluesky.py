"""The whole flow from the command line against a real Bluesky PDS on loopback:
accounts add → schedule → publish-due → the record is on the server, exactly once."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.cli import BIN, run_cli
from tests.servers.pds import PdsServer

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1200)]


def _add_bluesky(pds: PdsServer, env: dict[str, str]) -> tuple[int, str]:
    handle, did, password = pds.create_account("cli")
    app_password = pds.app_password(handle, password)
    r = run_cli(
        "accounts",
        "add",
        "bluesky",
        "--handle",
        handle,
        "--service",
        pds.url,
        "--appview",
        pds.url,
        "--json",
        env=env,
        stdin=app_password + "\n",
    )
    assert r.code == 0, r.stderr
    account = r.json()["account"]
    assert account["handle"] == handle and account["network"] == "bluesky" and account["server_url"] == pds.url
    assert app_password not in r.stdout + r.stderr
    return account["id"], did


def test_bluesky_flow_from_the_command_line(pds: PdsServer, subprocess_env: dict[str, str]) -> None:
    env = subprocess_env
    account_id, did = _add_bluesky(pds, env)
    text = "Hello #CampaignDesk 👋 https://example.com/launch"
    r = run_cli(
        "schedule",
        "--account",
        str(account_id),
        "--text",
        text,
        "--thread",
        "and a second part",
        "--now",
        "--json",
        env=env,
    )
    assert r.code == 0, r.stderr
    r = run_cli("publish-due", "--json", env=env)
    assert r.code == 0, r.stderr
    (published,) = r.json()["published"]
    assert published["url"].startswith("https://bsky.app/profile/")
    records = pds.list_records(did)
    assert sorted(rec["value"]["text"] for rec in records) == sorted([text, "and a second part"])
    first = next(rec for rec in records if rec["value"]["text"] == text)
    second = next(rec for rec in records if rec["value"]["text"] != text)
    assert second["value"]["reply"]["parent"]["uri"] == first["uri"]
    features = {f["features"][0]["$type"] for f in first["value"]["facets"]}
    assert features == {"app.bsky.richtext.facet#tag", "app.bsky.richtext.facet#link"}


def test_over_long_bluesky_post_is_refused_before_saving(pds: PdsServer, subprocess_env: dict[str, str]) -> None:
    account_id, _ = _add_bluesky(pds, subprocess_env)
    r = run_cli("schedule", "--account", str(account_id), "--text", "é" * 301, "--now", "--json", env=subprocess_env)
    assert r.code == 1 and "301 of 300 characters" in r.json()["error"]
    r = run_cli("check", "--network", "bluesky", "--text", "👍🏽" * 300, "--json", env=subprocess_env)
    assert r.code == 0 and r.json()["targets"][0]["length"] == 300  # graphemes, not code points
    r = run_cli("check", "--network", "bluesky", "--text", "👨‍👩‍👧" * 200, "--json", env=subprocess_env)
    problems = r.json()["targets"][0]["problems"]
    assert r.code == 1 and "3000-byte" in problems[0]["message"]  # 200 graphemes, but 3,600 bytes


def test_two_publish_due_processes_publish_every_variant_exactly_once(
    pds: PdsServer, subprocess_env: dict[str, str]
) -> None:
    env = subprocess_env
    accounts = [_add_bluesky(pds, env) for _ in range(2)]
    expected: dict[str, list[str]] = {did: [] for _, did in accounts}
    for i in range(5):
        for account_id, did in accounts:
            text = f"exactly once {i} for {did[-6:]}"
            r = run_cli("schedule", "--account", str(account_id), "--text", text, "--now", env=env)
            assert r.code == 0, r.stderr
            expected[did].append(text)
    procs = [
        subprocess.Popen(
            [str(BIN), "publish-due", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    published = [o["variant_id"] for out, _ in outs for o in json.loads(out)["published"]]
    assert len(published) == 10 and len(set(published)) == 10
    for did, texts in expected.items():
        on_server = sorted(rec["value"]["text"] for rec in pds.list_records(did))
        assert on_server == sorted(texts)  # every post there, none twice
