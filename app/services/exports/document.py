"""The shape of a domain export document, derived from the tables (so it follows them),
and checking a document against it before anything is read from the database."""

import uuid
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)
from pydantic.fields import FieldInfo
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from app.errors import FieldError, Invalid
from app.models.domains import Domain, Slug
from app.models.people import TimeZoneName
from app.services.exports.spec import FORMAT, SECTIONS, VERSION, Section, domain_columns

MAX_REPORTED_ERRORS = 50


def _scalar(type_: Any) -> Any:
    if isinstance(type_, JSONB | sa.JSON):
        return Any
    if isinstance(type_, sa.DateTime):
        return AwareDatetime
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return Any
    length = getattr(type_, "length", None)
    if python_type is str and length:
        return Annotated[str, StringConstraints(max_length=length)]
    return python_type


def _annotation(column: Any) -> Any:
    if column.name == "timezone":
        base: Any = TimeZoneName
    elif isinstance(column.type, ARRAY):
        base = list[_scalar(column.type.item_type)]  # type: ignore[misc]
    else:
        base = _scalar(column.type)
    return base | None if column.nullable else base


def _default(model: Any, column: Any) -> Any:
    """The table model's own default, so that a document from before a column existed
    still imports; no default makes the field required."""
    info: FieldInfo | None = model.model_fields.get(column.name)
    if info is None:
        return None if column.nullable else ...
    if info.default_factory is not None:
        return Field(default_factory=info.default_factory)
    return ... if info.is_required() else info.default


_STRICT = ConfigDict(extra="forbid")


def _fields(model: Any, columns: list[Any]) -> dict[str, Any]:
    return {c.name: (_annotation(c), _default(model, c)) for c in columns}


@cache
def _row_model(section: Section) -> type[BaseModel]:
    fields = _fields(section.model, section.columns())
    for child in section.children:
        fields[child.key] = (list[_row_model(child)], Field(default_factory=list))  # type: ignore[misc]
    name = f"Exported{section.model.__name__}"
    model: type[BaseModel] = create_model(name, __config__=_STRICT, **fields)
    return model


class ExportedPerson(BaseModel):
    model_config = _STRICT

    id: uuid.UUID
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    bio: str = ""
    expertise: list[Annotated[str, StringConstraints(max_length=64)]] = []
    timezone: TimeZoneName = "UTC"
    share_participation: bool = True


@cache
def document_model() -> type[BaseModel]:
    domain_fields = _fields(Domain, domain_columns())
    domain_fields["slug"] = (Slug, ...)
    domain_fields["parent_slug"] = (Slug | None, None)
    exported_domain = create_model("ExportedDomain", __config__=_STRICT, **domain_fields)
    fields: dict[str, Any] = {
        "format": (Literal["cop-api.domain"], ...),
        "version": (Literal[1], ...),
        "exported_at": (datetime | None, None),
        "domain": (exported_domain, ...),
        "people": (list[ExportedPerson], Field(default_factory=list)),
    }
    for section in SECTIONS:
        fields[section.key] = (list[_row_model(section)], Field(default_factory=list))  # type: ignore[misc]
    model: type[BaseModel] = create_model("DomainExport", __config__=_STRICT, **fields)
    assert (FORMAT, VERSION) == ("cop-api.domain", 1)  # the Literals above
    return model


def invalid(message: str, errors: list[FieldError]) -> Invalid:
    return Invalid(message, errors=errors[:MAX_REPORTED_ERRORS])


def parse_document(document: Any) -> Any:
    if isinstance(document, dict) and document.get("format") != FORMAT:
        raise invalid(
            f"This is not a cop-api domain export (its `format` is not '{FORMAT}').",
            [FieldError("format", f"expected '{FORMAT}'", "format")],
        )
    people = document.get("people") if isinstance(document, dict) else None
    if isinstance(people, list) and any(isinstance(p, dict) and "email" not in p for p in people):
        raise invalid(
            "This export holds no emails (a convenor's export): only an export by a platform "
            "admin or an admin key can be restored.",
            [FieldError("people", "no emails", "not_restorable")],
        )
    try:
        return document_model().model_validate(document)
    except ValidationError as exc:
        raise invalid(
            "The export document is not valid; `errors` lists the first problems.",
            [
                FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"], e["type"])
                for e in exc.errors()
            ],
        ) from exc
