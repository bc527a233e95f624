"""``campaign-desk campaigns add|list|edit|archive|delete`` as a script would run them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from desktop.services import app_settings
from desktop.services.context import AppContext
from desktop.store.models import Account, MetricLatest, Post, Variant, VariantState
from tests.e2e.cli import run_cli

CAMPAIGN_KEYS = {"id", "name", "color", "start", "end", "goal", "utm", "posts"}
ADDED_KEYS = {"archived", "notes", "goal_metric", "goal_target", "goal_by", "progress"}


def _posts_in(campaign_id: int, states: list[VariantState], likes: int = 0) -> list[int]:
    """Posts (one variant each) saved straight into the store the CLI uses, with their likes."""
    ctx = AppContext.open()
    try:
        app_settings.put(ctx, app_settings.TIMEZONE, "UTC")
        with ctx.session() as s:
            account = s.scalar(select(Account).limit(1))
            if account is None:
                account = Account(provider="mastodon", remote_id="1", handle="@ann@m.test", server_url="https://m.test")
                s.add(account)
                s.flush()
            ids = []
            for state in states:
                post = Post(text="Launch https://example.com", campaign_id=campaign_id)
                s.add(post)
                s.flush()
                variant = Variant(post_id=post.id, account_id=account.id, state=state)
                s.add(variant)
                s.flush()
                if likes:
                    s.add(MetricLatest(variant_id=variant.id, account_id=account.id, metric="likes", value=likes))
                ids.append(post.id)
            return ids
    finally:
        ctx.close()


def test_add_with_a_goal_then_list_shows_progress_in_the_documented_shape(
    subprocess_env: dict[str, str], isolated_home: Path
) -> None:
    by = date.today() + timedelta(days=30)
    r = run_cli(
        "campaigns", "add", "Spring launch", "--goal-target", "2,000", "--goal-metric", "engagements",
        "--goal-by", by.isoformat(), "--notes", "Brief from Ann", "--utm-source", "social", "--json",
        env=subprocess_env,
    )  # fmt: skip
    assert r.code == 0, r.stderr
    campaign = r.json()["campaign"]
    assert set(campaign) == CAMPAIGN_KEYS | ADDED_KEYS
    _posts_in(campaign["id"], [VariantState.PUBLISHED, VariantState.PUBLISHED], likes=620)

    r = run_cli("campaigns", "list", "--json", env=subprocess_env)
    assert r.code == 0
    (listed,) = r.json()["campaigns"]
    assert listed["posts"] == 2 and listed["utm"] == {"source": "social"} and listed["archived"] is False
    assert (listed["goal_metric"], listed["goal_target"], listed["goal_by"]) == ("engagements", 2000, by.isoformat())
    assert listed["notes"] == "Brief from Ann"
    assert listed["progress"] == {
        "metric": "engagements",
        "target": 2000,
        "current": 1240,
        "by": by.isoformat(),
        "fraction": 0.62,
        "on_track": listed["progress"]["on_track"],
    }
    human = run_cli("campaigns", "list", env=subprocess_env).stdout
    assert "1,240 / 2,000 engagements" in human and "source=social" in human


def test_edit_by_name_or_id_changes_only_what_is_given(subprocess_env: dict[str, str]) -> None:
    r = run_cli(
        "campaigns", "add", "Spring", "--start", "2026-03-01", "--end", "2026-03-31", "--json", env=subprocess_env
    )
    cid = r.json()["campaign"]["id"]
    r = run_cli(
        "campaigns", "edit", "spring", "--name", "Spring 2026", "--goal-target", "500", "--goal-metric", "likes",
        "--utm-campaign", "spring26", "--json", env=subprocess_env,
    )  # fmt: skip
    assert r.code == 0, r.stderr
    edited = r.json()["campaign"]
    assert (edited["id"], edited["name"], edited["start"], edited["end"]) == (
        cid,
        "Spring 2026",
        "2026-03-01",
        "2026-03-31",
    )
    assert edited["utm"] == {"campaign": "spring26"} and edited["goal_target"] == 500
    assert edited["progress"]["current"] == 0

    r = run_cli("campaigns", "edit", str(cid), "--clear-dates", "--clear-goal", "--notes", "", env=subprocess_env)
    assert r.code == 0 and r.stdout.strip() == f"Updated campaign #{cid} 'Spring 2026'."
    (row,) = run_cli("campaigns", "list", "--json", env=subprocess_env).json()["campaigns"]
    assert (row["start"], row["end"], row["goal_metric"], row["progress"]) == (None, None, None, None)


def test_edit_failures_and_bad_usage_exit_codes(subprocess_env: dict[str, str]) -> None:
    run_cli("campaigns", "add", "Spring", env=subprocess_env)
    run_cli("campaigns", "add", "Summer", env=subprocess_env)
    r = run_cli("campaigns", "edit", "Spring", "--name", "SUMMER", env=subprocess_env)
    assert r.code == 1 and r.stderr.strip() == "campaign-desk campaigns: A campaign named 'SUMMER' already exists."
    r = run_cli("campaigns", "edit", "Autumn", "--notes", "x", "--json", env=subprocess_env)
    assert r.code == 1 and r.json() == {"ok": False, "error": "No campaign named or numbered 'Autumn'."}
    r = run_cli("campaigns", "edit", "Spring", env=subprocess_env)
    assert r.code == 2 and "Nothing to change" in r.stderr
    r = run_cli("campaigns", "edit", "Spring", "--clear-dates", "--start", "2026-01-01", env=subprocess_env)
    assert r.code == 2 and "--clear-dates cannot be combined" in r.stderr
    r = run_cli("campaigns", "edit", "Spring", "--goal-metric", "vibes", env=subprocess_env)
    assert r.code == 2 and "invalid choice: 'vibes'" in r.stderr
    r = run_cli("campaigns", "edit", "Spring", "--goal-target", "-5", env=subprocess_env)
    assert r.code == 2 and "must be above 0" in r.stderr
    r = run_cli("campaigns", "add", "Autumn", "--goal-target", "5", env=subprocess_env)
    assert r.code == 2 and "needs both --goal-target and --goal-metric" in r.stderr
    r = run_cli("campaigns", "edit", "Spring", "--goal-target", "5", env=subprocess_env)
    assert r.code == 1 and "needs a metric" in r.stderr


def test_archive_hides_the_campaign_and_undo_restores_it(subprocess_env: dict[str, str]) -> None:
    cid = run_cli("campaigns", "add", "Spring", "--json", env=subprocess_env).json()["campaign"]["id"]
    _posts_in(cid, [VariantState.SCHEDULED])
    r = run_cli("campaigns", "archive", "Spring", env=subprocess_env)
    assert r.code == 0 and "still publish and still count in analytics" in r.stdout
    assert run_cli("campaigns", "list", "--json", env=subprocess_env).json() == {"campaigns": []}
    (row,) = run_cli("campaigns", "list", "--archived", "--json", env=subprocess_env).json()["campaigns"]
    assert row["archived"] is True and row["posts"] == 1
    assert "Spring (archived)" in run_cli("campaigns", "list", "--archived", env=subprocess_env).stdout
    r = run_cli("campaigns", "archive", str(cid), "--json", env=subprocess_env)
    assert r.code == 0 and r.json()["changed"] is False
    r = run_cli("campaigns", "archive", "spring", "--undo", "--json", env=subprocess_env)
    assert r.code == 0 and r.json()["changed"] is True and r.json()["campaign"]["archived"] is False
    assert [c["name"] for c in run_cli("campaigns", "list", "--json", env=subprocess_env).json()["campaigns"]] == [
        "Spring"
    ]


def test_delete_needs_yes_when_posts_would_lose_the_campaign(subprocess_env: dict[str, str]) -> None:
    cid = run_cli("campaigns", "add", "Spring", "--json", env=subprocess_env).json()["campaign"]["id"]
    post_ids = _posts_in(cid, [VariantState.SCHEDULED, VariantState.PUBLISHED, VariantState.SCHEDULED])

    r = run_cli("campaigns", "delete", "Spring", env=subprocess_env)
    assert r.code == 2
    assert r.stderr.strip() == (
        "campaign-desk campaigns: Campaign 'Spring' was not deleted. Its 3 posts (2 scheduled) stay and lose the "
        "campaign. Scheduled posts still publish on time, without this campaign's UTM tags unless they have already "
        "started sending. Published posts and their metrics are kept. Run again with --yes to delete it."
    )
    r = run_cli("campaigns", "delete", "Spring", "--json", env=subprocess_env)
    assert r.code == 2 and r.json()["would_delete"] == {"id": cid, "name": "Spring", "posts": 3, "scheduled": 2}
    assert len(run_cli("campaigns", "list", "--json", env=subprocess_env).json()["campaigns"]) == 1

    r = run_cli("campaigns", "delete", str(cid), "--yes", "--json", env=subprocess_env)
    assert r.code == 0
    assert r.json()["deleted"] == {"id": cid, "name": "Spring", "posts": 3, "scheduled": 2}
    assert r.json()["message"].startswith("Its 3 posts (2 scheduled) stay and lose the campaign.")
    posts = run_cli("posts", "list", "--json", env=subprocess_env).json()["posts"]
    assert sorted(p["id"] for p in posts) == sorted(post_ids)
    assert {p["campaign"] for p in posts} == {None}
    assert {p["status"] for p in posts} == {"scheduled", "published"}

    empty = run_cli("campaigns", "add", "Empty", "--json", env=subprocess_env).json()["campaign"]["id"]
    r = run_cli("campaigns", "delete", "Empty", env=subprocess_env)
    assert r.code == 0
    assert r.stdout.strip() == f"Deleted campaign #{empty} 'Empty'; it had no posts."
    r = run_cli("campaigns", "delete", "Empty", env=subprocess_env)
    assert r.code == 1 and "No campaign named or numbered 'Empty'." in r.stderr
