"""import invitations: an import job records whether its rows became invitations (any
import but a platform admin's or an admin key's), and how many it sent

Revision ID: 0007_consent
Revises: 0007_identity
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007_consent"
down_revision: str | Sequence[str] | None = "0007_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Jobs from before this revision added members at once: `invites` false.
    op.add_column(
        "import_jobs",
        sa.Column("invites", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "import_jobs",
        sa.Column("invited", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("import_jobs", "invited")
    op.drop_column("import_jobs", "invites")
