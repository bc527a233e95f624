"""``campaign-desk export posts|metrics`` as a script would run it, on data from ``dev seed``."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.services.export import METRIC_COLUMNS, POST_COLUMNS
from tests.e2e.cli import run_cli

UNTIL = "2026-11-30"


@pytest.fixture
def env(subprocess_env: dict[str, str]) -> dict[str, str]:
    """A seeded data dir (a year to 30 Nov 2026, in UTC so plain dates are UTC days)."""
    env = {**subprocess_env, "TZ": "UTC"}
    r = run_cli(
        "dev", "seed", "--posts", "40", "--snapshots", "600", "--seed", "3", "--until", UNTIL, "--json", env=env
    )
    assert r.code == 0, r.stderr
    seeded = r.json()
    assert seeded["snapshots"] == 600
    env["SEEDED_VARIANTS"] = str(seeded["variants"])
    return env


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_without_o_the_data_goes_to_stdout_as_csv_or_the_format_asked(env: dict[str, str]) -> None:
    r = run_cli("export", "metrics", env=env)
    assert r.code == 0, r.stderr
    assert r.stdout.splitlines()[0] == ",".join(METRIC_COLUMNS)
    rows = _rows(r.stdout)
    assert len(rows) == 600
    assert [row["taken_at"] for row in rows] == sorted(row["taken_at"] for row in rows)

    r = run_cli("export", "posts", "--format", "json", env=env)
    assert r.code == 0, r.stderr
    posts = json.loads(r.stdout)
    assert len(posts) == int(env["SEEDED_VARIANTS"]) and list(posts[0]) == list(POST_COLUMNS)

    # --json without -o changes nothing: the data itself is the output
    assert run_cli("export", "metrics", "--json", env=env).stdout == run_cli("export", "metrics", env=env).stdout


def test_o_takes_the_format_from_the_extension_and_json_prints_a_summary(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "posts.json"
    r = run_cli("export", "posts", "-o", str(target), env=env)
    assert r.code == 0, r.stderr
    variants = int(env["SEEDED_VARIANTS"])
    assert r.stdout.strip() == f"Exported {variants} variants to {target} (JSON)."
    assert len(json.loads(target.read_text(encoding="utf-8"))) == variants

    target = tmp_path / "metrics.csv"
    r = run_cli("export", "metrics", "-o", str(target), "--json", env=env)
    assert r.code == 0, r.stderr
    assert r.json() == {"ok": True, "kind": "metrics", "format": "csv", "rows": 600, "path": str(target.resolve())}
    assert len(_rows(target.read_text(encoding="utf-8"))) == 600

    target = tmp_path / "metrics.txt"  # an unknown extension is csv; --format wins over the extension
    assert run_cli("export", "metrics", "-o", str(target), "--format", "json", env=env).code == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 600


def test_from_and_to_bound_the_time_taken_and_a_plain_to_includes_that_day(env: dict[str, str]) -> None:
    everything = _rows(run_cli("export", "metrics", env=env).stdout)
    day = "2026-11-29"
    expected = [row for row in everything if row["taken_at"].startswith(day)]
    assert expected, "the seeded data has readings on the last day"
    r = run_cli("export", "metrics", "--from", day, "--to", day, env=env)
    assert r.code == 0, r.stderr
    assert _rows(r.stdout) == expected

    posts = json.loads(run_cli("export", "posts", "--format", "json", env=env).stdout)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    inside = [
        p["variant_id"]
        for p in posts
        if p["published_at"] and start <= datetime.fromisoformat(p["published_at"]) < start + timedelta(days=30)
    ]
    r = run_cli("export", "posts", "--format", "json", "--from", "2026-11-01", "--to", "2026-11-30", env=env)
    assert [p["variant_id"] for p in json.loads(r.stdout)] == inside


def test_a_campaign_narrows_the_export_and_an_unknown_one_exits_1(env: dict[str, str]) -> None:
    r = run_cli("campaigns", "list", "--json", env=env)
    campaign = max(r.json()["campaigns"], key=lambda c: c["posts"])
    r = run_cli("export", "posts", "--campaign", campaign["name"].upper(), "--format", "json", env=env)
    assert r.code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and {row["campaign"] for row in rows} == {campaign["name"]}
    assert len({row["post_id"] for row in rows}) == campaign["posts"]

    r = run_cli("export", "posts", "--campaign", "No Such Thing", env=env)
    assert r.code == 1 and r.stdout == ""
    assert r.stderr.strip() == (
        "campaign-desk export: No campaign named 'No Such Thing'; create it first (Campaigns page, or `campaigns add`)."
    )
    r = run_cli("export", "metrics", "--campaign", "No Such Thing", "--json", env=env)
    assert r.code == 1 and r.json()["ok"] is False


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--from", "2026-13-01"), "not a date and time"),
        (("--to", (datetime.now(UTC) + timedelta(days=3700)).strftime("%Y-%m-%d")), "is more than 10 years from now"),
        (("--from", "1969-12-31"), "before 1970"),
        (("--from", "2026-11-02", "--to", "2026-11-01"), "--from must be before --to"),
        (("--format", "xlsx"), "invalid choice"),
    ],
)
def test_bad_dates_and_formats_exit_2(subprocess_env: dict[str, str], args: tuple[str, ...], needle: str) -> None:
    r = run_cli("export", "metrics", *args, env=subprocess_env)
    assert r.code == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_an_unwritable_file_exits_1_with_a_sentence(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "x.csv"
    r = run_cli("export", "posts", "-o", str(target), env=subprocess_env)
    assert r.code == 1
    assert r.stderr.strip() == f"campaign-desk export: Cannot write {target}: No such file or directory."
    assert not target.parent.exists()


def test_seed_refuses_a_database_with_posts_unless_forced(env: dict[str, str]) -> None:
    r = run_cli("dev", "seed", "--posts", "5", "--snapshots", "50", env=env)
    assert r.code == 1
    assert "already has 40 posts" in r.stderr and "--force" in r.stderr
    r = run_cli("dev", "seed", "--posts", "5", "--snapshots", "50", "--force", "--json", env=env)
    assert r.code == 0, r.stderr
    assert r.json()["posts"] == 5
    assert len(json.loads(run_cli("export", "posts", "--format", "json", env=env).stdout)) > int(env["SEEDED_VARIANTS"])
