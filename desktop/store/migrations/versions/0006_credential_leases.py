"""credential leases: one refresh of an account's tokens at a time, across processes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 21:40:00

- ``credential_leases``: who is refreshing an account's credentials, and until when (see
  desktop.services.connections). Nothing secret: the tokens stay in the keyring.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_leases",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_credential_leases_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_credential_leases")),
    )


def downgrade() -> None:
    op.drop_table("credential_leases")
