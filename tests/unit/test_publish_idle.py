"""The quick "nothing to publish" check (desktop.services.publish_idle) on real SQLite stores:
it answers only when the full pass would do nothing, and says "not sure" (None) otherwise."""

from __future__ import annotations

import ast
import inspect
import os
import sqlite3
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.dialects import sqlite as sqlite_dialect

from desktop.services import app_settings
from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.services.publish_idle import PASS_STEPS, PAUSED_DEFAULT, PUBLISHING_PAUSED, IdlePass, idle_pass
from desktop.services.publish_report import PassReport
from desktop.services.publisher import Publisher
from desktop.services.transitions import S
from desktop.store import peek
from desktop.store.database import make_engine, migrate
from desktop.store.models import Account, Post, UTCDateTime, Variant
from desktop.store.paths import DB_FILENAME

#: Attributes of the publisher that run_once reads but that are not steps of the pass.
NOT_STEPS = {"ctx", "max_workers"}


@pytest.fixture
def ctx(isolated_home: Path) -> Iterator[AppContext]:
    context = AppContext.open()
    yield context
    context.close()


def _account(ctx: AppContext, *, paused: bool = False, handle: str = "@a") -> int:
    with ctx.session() as s:
        account = Account(provider="mastodon", remote_id=handle, handle=handle, server_url="https://m.test")
        account.paused = paused
        s.add(account)
        s.flush()
        return account.id


def _post(ctx: AppContext, account_id: int, at: datetime) -> int:
    """A scheduled variant due at ``at`` (scheduled ahead, then moved, as time would)."""
    row = schedule_post(ctx, account_ids=[account_id], text="Hello", at=max(at, NOW + timedelta(hours=1)))
    variant_id = row.variants[0].id
    _set(ctx, variant_id, scheduled_at=at)
    return variant_id


def _set(ctx: AppContext, variant_id: int, **values: object) -> None:
    with ctx.session() as s:
        s.execute(update(Variant).where(Variant.id == variant_id).values(**values))


NOW = datetime.now(UTC)


def test_the_steps_it_answers_for_are_the_steps_of_a_pass() -> None:
    source = textwrap.dedent(inspect.getsource(Publisher.run_once))
    chains = set()
    for node in ast.walk(ast.parse(source)):
        parts, base = [], node
        while isinstance(base, ast.Attribute):
            parts.insert(0, base.attr)
            base = base.value
        if parts and isinstance(base, ast.Name) and base.id == "self" and parts[0] not in NOT_STEPS:
            chains.add(".".join(parts))
    # self.holds.give_up_late also walks through self.holds: keep whole chains only
    steps = {c for c in chains if not any(other.startswith(f"{c}.") for other in chains)}
    assert steps >= {"_sweep_abandoned_imports", "holds.unknown_orphans", "_check_cancelled"}  # the walk works
    assert steps <= PASS_STEPS, (
        "Publisher.run_once has new steps: teach desktop/services/publish_idle.py what each acts on (so an idle "
        f"publish-due never skips it), then add them to PASS_STEPS. New: {sorted(steps - PASS_STEPS)}"
    )


def test_the_paused_setting_is_the_apps() -> None:
    assert PUBLISHING_PAUSED == app_settings.PUBLISHING_PAUSED
    assert app_settings.DEFAULTS[app_settings.PUBLISHING_PAUSED] == PAUSED_DEFAULT


@pytest.mark.parametrize("paused", [False, True])
def test_an_idle_pass_prints_the_json_of_an_empty_pass(paused: bool) -> None:
    assert IdlePass(paused=paused).to_json() == PassReport(paused=paused).to_json()


def test_times_compare_as_sqlalchemy_stores_them() -> None:
    bind = UTCDateTime().dialect_impl(sqlite_dialect.dialect()).bind_processor(sqlite_dialect.dialect())
    assert bind is not None
    for moment in (datetime(2026, 11, 30, 9, 5, 7, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)):
        assert peek.sql_time(moment) == bind(moment)
    local = datetime(2026, 6, 1, 12, 0, tzinfo=UTC).astimezone(datetime.now().astimezone().tzinfo)
    assert peek.sql_time(local) == "2026-06-01 12:00:00.000000"


def test_an_empty_store_is_idle(ctx: AppContext) -> None:
    assert idle_pass(None) == IdlePass()


def test_future_posts_and_history_are_idle(ctx: AppContext) -> None:
    account = _account(ctx)
    _post(ctx, account, NOW + timedelta(minutes=5))
    sent = _post(ctx, account, NOW + timedelta(days=2))
    _set(ctx, sent, state=S.PUBLISHED, scheduled_at=NOW - timedelta(days=1), published_at=NOW - timedelta(days=1))
    failed = _post(ctx, account, NOW + timedelta(days=3))
    _set(ctx, failed, state=S.FAILED, scheduled_at=NOW - timedelta(hours=1))
    assert idle_pass(None, now=NOW) == IdlePass()


