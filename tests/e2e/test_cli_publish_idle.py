"""``publish-due`` with nothing to do answers from a glance at the database (no SQLAlchemy, httpx
or providers loaded), and says exactly what the full pass says; anything to do takes the full
pass. Each case runs the command as a separate process twice: as shipped, and with the quick
check switched off (the full pass), and compares exit code, standard output and standard error."""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from desktop.services import app_settings
from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.services.transitions import S
from desktop.store.database import current_revision, make_engine, migrate
from desktop.store.models import Account, Variant
from desktop.store.paths import DB_FILENAME
from desktop.store.revision import HEAD_REVISION
from tests.e2e.cli import Result, run_cli
from tests.servers.mastodon import MastodonMockServer

HEAVY = ("sqlalchemy", "alembic", "httpx", "providers", "keyring")

#: Runs ``main(argv)`` like the campaign-desk script, "quick" as shipped or "full" with the quick
#: check switched off, and writes which heavy packages were loaded to the report file.
RUNNER = f"""
import json, sys
import desktop.cli.publish as publish
mode, report, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
if mode == "full":
    publish.idle_pass = lambda data_dir: None
from desktop.cli import main
try:
    code = main(argv)
finally:
    with open(report, "w") as f:
        json.dump(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})), f)
sys.exit(code)
"""


@dataclass
class Run:
    result: Result
    loaded: list[str]

    @property
    def quick(self) -> bool:
        return not self.loaded


def _run(mode: str, env: dict[str, str], tmp_path: Path, *args: str) -> Run:
    import subprocess

    report = tmp_path / f"loaded-{mode}.json"
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, mode, str(report), "publish-due", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    loaded = json.loads(report.read_text())
    return Run(Result(proc.returncode, proc.stdout, proc.stderr), loaded)


def _same_as_full_pass(env: dict[str, str], tmp_path: Path) -> list[Result]:
    """publish-due, text and --json: the quick path taken, and its output the full pass's."""
    results = []
    for args in ((), ("--json",)):
        quick = _run("quick", env, tmp_path, *args)
        full = _run("full", env, tmp_path, *args)
        assert quick.quick, f"the quick check should have answered, but {quick.loaded} were loaded"
        assert "sqlalchemy" in full.loaded
        assert quick.result == full.result
        shipped = run_cli("publish-due", *args, env=env)  # the installed script, as the OS job runs it
        assert shipped == full.result
        results.append(full.result)
    return results


def _account(ctx: AppContext, *, paused: bool = False) -> int:
    with ctx.session() as s:
        account = Account(provider="mastodon", remote_id="1", handle="@idle", server_url="https://m.test")
        account.paused = paused
        s.add(account)
        s.flush()
        return account.id


def _schedule(ctx: AppContext, account_id: int, due: datetime) -> int:
    """A variant scheduled ahead, then moved to ``due`` (as time passing would make it due)."""
    row = schedule_post(ctx, account_ids=[account_id], text="Idle test", at=datetime.now(UTC) + timedelta(days=1))
    variant_id = row.variants[0].id
    with ctx.session() as s:
        s.execute(update(Variant).where(Variant.id == variant_id).values(scheduled_at=due))
    return variant_id


def _mastodon(server: MastodonMockServer, env: dict[str, str]) -> int:
    r = run_cli(
        "accounts", "add", "mastodon", "--instance", server.url, "--json", env=env, stdin=server.create_account()
    )
    assert r.code == 0, r.stderr
    return int(r.json()["account"]["id"])


