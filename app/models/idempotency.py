"""Idempotency keys: what a POST sent with an `Idempotency-Key` header answered, so that
a retry gets the same answer instead of doing the write again."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, id_field, optional_time_field


class IdempotencyRecord(SQLModel, table=True):
    """One key of one caller. Claimed (inserted, `completed_at` null) in its own short
    transaction before the request runs, so the unique constraint lets exactly one of
    several concurrent requests with the same key through; completed with the response
    afterwards. A record older than the retention (24 hours) counts as absent."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        sa.UniqueConstraint("caller", "key", name="uq_idempotency_keys_caller_key"),
        sa.Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: uuid.UUID = id_field()
    caller: str = Field(max_length=100)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)
    method: str = Field(max_length=10)
    path: str = Field(sa_type=sa.Text)
    created_at: datetime = created_at_field()
    completed_at: datetime | None = optional_time_field()
    status_code: int | None = None
    headers: list[Any] | None = Field(default=None, sa_column=sa.Column(JSONB))
    body: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))


__all__ = ["IdempotencyRecord"]