def test_a_due_post_is_work(ctx: AppContext) -> None:
    variant = _post(ctx, _account(ctx), NOW + timedelta(minutes=5))
    assert idle_pass(None, now=NOW) == IdlePass()
    assert idle_pass(None, now=NOW + timedelta(minutes=5)) is None  # due at its very time, as due_filter says
    _set(ctx, variant, scheduled_at=NOW - timedelta(days=2))  # long missed: give_up_late has work
    assert idle_pass(None, now=NOW) is None


def test_a_due_post_of_an_account_that_needs_reconnecting_is_work(ctx: AppContext) -> None:
    account = _account(ctx)
    _post(ctx, account, NOW - timedelta(minutes=1))
    with ctx.session() as s:
        s.execute(update(Account).where(Account.id == account).values(status="needs_reconnect"))
    assert idle_pass(None, now=NOW) is None  # hold_unreachable_accounts says so in words


def test_a_retry_is_work_once_its_time_comes(ctx: AppContext) -> None:
    variant = _post(ctx, _account(ctx), NOW + timedelta(days=1))
    _set(ctx, variant, state=S.RETRYING, scheduled_at=NOW - timedelta(minutes=3), next_attempt_at=NOW + timedelta(1))
    assert idle_pass(None, now=NOW) == IdlePass()
    _set(ctx, variant, next_attempt_at=NOW - timedelta(seconds=1))
    assert idle_pass(None, now=NOW) is None


def test_a_variant_in_publishing_is_work(ctx: AppContext) -> None:
    variant = _post(ctx, _account(ctx, paused=True), NOW + timedelta(days=1))
    _set(ctx, variant, state=S.PUBLISHING, claimed_by="cli 1@elsewhere abc", claimed_at=NOW)
    assert idle_pass(None, now=NOW) is None  # live or stale, paused or not: the full pass decides


def test_a_cancelled_post_to_check_on_the_network_is_work(ctx: AppContext) -> None:
    variant = _post(ctx, _account(ctx), NOW + timedelta(days=1))
    _set(ctx, variant, state=S.CANCELLED, next_attempt_at=NOW + timedelta(minutes=15))
    assert idle_pass(None, now=NOW) == IdlePass()
    _set(ctx, variant, next_attempt_at=NOW - timedelta(minutes=1))
    assert idle_pass(None, now=NOW) is None


def test_due_posts_of_a_paused_account_wait_quietly(ctx: AppContext) -> None:
    _post(ctx, _account(ctx, paused=True), NOW - timedelta(minutes=1))
    assert idle_pass(None, now=NOW) == IdlePass()  # the full pass neither claims nor reports them


def test_paused_publishing_is_reported_as_paused(ctx: AppContext) -> None:
    _post(ctx, _account(ctx), NOW - timedelta(minutes=1))
    app_settings.put(ctx, app_settings.PUBLISHING_PAUSED, True)
    assert idle_pass(None, now=NOW) == IdlePass(paused=True)
    app_settings.put(ctx, app_settings.PUBLISHING_PAUSED, False)
    assert idle_pass(None, now=NOW) is None


def test_an_import_in_progress_is_work(ctx: AppContext) -> None:
    _post(ctx, _account(ctx), NOW + timedelta(days=1))
    with ctx.session() as s:
        s.execute(update(Post).values(import_job="job1"))
    assert idle_pass(None, now=NOW) is None  # the full pass sweeps abandoned imports


def test_a_missing_store_is_left_to_the_full_path(isolated_home: Path) -> None:
    assert idle_pass(None) is None
    assert idle_pass(isolated_home / "nowhere") is None
    assert not (isolated_home / DB_FILENAME).exists() and not (isolated_home / "nowhere").exists()


def test_a_server_database_is_left_to_the_full_path(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_DESK_DB_URL", "postgresql://127.0.0.1:1/desk")
    assert idle_pass(None) is None


def test_a_pending_migration_is_left_to_the_full_path(isolated_home: Path) -> None:
    engine = make_engine(f"sqlite:///{isolated_home / DB_FILENAME}")
    migrate(engine, isolated_home, target="0001")
    engine.dispose()
    os.chmod(isolated_home / DB_FILENAME, 0o600)
    assert idle_pass(None) is None


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_store_that_is_not_owner_only_is_left_to_the_full_path(ctx: AppContext) -> None:
    db = ctx.db.path
    assert db is not None
    os.chmod(db, 0o644)
    assert idle_pass(None) is None  # opening the store makes it 0600 again
    os.chmod(db, 0o600)
    assert idle_pass(None) == IdlePass()


def test_a_store_not_in_wal_mode_is_left_to_the_full_path(ctx: AppContext) -> None:
    db = ctx.db.path
    assert db is not None
    ctx.close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    assert idle_pass(None) is None


def test_a_damaged_store_is_left_to_the_full_path(ctx: AppContext) -> None:
    db = ctx.db.path
    assert db is not None
    ctx.close()
    db.write_bytes(b"this is not a database" * 100)
    assert idle_pass(None) is None  # the full path says in words what is wrong
