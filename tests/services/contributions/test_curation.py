"""Curation on the service: who curates, and a collection's order."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden, Invalid
from app.models.contributions import CollectionCreate, CollectionItemInput
from app.models.memberships import Role
from app.services.contributions import curation
from tests.factories import actor_of, add_member, make_contribution, make_domain, make_person
from tests.support import refused


async def test_a_collection_keeps_its_order(session: AsyncSession) -> None:
    convenor = await make_person(session)
    broker, member = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, broker, roles=[Role.member, Role.knowledge_broker])
    await add_member(session, domain, member)
    a, b, c = [await make_contribution(session, member, domain, title=t) for t in "abc"]
    draft = await make_contribution(session, member, domain, status="draft")
    await refused(
        session,
        curation.create_collection(
            session, actor_of(member), domain.slug, CollectionCreate(title="Mine")
        ),
        Forbidden,
    )
    made = await curation.create_collection(
        session, actor_of(broker), domain.slug, CollectionCreate(title="Handovers")
    )

    async def put(contribution_id: object, position: int | None = None) -> list[object]:
        data = CollectionItemInput(contribution_id=contribution_id, position=position)
        await curation.put_item(session, actor_of(broker), made.id, data)
        _, items = await curation.get_collection(session, actor_of(member), made.id)
        assert [i.position for i in items] == list(range(len(items)))
        return [i.contribution_id for i in items]

    assert await put(a.id) == [a.id]
    assert await put(b.id) == [a.id, b.id]
    assert await put(c.id, 0) == [c.id, a.id, b.id]
    assert await put(c.id, 99) == [a.id, b.id, c.id]
    assert await put(b.id, 0) == [b.id, a.id, c.id]
    await curation.remove_item(session, actor_of(broker), made.id, a.id)
    _, items = await curation.get_collection(session, actor_of(member), made.id)
    assert [(i.contribution_id, i.position) for i in items] == [(b.id, 0), (c.id, 1)]
    refused_draft = await refused(
        session,
        curation.put_item(
            session, actor_of(broker), made.id, CollectionItemInput(contribution_id=draft.id)
        ),
        Invalid,
    )
    assert [e.code for e in refused_draft.errors] == ["not_found"]
