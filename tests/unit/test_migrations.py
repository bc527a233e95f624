"""Migrations: from nothing, from the first revision with data, with a backup first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from desktop.store.database import Database, head_revision, make_engine, migrate
from desktop.store.models import Base


def test_empty_database_migrates_to_head(tmp_path: Path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)
    assert db.schema_version() == head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "accounts",
        "campaigns",
        "posts",
        "variants",
        "media",
        "attachments",
        "publish_attempts",
        "metric_snapshots",
        "queue_slots",
        "settings",
    } <= tables
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


def test_migrations_match_the_models(tmp_path: Path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_upgrade_from_first_revision_keeps_data_and_backs_up_first(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, tmp_path, target="0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (provider, remote_id, handle, display_name, server_url, avatar_url, status,"
                " status_detail, settings, created_at, updated_at) VALUES ('bluesky', 'did:plc:x', 'ann.test', 'Ann',"
                " 'http://localhost', '', 'connected', '', '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    result = migrate(engine, tmp_path)
    assert (result.before, result.after) == ("0001", head_revision())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT handle, paused FROM accounts")).one() == ("ann.test", 0)
    # the copy taken before migrating is a complete, readable database at the old revision
    assert result.backup is not None and result.backup.exists()
    copy = sqlite3.connect(result.backup)
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert copy.execute("SELECT handle FROM accounts").fetchall() == [("ann.test",)]
    copy.close()
    engine.dispose()


def test_no_backup_when_already_current(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    Database.open(url, tmp_path).close()
    again = Database.open(url, tmp_path)
    backups = tmp_path / "backups"
    assert not backups.exists() or list(backups.iterdir()) == []
    again.close()


def test_0004_moves_first_comments_and_part_ids_out_of_old_places(tmp_path: Path) -> None:
    """Before 0004 the composer kept a first comment as the thread's last part plus a settings row
    (``compose.post.<id>``), and a variant's live parts as bare ids; 0004 moves both."""
    import json

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, tmp_path, target="0003")
    stamp = "'2026-11-01 00:00:00'"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, provider, remote_id, handle, display_name, server_url, avatar_url, status,"
                " status_detail, settings, paused, created_at, updated_at) VALUES"
                f" (1, 'mastodon', '9', '@ann', 'Ann', 'https://x', '', 'connected', '', '{{}}', 0, {stamp}, {stamp}),"
                f" (2, 'bluesky', 'did:x', 'ann.bsky', 'Ann', 'https://y', '', 'connected', '', '{{}}', 0,"
                f" {stamp}, {stamp})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO posts (id, text, thread, link, content_warning, language, timezone, created_at,"
                f" updated_at) VALUES (1, 'Hello', '[\"part two\", \"Comment!\"]', '', '', '', 'UTC', {stamp}, {stamp})"
            )
        )
        variant_cols = (
            "post_id, account_id, text, thread, media_overridden, state, idempotency_key, attempt_count, claimed_by,"
            " remote_id, remote_url, remote_part_ids, last_error, created_at, updated_at"
        )
        conn.execute(
            text(
                f"INSERT INTO variants (id, {variant_cols}) VALUES"
                f" (1, 1, 1, NULL, NULL, 0, 'published', 'k1', 1, '', 'm1', 'https://x/@ann/m1',"
                f' \'["m1", "m2", "m3"]\', \'\', {stamp}, {stamp}),'
                f" (2, 1, 2, 'Hello, Bluesky', '[\"part two\", \"Comment!\"]', 0, 'scheduled', 'k2', 0, '', '', '',"
                f" '[]', '', {stamp}, {stamp})"
            )
        )
        conn.execute(
            text("INSERT INTO settings (key, value) VALUES ('compose.post.1', :v)"),
            {"v": json.dumps({"first_comment": True, "plain": []})},
        )
    migrate(engine, tmp_path)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT thread, first_comment FROM posts")).one() == ('["part two"]', "Comment!")
        parts = json.loads(conn.execute(text("SELECT remote_parts FROM variants WHERE id = 1")).scalar_one())
        assert [p["remote_id"] for p in parts] == ["m1", "m2", "m3"]
        assert parts[0]["url"] == "https://x/@ann/m1" and [p["index"] for p in parts] == [0, 1, 2]
        override = conn.execute(text("SELECT thread FROM variants WHERE id = 2")).scalar_one()
        assert json.loads(override) == ["part two"]  # the comment left the override too
        assert conn.execute(text("SELECT count(*) FROM settings WHERE key LIKE 'compose.post.%'")).scalar_one() == 0
        assert conn.execute(text("SELECT version FROM variants WHERE id = 1")).scalar_one() == 1


def test_migrations_form_one_line_with_a_single_head() -> None:
    """Two branches adding revisions side by side must be merged before they land."""
    from alembic.script import ScriptDirectory

    from desktop.store.database import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [head_revision()]
    revisions = list(script.walk_revisions())
    assert [r.down_revision for r in revisions][-1] is None
    assert all(len(r.nextrev) <= 1 for r in revisions)


def test_0005_keeps_every_post_and_variant(tmp_path: Path) -> None:
    """0005 adds columns to posts and variants; SQLite must not rebuild a table whose rows the
    foreign keys would cascade away."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, tmp_path, target="0004")
    stamp = "'2026-11-01 00:00:00'"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, provider, remote_id, handle, display_name, server_url, avatar_url, status,"
                " status_detail, settings, paused, created_at, updated_at) VALUES"
                f" (1, 'mastodon', '9', '@ann', 'Ann', 'https://x', '', 'connected', '', '{{}}', 0, {stamp}, {stamp})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO posts (id, text, thread, link, content_warning, language, timezone, first_comment,"
                f" created_at, updated_at) VALUES (1, 'Hello', '[]', '', '', '', 'UTC', '', {stamp}, {stamp})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO variants (id, post_id, account_id, media_overridden, state, idempotency_key,"
                " attempt_count, claimed_by, remote_id, remote_url, remote_parts, version, last_error, created_at,"
                f" updated_at) VALUES (1, 1, 1, 0, 'published', 'k1', 1, '', 'm1', '', '[]', 1, '', {stamp}, {stamp})"
            )
        )
    migrate(engine, tmp_path)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT external, no_utm FROM posts")).one() == (0, "[]")
        assert conn.execute(text("SELECT remote_id, tagged_texts FROM variants")).one() == ("m1", None)
