"""Bulk member imports and the jobs that report their progress.

A large import runs in the background of the API process; its job row is what a client
polls. The row is committed on its own, apart from the import's one transaction, so
progress is visible while the import is still uncommitted."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import created_at_field, enum_check, id_field, optional_time_field
from app.models.domains import DomainPublic


class ImportJobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class ImportJobKind(StrEnum):
    members = "members"


UNFINISHED = (ImportJobStatus.queued, ImportJobStatus.running)


def _count() -> Any:
    return SQLField(default=0, sa_column_kwargs={"server_default": "0"})


class ImportJob(SQLModel, table=True):
    __tablename__ = "import_jobs"
    __table_args__ = (
        enum_check("status", ImportJobStatus),
        enum_check("kind", ImportJobKind),
        sa.Index("ix_import_jobs_domain_created", "domain_id", "created_at"),
        sa.Index(
            "ix_import_jobs_unfinished",
            "heartbeat_at",
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
    )

    id: uuid.UUID = id_field()
    kind: str = SQLField(max_length=16)
    domain_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="domains.id", ondelete="CASCADE"
    )
    actor_person_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    actor_api_key_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="api_keys.id", ondelete="SET NULL"
    )
    status: str = SQLField(default=ImportJobStatus.queued, max_length=16)
    atomic: bool = SQLField(default=False, sa_column_kwargs={"server_default": sa.false()})
    # True: the rows became invitations (anyone but a platform admin or an admin key).
    invites: bool = SQLField(default=False, sa_column_kwargs={"server_default": sa.false()})
    total: int = _count()
    processed: int = _count()
    created: int = _count()
    updated: int = _count()
    unchanged: int = _count()
    rejected: int = _count()
    people_created: int = _count()
    invited: int = _count()
    errors: list[dict[str, Any]] = SQLField(
        default_factory=list,
        sa_type=JSONB,
        sa_column_kwargs={"server_default": sa.text("'[]'::jsonb")},
        nullable=False,
    )
    detail: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    created_at: datetime = created_at_field()
    started_at: datetime | None = optional_time_field()
    finished_at: datetime | None = optional_time_field()
    heartbeat_at: datetime = created_at_field()


# Data models


class RowError(BaseModel):
    row: int = Field(
        description="The row as numbered in the file: in CSV the header is row 1 and the "
        "first member row 2; in JSON the first object of the list is row 1."
    )
    field: str
    message: str
    code: str


class ImportReport(BaseModel):
    """What an import did (or, while it runs, has done so far). A small import answers
    with it at once (`id` null: nothing to poll); a large one is a job to poll."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID | None = Field(
        description="The job to poll at /api/v1/jobs/{id}; null for an import done at once."
    )
    kind: ImportJobKind
    domain_id: uuid.UUID | None
    status: ImportJobStatus
    atomic: bool
    invites: bool = Field(
        description="True: each row is an invitation the person accepts or declines (an "
        "import by a convenor or a `write` key); false: people became members at once (an "
        "import by a platform admin or an `admin` key)."
    )
    total: int = Field(description="Rows in the file.")
    processed: int = Field(description="Rows handled so far.")
    created: int = Field(description="Memberships created.")
    updated: int = Field(
        description="Memberships reactivated or given new roles, or people linked to their "
        "external id."
    )
    unchanged: int
    rejected: int = Field(description="Rows refused; `errors` says why.")
    invited: int = Field(
        description="Invitations sent: to people with an account and to addresses without "
        "one alike."
    )
    people_created: int | None = Field(
        description="People created (inactive until they sign up). Shown to platform admins "
        "and `admin` keys only: to anyone else it would tell which addresses had an account."
    )
    errors: list[RowError] = Field(description="Row errors (the first 1,000).")
    detail: str = Field(description="Why a failed job failed.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class DomainImported(BaseModel):
    """A domain restored from an export."""

    domain: DomainPublic
    counts: dict[str, int] = Field(description="Rows restored per section of the document.")
    people_matched: int = Field(
        description="People of the export found here (by external id or email)."
    )
    people_created: int = Field(description="People created (inactive until they sign up).")
