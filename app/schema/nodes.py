"""Relay's global object identification: `node(id)` and `nodes(ids)` refetch any object
with an identity by its global id, under the same rules as its own root lookup.

A missing object and one the caller may not see are the same answer, `null` with
NOT_FOUND at its path, so an outsider learns nothing of a private domain, not even that
an id names something in it. In `nodes` each id is answered on its own: a malformed,
missing or hidden one costs its own entry, never its siblings."""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, cast

import strawberry
from strawberry import relay

from app.errors import Invalid, NotFound, invalid_field, shown
from app.schema.context import Info
from app.schema.contributions.types import (
    CollectionType,
    ContributionType,
    EndorsementType,
    ReportType,
    ValueStoryType,
)
from app.schema.domains.types import DomainType
from app.schema.gatherings.operations import FeedTokenType
from app.schema.gatherings.types import GatheringType
from app.schema.memberships.types import MembershipType
from app.schema.people.types import ApiKeyType, PersonType
from app.schema.relay import UuidNode, not_an_id, parse_global_id
from app.services import lookups
from app.services.actors import Actor
from app.services.contributions.curation import collection_public
from app.services.gatherings.public import to_public

MAX_NODES = 100


@dataclass(frozen=True)
class NodeKind:
    """How the objects of one Node type are found (a batch from app.services.lookups)
    and shown to the caller."""

    type: type[UuidNode]
    find: Callable[[Any, Actor, list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]]
    show: Callable[[Any, Actor], UuidNode]

    @property
    def name(self) -> str:
        return str(self.type.__strawberry_definition__.name)  # type: ignore[attr-defined]


_KINDS = [
    NodeKind(PersonType, lookups.people, PersonType.for_viewer),
    NodeKind(ApiKeyType, lookups.api_keys, lambda k, _: ApiKeyType.from_model(k)),
    NodeKind(DomainType, lookups.domains, lambda d, _: DomainType.from_model(d)),
    NodeKind(MembershipType, lookups.memberships, lambda m, _: MembershipType.from_model(m)),
    NodeKind(
        GatheringType,
        lookups.gatherings,
        lambda v, _: GatheringType.from_model(to_public(v)),
    ),
    NodeKind(ContributionType, lookups.contributions, lambda c, _: ContributionType.from_model(c)),
    NodeKind(EndorsementType, lookups.endorsements, lambda e, _: EndorsementType.from_model(e)),
    NodeKind(ValueStoryType, lookups.value_stories, lambda v, _: ValueStoryType.from_model(v)),
    NodeKind(
        CollectionType,
        lookups.collections,
        lambda c, _: CollectionType.from_model(collection_public(c.collection, c.items)),
    ),
    NodeKind(ReportType, lookups.reports, lambda r, _: ReportType.from_model(r)),
    NodeKind(
        FeedTokenType,
        lookups.feed_tokens,
        lambda t, _: FeedTokenType.from_model(t),
    ),
]
KINDS: dict[str, NodeKind] = {k.name: k for k in _KINDS}
NODE_TYPES: list[type[UuidNode]] = [k.type for k in _KINDS]


def parse_node_id(value: str, field: str = "id") -> tuple[NodeKind, uuid.UUID]:
    """The kind and UUID a global id names; BAD_USER_INPUT for anything else."""
    type_name, ident = parse_global_id(value, field)
    kind = KINDS.get(type_name)
    if kind is None:
        raise not_an_id(value, field)
    return kind, ident


async def load_node(info: Info, kind: NodeKind, ident: uuid.UUID) -> UuidNode:
    found = await info.context.loaders.node.load((kind.find, ident))
    if found is None:
        raise NotFound(f"No {kind.name} with this id.")
    return kind.show(found, info.context.actor)


async def _refetch(info: Info, value: str, field: str) -> UuidNode:
    kind, ident = parse_node_id(value, field)
    return await load_node(info, kind, ident)


def parse_uuid(value: object) -> uuid.UUID:
    """The `UUID` scalar's input: a UUID, or an object's global id standing for its UUID
    (what a Relay client holds). Of another type than the argument wants, it names no
    object there: NOT_FOUND, as any unknown UUID."""
    if not isinstance(value, str):
        raise TypeError("A UUID is a string.")
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    try:
        return parse_node_id(value)[1]
    except Invalid:
        raise ValueError(f"'{shown(value)}' is neither a UUID nor a global id.") from None


UUID_SCALAR = strawberry.scalar(
    name="UUID",
    description="A UUID in its canonical text form, e.g. 8f14e45f-ceea-467f-a0e6-1b1a2b3c4d5e: "
    "an object's `uuid`, as the REST API shows it. Where an argument takes one, the object's "
    "global `id` is accepted too and stands for its UUID.",
    serialize=str,
    parse_value=parse_uuid,
)


NodeIds = Annotated[
    list[strawberry.ID],
    strawberry.argument(description=f"Global ids, at most {MAX_NODES}; repeats are allowed."),
]


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object with an identity, by its global `id`: the same object, and "
        "the same rules, as its own query. Null with NOT_FOUND if there is none or you may "
        "not see it; BAD_USER_INPUT if the id is not one this API gave out."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> relay.Node | None:
        return await _refetch(info, id, "id")

    @strawberry.field(
        description="Objects by their global ids, in the same order. Each entry is answered "
        "as `node` answers: a missing, hidden or malformed id is null with its own error at "
        "its index, and the others keep their data."
    )
    async def nodes(self, info: Info, ids: NodeIds) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise invalid_field(
                "ids",
                f"At most {MAX_NODES} ids at once; send the rest in another query.",
                "too_many_ids",
            )
        # Awaitables, so that each entry fails on its own; the loader batches them.
        return [cast(relay.Node, _refetch(info, value, "ids")) for value in ids]
