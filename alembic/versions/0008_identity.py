"""identity: verified emails, one-time account tokens (verification, password reset),
a per-person cut-off for access tokens, and the successor of a spent refresh token

Revision ID: 0007_identity
Revises: 0007_api_key_rate_limits
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_identity"
down_revision: str | Sequence[str] | None = "0007_api_key_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("people", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("people", sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))
    # Accounts that already sign in keep what they have: they are taken as verified. People
    # an import created (no password) are not: claiming them needs the mailed link.
    op.execute("UPDATE people SET email_verified_at = created_at WHERE password_hash IS NOT NULL")
    op.add_column("refresh_tokens", sa.Column("replaced_by_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_refresh_tokens_replaced_by_id_refresh_tokens"),
        "refresh_tokens",
        "refresh_tokens",
        ["replaced_by_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('verify_email', 'reset_password')",
            name=op.f("ck_account_tokens_purpose_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_account_tokens_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("person_id", "purpose", name="uq_account_tokens_person_id_purpose"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("account_tokens")
    op.drop_constraint(
        op.f("fk_refresh_tokens_replaced_by_id_refresh_tokens"), "refresh_tokens", type_="foreignkey"
    )
    op.drop_column("refresh_tokens", "replaced_by_id")
    op.drop_column("people", "tokens_valid_after")
    op.drop_column("people", "email_verified_at")
