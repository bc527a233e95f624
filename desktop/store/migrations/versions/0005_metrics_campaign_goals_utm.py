"""metrics latest table and rate windows, measurable campaign goals, UTM tagging, external posts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:30:00

- ``metric_latest``: the newest value of each (variant, metric), maintained with the snapshots.
- ``rate_windows``: the last rate-limit window each account's network reported.
- ``campaigns.goal_metric/goal_target/goal_by/notes``: a goal with a number, and notes.
- ``posts.external``: posts published outside the app, imported for analytics.
- ``posts.no_utm``: links the user opted out of UTM tagging.
- ``variants.tagged_texts``: the tagged text of each part, fixed at the first claim.
- ``variants.metrics_synced_at`` / ``accounts.metrics_synced_at``: the sync cadence.
- ``variants.engagements`` / ``variants.followers_at_publish``: per-post figures kept beside the
  metrics, so the dashboard reads one scan of the variants by ``published_at``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_latest",
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_metric_latest_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"], ["variants.id"], name=op.f("fk_metric_latest_variant_id_variants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("variant_id", "metric", name=op.f("pk_metric_latest")),
    )
    op.create_index(op.f("ix_metric_latest_account_id"), "metric_latest", ["account_id"], unique=False)
    op.create_table(
        "rate_windows",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("resets_at", sa.DateTime(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_rate_windows_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "scope", name=op.f("pk_rate_windows")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goal_metric", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("goal_target", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("goal_by", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external", sa.Boolean(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("no_utm", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tagged_texts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("metrics_synced_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("engagements", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("followers_at_publish", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_variants_published_at"), ["published_at"], unique=False)
        batch_op.create_index("ix_variants_account_remote_id", ["account_id", "remote_id"], unique=False)
        batch_op.create_index(
            "ix_variants_published_stats",
            ["published_at", "state", "account_id", "post_id", "engagements", "followers_at_publish"],
            unique=False,
        )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metrics_synced_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("metric_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_metric_snapshots_taken_at", ["taken_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("metric_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_snapshots_taken_at")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("metrics_synced_at")
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.drop_index("ix_variants_published_stats")
        batch_op.drop_index("ix_variants_account_remote_id")
        batch_op.drop_index(batch_op.f("ix_variants_published_at"))
        batch_op.drop_column("followers_at_publish")
        batch_op.drop_column("engagements")
        batch_op.drop_column("metrics_synced_at")
        batch_op.drop_column("tagged_texts")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("no_utm")
        batch_op.drop_column("external")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("goal_by")
        batch_op.drop_column("goal_target")
        batch_op.drop_column("goal_metric")
    op.drop_table("rate_windows")
    op.drop_index(op.f("ix_metric_latest_account_id"), table_name="metric_latest")
    op.drop_table("metric_latest")
