"""``campaign-desk sync-metrics`` end to end: a post published from the command line, a second
user favourites and boosts it, and the metrics pass (by hand, then by the cadence) says so."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import run_cli
from tests.e2e.json_shapes import SYNC_METRICS_KEYS
from tests.servers.mastodon import MastodonMockServer


def _add_mastodon(server: MastodonMockServer, env: dict[str, str]) -> tuple[int, str]:
    token = server.create_account()
    r = run_cli("accounts", "add", "mastodon", "--instance", server.url, "--json", env=env, stdin=token + "\n")
    assert r.code == 0, r.stderr
    return int(r.json()["account"]["id"]), token


def test_sync_metrics_reports_a_favourite_and_a_boost(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str], isolated_home: Path
) -> None:
    env = subprocess_env
    account_id, token = _add_mastodon(mastodon_server, env)
    outside = mastodon_server.api("POST", "/api/v1/statuses", token, data={"status": "posted on the web"})
    outside.raise_for_status()
    r = run_cli("schedule", "--account", str(account_id), "--text", "Measure me", "--now", "--json", env=env)
    assert r.code == 0, r.stderr
    published = run_cli("publish-due", "--json", env=env).json()["published"]
    url = published[0]["url"]
    remote_id = url.rstrip("/").rsplit("/", 1)[-1]
    fan = mastodon_server.create_account()
    mastodon_server.api("POST", f"/api/v1/statuses/{remote_id}/favourite", fan).raise_for_status()
    mastodon_server.api("POST", f"/api/v1/statuses/{remote_id}/reblog", fan).raise_for_status()

    r = run_cli("sync-metrics", "--json", env=env)

    assert r.code == 0, r.stderr
    data = r.json()
    assert set(data) == SYNC_METRICS_KEYS
    assert data["ok"] is True and data["manual"] is True
    assert data["started_at"].endswith("Z") and data["finished_at"] >= data["started_at"]
    # the app's post and the one found on the network (imported once, as external)
    assert (data["posts"], data["accounts"], data["history_imported"]) == (1, 1, 1)
    # likes, reposts, replies for the app's post; the imported post's first reading; followers,
    # following and posts for the account (quotes only where the server reports them)
    assert data["snapshots"] >= 3 + 3 + 3
    assert data["deferred"] == [] and data["errors"] == []
    # the imported post stays out of the posts list
    listed = run_cli("posts", "list", "--json", env=env).json()["posts"]
    assert [p["variants"][0]["url"] for p in listed] == [url]
    # ...and the export shows the favourite and the boost on the app's post, beside the imported one
    exported = run_cli("export", "posts", "--format", "json", env=env)
    assert exported.code == 0, exported.stderr
    rows = {row["url"]: row for row in json.loads(exported.stdout)}
    mine = rows[url]
    assert (mine["likes"], mine["reposts"], mine["replies"], mine["engagements"]) == (1, 1, 0, 2)
    assert mine["external"] is False
    assert [row["external"] for u, row in rows.items() if u != url] == [True]
    history = run_cli("export", "metrics", "--format", "csv", env=env)
    assert history.code == 0, history.stderr
    assert (
        history.stdout.splitlines()[0] == "taken_at,account_id,network,handle,variant_id,post_id,campaign,metric,value"
    )
    assert any(line.endswith(",likes,1") for line in history.stdout.splitlines())

    # By the cadence, nothing is due a moment later; the human summary says what happened.
    due = run_cli("sync-metrics", "--due", env=env)
    assert due.code == 0, due.stderr
    assert due.stdout.startswith("Synced due metrics: 0 posts, 0 accounts, 0 snapshots.")


def test_a_failed_account_exits_1_with_one_line(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]
) -> None:
    env = subprocess_env
    _account_id, token = _add_mastodon(mastodon_server, env)
    mastodon_server.api("POST", "/oauth/revoke", data={"token": token})
    r = run_cli("sync-metrics", "--json", env=env)
    assert r.code == 1
    data = r.json()
    assert data["ok"] is False and data["errors"][0]["network"] == "mastodon" and data["errors"][0]["error"]
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("campaign-desk sync-metrics: 1 account(s) failed: mastodon ")


def test_background_run_publishes_then_syncs(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]
) -> None:
    env = subprocess_env
    account_id, _token = _add_mastodon(mastodon_server, env)
    run_cli("schedule", "--account", str(account_id), "--text", "OS job", "--now", env=env)
    r = run_cli("background", "run", "--json", env=env)
    assert r.code == 0, r.stderr
    data = r.json()
    assert data["ok"] is True and len(data["publish"]["published"]) == 1
    assert data["metrics"]["manual"] is False and data["metrics"]["posts"] == 1
