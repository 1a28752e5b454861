"""Builders for the view tests: interactions are recorded through the services, as any
client would record them, then moved back in time where a test needs a history."""

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import (
    Contribution,
    ContributionCreate,
    EndorsementInput,
    EndorsementKind,
)
from app.models.domains import Domain
from app.models.gatherings import Gathering, GatheringCreate
from app.models.memberships import Role
from app.models.people import Person
from app.services.contributions import endorsements
from app.services.contributions import service as contributions
from app.services.gatherings import attendance, scheduling
from app.services.views.params import LEVEL_WINDOW
from tests.factories import actor_of, add_member, make_domain, make_person

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def month(until: datetime, index: int, day: int = 5) -> datetime:
    """A moment in the index-th 30-day month of the six before `until`."""
    return until - LEVEL_WINDOW + timedelta(days=30 * index + day)


def hour_after_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@dataclass
class World:
    session: AsyncSession
    domain: Domain
    convenor: Person
    people: list[Person]
    topics: dict[uuid.UUID, Contribution] = field(default_factory=dict)

    @classmethod
    async def create(
        cls, session: AsyncSession, count: int, *, names: list[str] | None = None, **domain: Any
    ) -> "World":
        """A domain, its convenor and `count` other members, all members since 2020."""
        convenor = await make_person(session, display_name="Convenor")
        made = await make_domain(session, convenor, **domain)
        people = []
        for i in range(count):
            name = names[i] if names else f"P{i:02d}"
            person = await make_person(session, display_name=name)
            await add_member(session, made, person)
            people.append(person)
        await (await session.connection()).execute(
            text("UPDATE memberships SET joined_at = :at, created_at = :at WHERE domain_id = :d"),
            {"at": LONG_AGO, "d": made.id},
        )
        await session.commit()
        return cls(session, made, convenor, people)

    async def member(self, person: Person, roles: list[Role] | None = None) -> None:
        await add_member(self.session, self.domain, person, roles=roles)

    async def at(self, table: str, row_id: uuid.UUID, moment: datetime | None) -> None:
        if moment is None:
            return
        extra = ", updated_at = :at" if table == "contributions" else ""
        await (await self.session.connection()).execute(
            text(f"UPDATE {table} SET created_at = :at{extra} WHERE id = :id"),
            {"at": moment, "id": row_id},
        )
        await self.session.commit()

    async def post(
        self,
        author: Person,
        kind: str = "story",
        *,
        parent: Contribution | None = None,
        recipients: list[Person] | None = None,
        themes: list[str] | None = None,
        tags: list[str] | None = None,
        at: datetime | None = None,
    ) -> Contribution:
        data = ContributionCreate(
            kind=kind,  # type: ignore[arg-type]
            title=None if kind in ("reply", "answer") else f"A {kind}",
            body="text",
            parent_id=parent.id if parent else None,
            recipient_ids=[r.id for r in recipients or []],
            themes=themes or [],
            tags=tags or [],
        )
        made = await contributions.create_contribution(
            self.session, actor_of(author), self.domain.slug, data
        )
        await self.at("contributions", made.id, at)
        return made

    async def topic(self, author: Person) -> Contribution:
        """One story per person that others reply to and endorse."""
        if author.id not in self.topics:
            self.topics[author.id] = await self.post(author, "story")
        return self.topics[author.id]

    async def reply(self, u: Person, v: Person, at: datetime | None = None) -> Contribution:
        return await self.post(u, "reply", parent=await self.topic(v), at=at)

    async def appreciate(self, u: Person, v: Person, at: datetime | None = None) -> Contribution:
        return await self.post(u, "appreciation", recipients=[v], at=at)

    async def endorse(
        self,
        u: Person,
        target: Contribution,
        kind: EndorsementKind = EndorsementKind.helpful,
        at: datetime | None = None,
    ) -> None:
        made, _ = await endorsements.endorse(
            self.session, actor_of(u), target.id, EndorsementInput(kind=kind)
        )
        await self.session.commit()
        await self.at("endorsements", made.id, at)

    async def gathering(
        self,
        start: datetime,
        attendees: list[Person],
        *,
        hosts: list[Person] | None = None,
        theme: str = "",
    ) -> Gathering:
        made = await scheduling.create_gathering(
            self.session,
            actor_of(self.convenor),
            self.domain.slug,
            GatheringCreate(
                title="Clinic",
                theme=theme,
                start=start.astimezone(UTC).replace(tzinfo=None),
                timezone="UTC",
                duration_minutes=60,
                host_ids=[h.id for h in hosts or []],
            ),
        )
        if attendees:
            await attendance.record_attendance(
                self.session, actor_of(self.convenor), made.id, [p.id for p in attendees]
            )
        return made


@dataclass
class Expected:
    """The graph the test meant to record, built independently of the service's SQL."""

    undirected: nx.Graph
    directed: nx.DiGraph
    weights: dict[tuple[str, str], dict[str, int]]

    @classmethod
    def of(cls, nodes: list[uuid.UUID]) -> "Expected":
        order = sorted(str(n) for n in nodes)
        undirected: nx.Graph = nx.Graph()
        undirected.add_nodes_from(order)
        directed: nx.DiGraph = nx.DiGraph()
        directed.add_nodes_from(order)
        return cls(undirected, directed, defaultdict(dict))

    def add(self, u: uuid.UUID, v: uuid.UUID, layer: str, weight: int = 1) -> None:
        a, b = str(u), str(v)
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        self.weights[key][layer] = self.weights[key].get(layer, 0) + weight
        total = sum(self.weights[key].values())
        self.undirected.add_edge(*key, weight=total)
        if layer in ("reply", "appreciation", "endorsement"):
            self.directed.add_edge(a, b)


def close(a: float | None, b: float | None, tolerance: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=0, abs_tol=tolerance)


def nan_to_none(value: float) -> float | None:
    return None if value is None or math.isnan(value) else value
