"""A failed mutation leaves nothing behind, even when it fails after writing (a GraphQL
error is still an HTTP 200, so nothing may commit on the way out)."""

from httpx import AsyncClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.memberships import Membership
from tests.factories import gql, make_domain, make_person
from tests.support import count, domain_rows, only_error


async def test_create_domain_with_taken_slug_writes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Nursing")
    await make_domain(session, amara, name="Wound Care")
    before = await domain_rows(session)
    body = await gql(
        client,
        """mutation { createDomain(input: {name: "Other", slug: "wound-care",
             parentSlug: "nursing"}) { id } }""",
        as_=amara,
    )
    assert only_error(body)["extensions"]["code"] == "CONFLICT"
    assert await domain_rows(session) == before


async def test_join_that_fails_after_inserting_the_membership_writes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Joining inserts the membership row first, then finds the domain full."""
    amara = await make_person(session)
    mei = await make_person(session)
    await make_domain(session, amara, name="Wound Care", max_active_members=1)
    before = await domain_rows(session)
    body = await gql(client, 'mutation { joinDomain(slug: "wound-care") { id } }', as_=mei)
    assert only_error(body)["extensions"]["problemType"] == "/problems/domain-full"
    assert await domain_rows(session) == before
    assert await count(session, Membership, col(Membership.person_id) == mei.id) == 0


async def test_membership_update_failing_on_its_second_step_keeps_the_first_undone(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Roles change first (an event is recorded), then leaving fails: last convenor."""
    amara = await make_person(session)
    domain = await make_domain(session, amara, name="Wound Care")
    before = await domain_rows(session)
    body = await gql(
        client,
        """mutation($pid: UUID!) { updateMembership(slug: "wound-care", personId: $pid,
             input: {roles: [convenor, core], status: left}) { id } }""",
        {"pid": str(amara.id)},
        as_=amara,
    )
    assert only_error(body)["extensions"]["problemType"] == "/problems/last-convenor"
    assert await domain_rows(session) == before
    stored = await session.exec(
        select(Membership.roles, Membership.status).where(
            col(Membership.domain_id) == domain.id, col(Membership.person_id) == amara.id
        )
    )
    assert tuple(stored.one()) == (["member", "convenor"], "active")


async def test_update_domain_failing_at_commit_changes_no_field(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Wound Care")
    night = await make_domain(session, amara, name="Night Shift")
    body = await gql(
        client,
        """mutation { updateDomain(slug: "night-shift",
             input: {name: "Renamed", lifecycleStage: maturing, slug: "wound-care"}) { id } }""",
        as_=amara,
    )
    assert only_error(body)["extensions"]["code"] == "CONFLICT"
    await session.refresh(night)
    assert (night.name, night.slug, night.lifecycle_stage) == (
        "Night Shift",
        "night-shift",
        "potential",
    )


async def test_failed_mutation_does_not_undo_an_earlier_successful_one(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Root mutation fields run one after the other, each its own transaction (GraphQL's
    rule): the first stands, the failed second leaves nothing."""
    amara = await make_person(session)
    body = await gql(
        client,
        """mutation {
             first: createDomain(input: {name: "Wound Care"}) { slug }
             second: createDomain(input: {name: "Again", slug: "wound-care"}) { slug } }""",
        as_=amara,
    )
    # Mutation results are nullable, so the failed one is null beside the one that stands.
    assert body["data"]["second"] is None
    assert body["data"]["first"] == {"slug": "wound-care"}
    assert only_error(body)["path"] == ["second"]
    assert await count(session, Domain) == 1
    assert await count(session, Membership) == 1
