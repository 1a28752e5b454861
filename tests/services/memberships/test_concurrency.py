"""Membership rules that only concurrency can break: each racing call on its own
connection, all at once; the domain's row lock must serialise them."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_sessionmaker
from app.errors import Conflict, DomainError
from app.models.memberships import Membership, MembershipCreate, MembershipUpdate, Role
from app.services.memberships import lifecycle
from tests.factories import actor_of, add_member, make_domain, make_person


async def _race(
    engine: AsyncEngine, calls: list[Callable[[AsyncSession], Awaitable[Any]]]
) -> list[Any]:
    """Each call on its own session (its own connection), all at once."""
    sessionmaker = create_sessionmaker(engine)

    async def run(call: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async with sessionmaker() as own:
            try:
                return await call(own)
            except DomainError as exc:
                return exc

    return await asyncio.gather(*(run(c) for c in calls))


async def test_two_convenors_leaving_at_once_leave_one_behind(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    first = await make_person(session)
    second = await make_person(session)
    domain = await make_domain(session, first)
    await add_member(session, domain, second, roles=[Role.member, Role.convenor])

    results = await _race(
        engine,
        [
            lambda s, p=p: lifecycle.end_membership(s, actor_of(p), domain.slug, p.id)  # type: ignore[misc]
            for p in (first, second)
        ],
    )
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1 and refused[0].problem == "last-convenor"
    rows = await session.exec(
        select(Membership).where(
            col(Membership.domain_id) == domain.id, col(Membership.status) == "active"
        )
    )
    assert [m.roles for m in rows] == [["member", "convenor"]]


async def test_demotions_racing_each_other_keep_a_convenor(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    first = await make_person(session)
    second = await make_person(session)
    domain = await make_domain(session, first)
    await add_member(session, domain, second, roles=[Role.member, Role.convenor])
    demote = MembershipUpdate(roles=[Role.member])
    results = await _race(
        engine,
        [
            lambda s: lifecycle.update_membership(
                s, actor_of(first), domain.slug, second.id, demote
            ),
            lambda s: lifecycle.update_membership(
                s, actor_of(second), domain.slug, first.id, demote
            ),
        ],
    )
    assert sum(isinstance(r, Conflict) for r in results) == 1
    convenors = await session.exec(
        select(Membership).where(
            col(Membership.domain_id) == domain.id,
            col(Membership.roles).contains([Role.convenor.value]),
        )
    )
    assert len(convenors.all()) == 1


async def test_concurrent_approvals_respect_the_cap(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="request", max_active_members=3)
    askers = [await make_person(session) for _ in range(5)]
    for person in askers:
        await lifecycle.join_or_invite(session, actor_of(person), domain.slug, MembershipCreate())
    approve = MembershipUpdate(status="active")  # type: ignore[arg-type]
    results = await _race(
        engine,
        [
            lambda s, p=p: lifecycle.update_membership(  # type: ignore[misc]
                s, actor_of(convenor), domain.slug, p.id, approve
            )
            for p in askers
        ],
    )
    assert sum(isinstance(r, Membership) for r in results) == 2
    assert all(r.problem == "domain-full" for r in results if isinstance(r, Conflict))
