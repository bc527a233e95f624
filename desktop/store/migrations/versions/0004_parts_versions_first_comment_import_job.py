"""thread parts tracked one by one, variant versions, first comment column, import jobs, attempt texts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:45:00

- ``variants.remote_parts`` (each live part: index, remote id, url) replaces ``remote_part_ids``.
- ``variants.version``: every write checks and bumps it (optimistic concurrency).
- ``posts.first_comment`` moves out of the settings table (``compose.post.<id>`` rows), where the
  composer kept it as "the last thread part is the first comment".
- ``posts.import_job``: rows of a CSV import still in progress.
- ``publish_attempts.texts``: what each attempt sent, to look up an earlier text after an edit.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_comment", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("import_job", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_posts_import_job"), ["import_job"], unique=False)
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remote_parts", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("publish_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("texts", sa.JSON(), nullable=True))

    conn = op.get_bind()
    # Live parts: ids as they were, the first part's URL where it was recorded.
    for vid, remote_id, url, part_ids in conn.execute(
        sa.text("SELECT id, remote_id, remote_url, remote_part_ids FROM variants WHERE remote_id <> ''")
    ).all():
        ids = _json(part_ids) or [remote_id]
        parts = [{"index": i, "remote_id": str(r), "url": url if i == 0 else ""} for i, r in enumerate(ids)]
        conn.execute(
            sa.text("UPDATE variants SET remote_parts = :p WHERE id = :id"), {"p": json.dumps(parts), "id": vid}
        )
    # First comments: the composer stored them as the thread's last part plus a settings row.
    for key, value in conn.execute(sa.text("SELECT key, value FROM settings WHERE key LIKE 'compose.post.%'")).all():
        meta = _json(value) or {}
        try:
            post_id = int(str(key).rsplit(".", 1)[1])
        except ValueError:
            continue
        row = conn.execute(sa.text("SELECT thread FROM posts WHERE id = :id"), {"id": post_id}).first()
        if row is not None and meta.get("first_comment"):
            thread = list(_json(row[0]) or [])
            comment = thread.pop() if thread else ""
            conn.execute(
                sa.text("UPDATE posts SET thread = :t, first_comment = :c WHERE id = :id"),
                {"t": json.dumps(thread), "c": comment, "id": post_id},
            )
            plain = {int(a) for a in meta.get("plain", [])}
            for vid, account_id, vthread in conn.execute(
                sa.text("SELECT id, account_id, thread FROM variants WHERE post_id = :id AND text IS NOT NULL"),
                {"id": post_id},
            ).all():
                if account_id in plain:  # a copy of the shared text made only to leave the comment out
                    conn.execute(sa.text("UPDATE variants SET text = NULL, thread = NULL WHERE id = :id"), {"id": vid})
                    continue
                parts = _json(vthread)
                if isinstance(parts, list) and parts and parts[-1] == comment:
                    parts.pop()
                    conn.execute(
                        sa.text("UPDATE variants SET thread = :t WHERE id = :id"), {"t": json.dumps(parts), "id": vid}
                    )
        conn.execute(sa.text("DELETE FROM settings WHERE key = :k"), {"k": key})

    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.drop_column("remote_part_ids")


def downgrade() -> None:
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remote_part_ids", sa.JSON(), nullable=False, server_default="[]"))
    conn = op.get_bind()
    for vid, parts in conn.execute(sa.text("SELECT id, remote_parts FROM variants")).all():
        ids = [p.get("remote_id") for p in (_json(parts) or [])]
        conn.execute(
            sa.text("UPDATE variants SET remote_part_ids = :p WHERE id = :id"), {"p": json.dumps(ids), "id": vid}
        )
    for pid, thread, comment in conn.execute(
        sa.text("SELECT id, thread, first_comment FROM posts WHERE first_comment <> ''")
    ).all():
        parts = [*(_json(thread) or []), comment]
        conn.execute(sa.text("UPDATE posts SET thread = :t WHERE id = :id"), {"t": json.dumps(parts), "id": pid})
    with op.batch_alter_table("publish_attempts", schema=None) as batch_op:
        batch_op.drop_column("texts")
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("remote_parts")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posts_import_job"))
        batch_op.drop_column("import_job")
        batch_op.drop_column("first_comment")