def test_an_empty_store(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    AppContext.open().close()
    text, as_json = _same_as_full_pass(subprocess_env, tmp_path)
    assert (text.code, text.stdout, text.stderr) == (0, "Nothing due.\n", "")
    assert as_json.json() == {
        "ok": True,
        "paused": False,
        "published": [],
        "retrying": [],
        "failed": [],
        "needs_reconnect": [],
        "conflicts": [],
    }


def test_only_future_posts(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    ctx = AppContext.open()
    account = _account(ctx)
    for hours in (1, 5, 48):
        _schedule(ctx, account, datetime.now(UTC) + timedelta(hours=hours))
    ctx.close()
    text, _ = _same_as_full_pass(subprocess_env, tmp_path)
    assert text.stdout == "Nothing due.\n"


def test_due_posts_of_a_paused_account(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    ctx = AppContext.open()
    variant = _schedule(ctx, _account(ctx, paused=True), datetime.now(UTC) - timedelta(minutes=5))
    ctx.close()
    text, _ = _same_as_full_pass(subprocess_env, tmp_path)
    assert text.stdout == "Nothing due.\n"
    ctx = AppContext.open()
    with ctx.session() as s:  # still waiting for the account to be resumed
        assert s.get(Variant, variant).state == S.SCHEDULED  # type: ignore[union-attr]
    ctx.close()


def test_publishing_paused(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    ctx = AppContext.open()
    _schedule(ctx, _account(ctx), datetime.now(UTC) - timedelta(minutes=5))
    app_settings.put(ctx, app_settings.PUBLISHING_PAUSED, True)
    ctx.close()
    text, as_json = _same_as_full_pass(subprocess_env, tmp_path)
    assert text.stdout == "Publishing is paused (Settings). Nothing was sent.\n"
    assert as_json.json()["paused"] is True and as_json.json()["ok"] is True


def test_a_due_post_takes_the_full_pass_and_is_published(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    env = subprocess_env
    account = _mastodon(mastodon_server, env)
    r = run_cli("schedule", "--account", str(account), "--text", "Due now", "--now", "--json", env=env)
    (variant,) = r.json()["post"]["variants"]
    first = _run("quick", env, tmp_path, "--json")
    assert not first.quick and first.result.code == 0, first.result.stderr
    assert [p["variant_id"] for p in first.result.json()["published"]] == [variant["id"]]
    again = _run("quick", env, tmp_path)
    assert again.quick and again.result.stdout == "Nothing due.\n"


def test_a_variant_left_in_publishing_takes_the_full_pass(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    env = subprocess_env
    account = _mastodon(mastodon_server, env)
    ctx = AppContext.open()
    variant = _schedule(ctx, account, datetime.now(UTC) - timedelta(minutes=20))
    with ctx.session() as s:  # a publisher on this machine died mid-call
        s.execute(
            update(Variant)
            .where(Variant.id == variant)
            .values(
                state=S.PUBLISHING,
                claimed_by=f"cli 999999999@{socket.gethostname()} deadbeef",
                claimed_at=datetime.now(UTC) - timedelta(minutes=15),
                attempt_count=1,
            )
        )
    ctx.close()
    run = _run("quick", env, tmp_path)
    assert not run.quick and run.result.code == 0, run.result.stderr
    assert f"variant #{variant} mastodon" in run.result.stdout and ": published" in run.result.stdout


def test_a_retry_whose_time_has_come_takes_the_full_pass(
    mastodon_server: MastodonMockServer, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    env = subprocess_env
    account = _mastodon(mastodon_server, env)
    ctx = AppContext.open()
    variant = _schedule(ctx, account, datetime.now(UTC) - timedelta(minutes=10))
    with ctx.session() as s:
        s.execute(
            update(Variant)
            .where(Variant.id == variant)
            .values(state=S.RETRYING, attempt_count=1, next_attempt_at=datetime.now(UTC) + timedelta(hours=1))
        )
    ctx.close()
    not_yet = _run("quick", env, tmp_path)
    assert not_yet.quick and not_yet.result.stdout == "Nothing due.\n"
    ctx = AppContext.open()
    with ctx.session() as s:
        s.execute(
            update(Variant)
            .where(Variant.id == variant)
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    ctx.close()
    run = _run("quick", env, tmp_path)
    assert not run.quick and run.result.code == 0, run.result.stderr
    assert f"variant #{variant} mastodon" in run.result.stdout and ": published" in run.result.stdout


def test_a_pending_migration_takes_the_full_pass(
    isolated_home: Path, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{isolated_home / DB_FILENAME}")
    migrate(engine, isolated_home, target="0001")
    engine.dispose()
    os.chmod(isolated_home / DB_FILENAME, 0o600)
    run = _run("quick", subprocess_env, tmp_path)
    assert not run.quick and (run.result.code, run.result.stdout) == (0, "Nothing due.\n"), run.result.stderr
    engine = make_engine(f"sqlite:///{isolated_home / DB_FILENAME}")
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()
    again = _run("quick", subprocess_env, tmp_path)
    assert again.quick and again.result == run.result


def test_a_new_data_dir_is_created_by_the_full_pass(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    run = _run("quick", subprocess_env, tmp_path, "--data-dir", str(fresh))
    assert not run.quick and (run.result.code, run.result.stdout) == (0, "Nothing due.\n"), run.result.stderr
    assert (fresh / DB_FILENAME).is_file()
    again = _run("quick", subprocess_env, tmp_path, "--data-dir", str(fresh))
    assert again.quick and again.result == run.result


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_database_that_cannot_be_read_is_reported_by_the_full_pass(
    isolated_home: Path, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    db = isolated_home / DB_FILENAME
    db.write_bytes(b"not a database at all" * 200)
    os.chmod(db, 0o600)
    quick = _run("quick", subprocess_env, tmp_path)
    full = _run("full", subprocess_env, tmp_path)
    assert quick.result == full.result and quick.result.code == 1
    assert "damaged" in quick.result.stderr
