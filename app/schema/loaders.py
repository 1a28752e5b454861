"""Per-request DataLoaders. Each batch opens its own short-lived session, because
sibling fields load concurrently and cannot share one AsyncSession."""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from app.errors import DomainError
from app.models.domains import Domain
from app.models.memberships import Invitation
from app.models.people import Person
from app.services import lookups
from app.services.contributions import batches as contribution_batches
from app.services.domains import service as domains
from app.services.gatherings import batches as gathering_batches
from app.services.memberships import batches as memberships
from app.services.people import service as people

if TYPE_CHECKING:
    from app.schema.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


Key = tuple[Any, ...]
Finder = Callable[[Any, Any, list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]]


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
        self.domain_invitation = DataLoader[uuid.UUID, Invitation | None](self._invitations)
        # keys: (domain_id, PageParams, status, role)
        self.domain_members = DataLoader[tuple[Any, ...], Any](self._domain_members)
        # keys: (person_id, PageParams)
        self.person_memberships = DataLoader[tuple[Any, ...], Any](self._person_memberships)
        self.membership_history = DataLoader[uuid.UUID, list[Any]](self._membership_history)
        # keys: (domain_id, PageParams, from, to, status)
        self.domain_gatherings = DataLoader[tuple[Any, ...], Any](self._domain_gatherings)
        # keys: (person_id, PageParams, from, to)
        self.person_gatherings = DataLoader[tuple[Any, ...], Any](self._person_gatherings)
        self.gathering_rsvps = DataLoader[uuid.UUID, Any](self._gathering_rsvps)
        self.gathering_attendance = DataLoader[uuid.UUID, Any](self._gathering_attendance)
        # keys: (domain_id, PageParams, ContributionFilter, ContributionSort)
        self.domain_contributions = DataLoader[tuple[Any, ...], Any](self._domain_contributions)
        # keys: (parent_id, kind)
        self.contribution_children = DataLoader[tuple[Any, ...], Any](self._children)
        self.contribution_endorsements = DataLoader[uuid.UUID, Any](self._endorsements)
        self.contribution = DataLoader[uuid.UUID, Any](self._contributions)
        # keys: (finder from app.services.lookups, id); values: the object, None if the
        # caller may not see it, or the error that refused the whole lookup.
        self.node = DataLoader[tuple[Finder, uuid.UUID], Any](self._nodes)
        # What a node lookup finds, these loaders would find too (the same rule).
        self._shares: dict[Finder, DataLoader[uuid.UUID, Any]] = {
            lookups.people: self.person,
            lookups.contributions: self.contribution,
        }

    async def _run(self, fn: Callable[..., Awaitable[V]], *args: Any) -> V:
        async with self._ctx.session() as session:
            return await fn(session, self._ctx.actor, *args)

    async def _people(self, ids: list[uuid.UUID]) -> list[Person | None]:
        found = await self._run(people.people_by_ids, list(ids))
        return [found.get(i) for i in ids]

    async def _domains(self, ids: list[uuid.UUID]) -> list[Domain | None]:
        found = await self._run(domains.domains_by_ids, list(ids))
        return [found.get(i) for i in ids]

    async def _invitations(self, ids: list[uuid.UUID]) -> list[Invitation | None]:
        found = await self._run(memberships.pending_invitations, list(ids))
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

    async def _grouped_pages(
        self, keys: list[Key], fetch: Callable[[list[Any], Key], Awaitable[dict[Any, Any]]]
    ) -> list[Any]:
        """Pages for many parents: one fetch per distinct set of arguments; an error in one
        set fails only the fields that asked with those arguments."""
        results: dict[Key, Any] = {}
        for args, group in grouped(keys, lambda k: k[1:]).items():
            found: dict[Any, Any]
            try:
                found = await fetch([k[0] for k in group], args)
            except DomainError as exc:
                found = {k[0]: exc for k in group}
            for key in group:
                results[key] = found[key[0]]
        return [results[k] for k in keys]

    async def _domain_gatherings(self, keys: list[Key]) -> list[Any]:
        async def fetch(ids: list[Any], args: Key) -> dict[Any, Any]:
            return await self._run(gathering_batches.gatherings_for_domains, ids, *args)

        return await self._grouped_pages(keys, fetch)

    async def _person_gatherings(self, keys: list[Key]) -> list[Any]:
        async def fetch(ids: list[Any], args: Key) -> dict[Any, Any]:
            return await self._run(gathering_batches.gatherings_for_people, ids, *args)

        return await self._grouped_pages(keys, fetch)

    async def _gathering_rsvps(self, ids: list[uuid.UUID]) -> list[Any]:
        found = await self._run(gathering_batches.rsvps_for_gatherings, list(ids))
        return [found[i] for i in ids]

    async def _gathering_attendance(self, ids: list[uuid.UUID]) -> list[Any]:
        found = await self._run(gathering_batches.attendance_for_gatherings, list(ids))
        return [found[i] for i in ids]

    async def _domain_contributions(self, keys: list[Key]) -> list[Any]:
        async def fetch(ids: list[Any], args: Key) -> dict[Any, Any]:
            return await self._run(contribution_batches.contributions_for_domains, ids, *args)

        return await self._grouped_pages(keys, fetch)

    async def _children(self, keys: list[Key]) -> list[Any]:
        async def fetch(ids: list[Any], args: Key) -> dict[Any, Any]:
            return await self._run(contribution_batches.children_for, ids, *args)

        return await self._grouped_pages(keys, fetch)

    async def _endorsements(self, ids: list[uuid.UUID]) -> list[Any]:
        found = await self._run(contribution_batches.endorsements_for, list(ids))
        return [found[i] for i in ids]

    async def _contributions(self, ids: list[uuid.UUID]) -> list[Any]:
        found = await self._run(contribution_batches.contributions_by_ids, list(ids))
        return [found.get(i) for i in ids]

    async def _nodes(self, keys: list[tuple[Finder, uuid.UUID]]) -> list[Any]:
        """Objects by id for `node` and `nodes`: one lookup per kind, whatever the number
        of ids or of `node` fields in the query."""
        results: dict[tuple[Finder, uuid.UUID], Any] = {}
        for (find,), group in grouped(keys, lambda k: k[:1]).items():
            ids = list(dict.fromkeys(k[1] for k in group))
            found: Mapping[uuid.UUID, Any]
            try:
                found = await self._run(find, ids)
            except DomainError as exc:
                results.update(dict.fromkeys(group, exc))
                continue
            shared = self._shares.get(find)
            for ident in ids:
                results[(find, ident)] = found.get(ident)
                if shared is not None:
                    shared.prime(ident, found.get(ident))
        return [results[k] for k in keys]
