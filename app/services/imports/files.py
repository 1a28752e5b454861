"""Reading a member import: the file's shape (CSV or JSON), then each row on its own
(email, name, roles, external id). Nothing here touches the database."""

import csv
import io
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, ValidationError

from app import json_body
from app.errors import FieldError, Invalid, UnsupportedMediaType, shown
from app.models.memberships import Role
from app.models.people import DisplayName

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_REPORTED_ERRORS = 1_000
CSV_TYPES = frozenset({"text/csv", "application/csv"})
ROLE_SEPARATORS = (";", ",", "|")


@dataclass(frozen=True)
class RowFieldError(FieldError):
    """A field error with the row it was found on, as numbered in the file."""

    row: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, **super().as_dict()}


@dataclass
class RawRow:
    row: int
    values: dict[str, Any] | None


@dataclass
class Outcome:
    """Counts so far; `errors` lists every rejected row's problems, in row order."""

    total: int
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    people_created: int = 0
    invited: int = 0
    errors: list[RowFieldError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({e.row for e in self.errors})

    def reject(self, row: int, field_name: str, message: str, code: str = "invalid") -> None:
        self.errors.append(RowFieldError(field_name, message, code, row))

    def reported_errors(self) -> list[dict[str, Any]]:
        ordered = sorted(self.errors, key=lambda e: e.row)
        return [e.as_dict() for e in ordered[:MAX_REPORTED_ERRORS]]


# Reading the file: its shape only. Rows are checked one by one afterwards.


def parse(body: bytes, content_type: str | None) -> list[RawRow]:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if len(body) > MAX_BYTES:
        raise Invalid(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.",
            errors=[FieldError("body", "too large", "too_large")],
        )
    if media in CSV_TYPES:
        rows = _parse_csv(body)
    elif media == "application/json" or media.endswith("+json"):
        rows = _parse_json(body)
    else:
        raise UnsupportedMediaType(
            "Send the members as text/csv or application/json.",
            errors=[FieldError("content-type", f"'{shown(media) or 'none'}' is not supported")],
        )
    if not rows:
        raise Invalid("The file has no members.", errors=[FieldError("body", "no rows", "empty")])
    if len(rows) > MAX_ROWS:
        raise Invalid(
            f"The file has {len(rows)} rows; at most {MAX_ROWS} are imported at once.",
            errors=[FieldError("body", "too many rows", "too_many_rows")],
        )
    return rows


def _header(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _parse_csv(body: bytes) -> list[RawRow]:
    try:
        content = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            "The CSV file is not UTF-8 text.",
            errors=[FieldError("body", f"byte {exc.start} is not UTF-8", "encoding")],
        ) from exc
    reader = csv.reader(io.StringIO(content, newline=""))
    rows: list[RawRow] = []
    try:
        header = [_header(h) for h in next(reader, [])]
        missing = [name for name in ("email", "display_name") if name not in header]
        if missing:
            raise Invalid(
                "The first line must name the columns: email, display_name, and optionally "
                "roles and external_id.",
                errors=[FieldError("header", f"no '{name}' column", "missing") for name in missing],
            )
        line = reader.line_num
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(value.strip() for value in record):
                continue
            rows.append(RawRow(start, dict(zip(header, record, strict=False))))
    except csv.Error as exc:
        raise Invalid(
            f"The CSV file cannot be read at line {reader.line_num}: {exc}.",
            errors=[FieldError("body", str(exc), "csv")],
        ) from exc
    return rows


def _parse_json(body: bytes) -> list[RawRow]:
    try:
        data = json_body.loads(body)
    except json_body.MalformedJSON as exc:
        raise Invalid(
            "The body is not valid JSON.", errors=[FieldError("body", exc.msg, "json")]
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("members"), list):
        data = data["members"]
    if not isinstance(data, list):
        raise Invalid(
            "Send a JSON list of members (objects with email, display_name, roles and "
            "optionally external_id).",
            errors=[FieldError("body", "not a list", "type")],
        )
    return [RawRow(n, item if isinstance(item, dict) else None) for n, item in enumerate(data, 1)]


# Checking rows on their own.

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]


class _MemberRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: EmailStr
    display_name: DisplayName
    roles: Annotated[list[Role], Field(max_length=len(Role))] = []
    external_id: ExternalId | None = None


@dataclass
class MemberRow:
    row: int
    email: str
    display_name: str
    roles: list[str] | None  # None: keep an existing member's roles
    external_id: str | None


def _split_roles(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        for separator in ROLE_SEPARATORS[1:]:
            value = value.replace(separator, ROLE_SEPARATORS[0])
        return [part.strip().lower() for part in value.split(ROLE_SEPARATORS[0]) if part.strip()]
    if isinstance(value, list):
        return [v.strip().lower() if isinstance(v, str) else v for v in value]
    return value


def normal_roles(roles: list[Role]) -> list[str]:
    return [r.value for r in dict.fromkeys([Role.member, *roles])]


def check_row(raw: RawRow, outcome: Outcome) -> MemberRow | None:
    if raw.values is None:
        outcome.reject(raw.row, "row", "Each member is a JSON object.", "type")
        return None
    values = dict(raw.values)
    values["roles"] = _split_roles(values.get("roles"))
    try:
        parsed = _MemberRow.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "row"
            outcome.reject(raw.row, name, error["msg"], error["type"])
        return None
    return MemberRow(
        row=raw.row,
        email=parsed.email.lower(),
        display_name=parsed.display_name,
        roles=normal_roles(parsed.roles) if parsed.roles else None,
        external_id=parsed.external_id or None,
    )
