from dataclasses import is_dataclass
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET


def input_data(obj: Any) -> dict[str, Any]:
    """A Strawberry input as a dict of the fields the client actually sent, nested
    inputs (an agenda's segments, say) included, ready for the service's pydantic model."""
    return {k: _plain(v) for k, v in vars(obj).items() if v is not UNSET}


def create_data(obj: Any) -> dict[str, Any]:
    """The same for a create: an explicit null means 'use the default', as an omitted
    field does (on an update, null means 'clear', so updates use `input_data`)."""
    return {k: v for k, v in input_data(obj).items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return input_data(value)
    return value


ExpectedVersion = Annotated[
    int | None,
    strawberry.argument(
        description="The `version` you last read: the change happens only if it is still "
        "current, else the error's code is CONFLICT (problem type precondition-failed)."
    ),
]
