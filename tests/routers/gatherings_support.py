"""Builders and checks shared by the gathering, RSVP and calendar tests."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.gatherings import Attendance, Gathering, GatheringSeries, Rsvp
from app.models.memberships import Membership, Role
from app.models.people import Person
from app.services.people.auth import issue_access_token
from tests.factories import SECRET, add_member, auth, make_domain, make_person
from tests.support import API, count, ok

_seq = itertools.count(1)


async def snapshot(session: AsyncSession) -> dict[str, int]:
    """Row counts of everything a gathering write can touch, to prove nothing was written."""
    tables: list[type[SQLModel]] = [GatheringSeries, Gathering, Rsvp, Attendance]
    return {t.__name__: await count(session, t) for t in tables}


async def series_state(session: AsyncSession) -> list[tuple[Any, ...]]:
    """Every column that an edit could change, for an exact before/after comparison."""
    async with AsyncSession(session.bind) as fresh:
        rows = await fresh.exec(select(Gathering).order_by(col(Gathering.original_start)))
        gatherings = [
            (g.id, g.series_id, g.start_at, g.original_start, g.title, g.status, g.capacity)
            for g in rows
        ]
        series = await fresh.exec(select(GatheringSeries).order_by(col(GatheringSeries.dtstart)))
        return [*gatherings, *((s.id, s.rrule, s.dtstart, s.sequence) for s in series)]


def at(moment: datetime) -> str:
    """ISO 8601 with an offset, as a client would send it."""
    return moment.astimezone(UTC).isoformat()


def from_now(**delta: float) -> datetime:
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def gathering_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": f"Gathering {next(_seq)}",
        "start": at(from_now(days=7)),
        "timezone": "Europe/Amsterdam",
        "duration_minutes": 90,
    }
    body.update(fields)
    return body


async def schedule(
    client: AsyncClient, domain: Domain | str, by: Person, **fields: Any
) -> dict[str, Any]:
    slug = domain if isinstance(domain, str) else domain.slug
    response = await client.post(
        f"{API}/domains/{slug}/gatherings", json=gathering_body(**fields), headers=auth(by)
    )
    return ok(response, 201)  # type: ignore[no-any-return]


async def occurrences(
    client: AsyncClient,
    domain: Domain,
    as_: Person | None,
    start: str = "2026-01-01T00:00:00Z",
    end: str = "2028-12-31T00:00:00Z",
    **params: Any,
) -> list[dict[str, Any]]:
    """Every occurrence in the window, following the cursor to the last page."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"from": start, "to": end, "limit": 100, **params}
    while True:
        response = await client.get(
            f"{API}/domains/{domain.slug}/gatherings",
            params=query,
            headers=auth(as_) if as_ else {},
        )
        page = ok(response)
        items.extend(page["items"])
        if not page["next_cursor"]:
            return items
        query["cursor"] = page["next_cursor"]


def headers_for(people: list[Person]) -> list[dict[str, str]]:
    """`auth()` for many people at once, without building settings for each."""
    settings = Settings(environment="test", secret_key=SECRET)
    return [{"Authorization": f"Bearer {issue_access_token(p.id, settings)}"} for p in people]


async def many_members(session: AsyncSession, domain: Domain, n: int) -> list[Person]:
    """`n` active members, inserted in two statements rather than `n` round trips."""
    people = [
        Person(
            email=f"crowd{next(_seq)}@example.org",
            display_name=f"Crowd {i}",
            email_verified_at=utcnow(),
        )
        for i in range(n)
    ]
    session.add_all(people)
    await session.flush()
    session.add_all(
        Membership(domain_id=domain.id, person_id=p.id, status="active", roles=["member"])
        for p in people
    )
    await session.commit()
    return people


class Circle:
    """A domain with a convenor, a core member, a plain member and an outsider."""

    def __init__(self, domain: Domain, convenor: Person, core: Person, member: Person,
                 outsider: Person) -> None:  # fmt: skip
        self.domain, self.convenor, self.core = domain, convenor, core
        self.member, self.outsider = member, outsider
        self.slug = domain.slug


async def circle(session: AsyncSession, **domain_fields: Any) -> Circle:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, **domain_fields)
    core, member, outsider = [await make_person(session) for _ in range(3)]
    await add_member(session, domain, core, roles=[Role.member, Role.core])
    await add_member(session, domain, member)
    return Circle(domain, convenor, core, member, outsider)
