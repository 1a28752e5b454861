from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET


def input_data(obj: Any) -> dict[str, Any]:
    """A Strawberry input as a dict of the fields the client actually sent."""
    return {k: v for k, v in vars(obj).items() if v is not UNSET}


ExpectedVersion = Annotated[
    int | None,
    strawberry.argument(
        description="The `version` you last read: the change happens only if it is still "
        "current, else the error's code is CONFLICT (problem type precondition-failed)."
    ),
]
