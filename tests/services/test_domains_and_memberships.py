"""Rules at the service layer, including the ones that only concurrency can break."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_sessionmaker
from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.models.domains import DomainCreate, DomainUpdate
from app.models.memberships import Membership, MembershipCreate, MembershipUpdate, Role
from app.services.actors import ANONYMOUS, Actor
from app.services.domains import service as domains
from app.services.domains.service import slugify
from app.services.memberships import lifecycle, reads
from tests.factories import actor_of, add_member, make_domain, make_person


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Palliative Care Nurses", "palliative-care-nurses"),
        ("Soins palliatifs à domicile", "soins-palliatifs-a-domicile"),
        ("  --  ", "domain"),
        ("Ünïcødé", "unicde"),
        ("a" * 80, "a" * 56),
        ("ab " * 30, ("ab-" * 19)[:56].strip("-")),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_actor_scopes_are_ordered() -> None:
    reader = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"read"}))
    writer = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"write"}))
    keymaster = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"admin"}))
    assert reader.has_scope("read") and not reader.has_scope("write")
    assert writer.has_scope("read") and writer.has_scope("write") and not writer.can_admin
    assert keymaster.can_admin and keymaster.can_write_all
    assert not ANONYMOUS.is_authenticated and not ANONYMOUS.can_read_all


async def test_a_service_account_creates_a_domain_without_a_convenor(
    session: AsyncSession,
) -> None:
    key = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"write"}))
    domain = await domains.create_domain(session, key, DomainCreate(name="Made by sync"))
    count = await session.exec(select(Membership).where(col(Membership.domain_id) == domain.id))
    assert count.all() == []
    with pytest.raises(Forbidden):
        await domains.create_domain(
            session,
            Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"read"})),
            DomainCreate(name="Refused"),
        )


async def test_invisible_domains_raise_not_found_in_services(session: AsyncSession) -> None:
    owner = await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, owner, visibility="private")
    for attempt in (
        domains.get_domain(session, actor_of(outsider), domain.slug),
        domains.update_domain(session, actor_of(outsider), domain.slug, DomainUpdate(name="x")),
        domains.archive_domain(session, actor_of(outsider), domain.slug),
        lifecycle.join_or_invite(session, actor_of(outsider), domain.slug, MembershipCreate()),
        reads.get_membership(session, actor_of(outsider), domain.slug, owner.id),
    ):
        with pytest.raises(NotFound):
            await attempt
        await session.rollback()


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
