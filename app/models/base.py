import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Set only by `replayed_at`: a task replaying history (the demo community) writes each
# change at the moment it is said to have happened. Requests never set it.
_REPLAYED_AT: ContextVar[datetime | None] = ContextVar("replayed_at", default=None)


def utcnow() -> datetime:
    """Now, as every service stamps its writes (created_at, events, audit rows, history)."""
    moment = _REPLAYED_AT.get()
    return datetime.now(UTC) if moment is None else moment


@contextmanager
def replayed_at(moment: datetime) -> Iterator[None]:
    """Within this block (and this task only), `utcnow()` is `moment`: the services then
    record a change of the past exactly as they record one of the present, with the same
    rows, versions, events and audit entries, only dated then. For replaying history (the
    demo community); the rules that compare with now (RSVPs close when a gathering ends,
    attendance opens when it starts) compare with `moment` too."""
    if moment.tzinfo is None:
        raise ValueError("replayed_at needs an aware datetime")
    token = _REPLAYED_AT.set(moment)
    try:
        yield
    finally:
        _REPLAYED_AT.reset(token)


def id_field() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)


def created_at_field() -> Any:
    return Field(
        default_factory=utcnow,
        sa_column_kwargs={"server_default": sa.func.now()},
        sa_type=sa.DateTime(timezone=True),
        nullable=False,
    )


def updated_at_field() -> Any:
    return created_at_field()


def version_field() -> Any:
    return Field(
        default=1,
        sa_column_kwargs={"server_default": "1"},
        nullable=False,
        description='Grows by one with every change; the ETag starts with it (`"7.<digest>"`).',
    )


class Versioned:
    """A table whose `version` column (see `version_field`) is SQLAlchemy's version
    counter: every ORM UPDATE sets `version = version + 1` and adds `WHERE version = <the
    version read>`, so a concurrent change between reading and writing a row fails
    (StaleDataError) instead of being overwritten. An UPDATE written in SQL (not through
    the ORM) must add `version = version + 1` itself."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def optional_time_field(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=sa.DateTime(timezone=True), nullable=True, **kwargs)


def text_list_field(item: sa.types.TypeEngine[Any] | None = None) -> Any:
    return Field(
        default_factory=list,
        sa_type=ARRAY(item or sa.Text()),
        sa_column_kwargs={"server_default": sa.text("'{}'")},
        nullable=False,
    )


def uuid_list_field() -> Any:
    return text_list_field(sa.Uuid())


def enum_check(column: str, values: Any) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")
