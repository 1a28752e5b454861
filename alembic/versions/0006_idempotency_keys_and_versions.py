"""idempotency keys and versions: stored responses of POSTs sent with an Idempotency-Key,
and a version counter (the ETag) on every resource clients change one at a time

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 06:16:02.437194
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("caller", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("caller", "key", name="uq_idempotency_keys_caller_key"),
    )
    op.create_index(
        "ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], unique=False
    )
    # Existing rows start at version 1, as new ones do.
    op.add_column(
        "collections", sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column(
        "contributions", sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column("domains", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column(
        "gatherings", sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column(
        "memberships", sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column("people", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column(
        "webhook_subscriptions",
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("webhook_subscriptions", "version")
    op.drop_column("people", "version")
    op.drop_column("memberships", "version")
    op.drop_column("gatherings", "version")
    op.drop_column("domains", "version")
    op.drop_column("contributions", "version")
    op.drop_column("collections", "version")
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
