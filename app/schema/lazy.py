"""GraphQL types that refer to each other across modules. A domain lists its members and a
membership names its domain: one of the two modules must not import the other, or they
form a cycle. The one that does not names the other's type by a lazy annotation,
`Annotated["MembershipType", strawberry.lazy("app.schema.memberships.types")]`, which
Strawberry resolves when it builds the schema; `lazy_class` resolves the same annotation
for a resolver that builds an object of that type, when it first runs."""

import typing
from typing import Any

from strawberry.types.lazy_type import StrawberryLazyReference


def lazy_class(reference: Any) -> Any:
    """The class a lazy annotation names."""
    name, *extras = typing.get_args(reference)
    lazy = next(e for e in extras if isinstance(e, StrawberryLazyReference))
    forward = name if isinstance(name, typing.ForwardRef) else typing.ForwardRef(name)
    return lazy.resolve_forward_ref(forward).resolve_type()
