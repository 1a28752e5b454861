"""Per-request DataLoaders. Each batch opens its own short-lived session, because
sibling fields load concurrently and cannot share one AsyncSession."""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from app.db import session_scope
from app.errors import DomainError
from app.models.domains import Domain
from app.models.people import Person
from app.services import domains, memberships, people

if TYPE_CHECKING:
    from app.schema.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


Key = tuple[Any, ...]


def grouped(keys: list[Key], group_of: Callable[[Key], Key]) -> dict[Key, list[Key]]:
    groups: dict[Key, list[Key]] = defaultdict(list)
    for key in keys:
        groups[group_of(key)].append(key)
    return groups


class Loaders:
    def __init__(self, ctx: "Context") -> None:
        self._ctx = ctx
        self.person = DataLoader[uuid.UUID, Person | None](self._people)
        self.domain = DataLoader[uuid.UUID, Domain | None](self._domains)
        # keys: (domain_id, PageParams, status, role)
        self.domain_members = DataLoader[tuple[Any, ...], Any](self._domain_members)
        # keys: (person_id, PageParams)
        self.person_memberships = DataLoader[tuple[Any, ...], Any](self._person_memberships)
        self.membership_history = DataLoader[uuid.UUID, list[Any]](self._membership_history)

    async def _run(self, fn: Callable[..., Awaitable[V]], *args: Any) -> V:
        async with session_scope(self._ctx.sessionmaker) as session:
            return await fn(session, self._ctx.actor, *args)

    async def _people(self, ids: list[uuid.UUID]) -> list[Person | None]:
        found = await self._run(people.people_by_ids, list(ids))
        return [found.get(i) for i in ids]

    async def _domains(self, ids: list[uuid.UUID]) -> list[Domain | None]:
        found = await self._run(domains.domains_by_ids, list(ids))
        return [found.get(i) for i in ids]

    # A group's error (a bad cursor, say) fails only the fields that asked with those
    # arguments, not every field that happened to share the batch.

    async def _domain_members(self, keys: list[tuple[Any, ...]]) -> list[Any]:
        results: dict[tuple[Any, ...], Any] = {}
        for (params, status, role), group in grouped(keys, lambda k: k[1:]).items():
            pages: dict[uuid.UUID, Any]
            try:
                pages = await self._run(
                    memberships.members_for_domains,
                    [k[0] for k in group],
                    params,
                    status,
                    role,
                )
            except DomainError as exc:
                pages = {k[0]: exc for k in group}
            for key in group:
                results[key] = pages[key[0]]
        return [results[k] for k in keys]

    async def _person_memberships(self, keys: list[tuple[Any, ...]]) -> list[Any]:
        results: dict[tuple[Any, ...], Any] = {}
        for (params,), group in grouped(keys, lambda k: k[1:]).items():
            found: dict[uuid.UUID, Any]
            try:
                found = await self._run(
                    memberships.memberships_for_people, [k[0] for k in group], params
                )
            except DomainError as exc:
                found = {k[0]: exc for k in group}
            for key in group:
                results[key] = found[key[0]]
        return [results[k] for k in keys]

    async def _membership_history(self, ids: list[uuid.UUID]) -> list[list[Any]]:
        found = await self._run(memberships.history_for_memberships, list(ids))
        return [found.get(i, []) for i in ids]
