from typing import Any

from strawberry.types.unset import UNSET


def input_data(obj: Any) -> dict[str, Any]:
    """A Strawberry input as a dict of the fields the client actually sent."""
    return {k: v for k, v in vars(obj).items() if v is not UNSET}
