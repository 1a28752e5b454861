"""Domain rules at the service layer: slugs, visibility, parents, archive, caps."""

import uuid

import pytest
from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models.domains import DomainCreate, DomainFilter, DomainUpdate
from app.models.memberships import Membership, MembershipCreate
from app.services.actors import ANONYMOUS, Actor
from app.services.domains import service as domains
from app.services.domains.service import slugify
from app.services.memberships import lifecycle, reads
from app.services.pagination import PageParams
from tests.factories import actor_of, add_member, invite, make_domain, make_person
from tests.support import refused


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


async def test_a_derived_slug_dodges_taken_ones_and_a_chosen_one_must_be_free(
    session: AsyncSession,
) -> None:
    convenor = await make_person(session)
    first = await make_domain(session, convenor, name="Night Nurses")
    second = await make_domain(session, convenor, name="Night nurses!")
    assert (first.slug, second.slug) == ("night-nurses", "night-nurses-2")
    await refused(
        session, make_domain(session, convenor, slug="night-nurses"), Conflict, "slug-taken"
    )
    update = DomainUpdate(slug="night-nurses")
    await refused(
        session,
        domains.update_domain(session, actor_of(convenor), "night-nurses-2", update),
        Conflict,
        "slug-taken",
    )


@pytest.mark.parametrize("slug", ["Upper", "two--hyphens", "-edge", "sp ace", "x" * 65])
def test_a_slug_is_lowercase_words_joined_by_single_hyphens(slug: str) -> None:
    with pytest.raises(ValidationError):
        DomainCreate(name="Any", slug=slug)


async def test_required_fields_cannot_be_nulled_nullable_ones_can(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, max_active_members=10)
    for field in ("name", "purpose", "visibility", "themes"):
        await refused(
            session,
            domains.update_domain(
                session, actor_of(convenor), domain.slug, DomainUpdate(**{field: None})
            ),
            Invalid,
        )
    cleared = await domains.update_domain(
        session, actor_of(convenor), domain.slug, DomainUpdate(max_active_members=None)
    )
    assert cleared.max_active_members is None


async def test_the_cap_cannot_go_below_the_active_members(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, await make_person(session))
    await refused(
        session,
        domains.update_domain(
            session, actor_of(convenor), domain.slug, DomainUpdate(max_active_members=1)
        ),
        Invalid,
    )
    capped = await domains.update_domain(
        session, actor_of(convenor), domain.slug, DomainUpdate(max_active_members=2)
    )
    assert capped.max_active_members == 2


async def test_only_a_convenor_changes_or_archives_a_domain(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    member = await make_person(session)
    await add_member(session, domain, member)
    for attempt in (
        domains.update_domain(session, actor_of(member), domain.slug, DomainUpdate(name="x")),
        domains.archive_domain(session, actor_of(member), domain.slug),
    ):
        await refused(session, attempt, Forbidden)


async def test_a_sub_group_needs_a_parent_it_may_see_and_no_cycle(session: AsyncSession) -> None:
    convenor = await make_person(session)
    outsider = await make_person(session)
    hidden = await make_domain(session, outsider, visibility="private")
    await refused(session, make_domain(session, convenor, parent_slug=hidden.slug), Invalid)
    parent = await make_domain(session, convenor)
    child = await make_domain(session, convenor, parent_slug=parent.slug)
    grandchild = await make_domain(session, convenor, parent_slug=child.slug)
    assert (child.parent_id, grandchild.parent_id) == (parent.id, child.id)
    for slug in (parent.slug, grandchild.slug):
        await refused(
            session,
            domains.update_domain(
                session, actor_of(convenor), slug, DomainUpdate(parent_slug=grandchild.slug)
            ),
            Invalid,
        )
    page = await domains.list_domains(
        session, actor_of(convenor), PageParams(), DomainFilter(parent=parent.slug)
    )
    assert [d.id for d in page.items] == [child.id]


async def test_a_private_parent_is_not_named_to_those_who_may_not_see_it(
    session: AsyncSession,
) -> None:
    convenor = await make_person(session)
    reader = await make_person(session)
    parent = await make_domain(session, convenor, visibility="private")
    child = await make_domain(session, convenor, parent_slug=parent.slug)
    shown = await domains.public_one(session, actor_of(reader), child)
    assert shown.parent_id is None
    shown = await domains.public_one(session, actor_of(convenor), child)
    assert shown.parent_id == parent.id


async def test_a_private_domain_shows_its_card_to_invitees_only(session: AsyncSession) -> None:
    convenor = await make_person(session)
    invitee = await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, convenor, visibility="private")
    await invite(session, domain, convenor, invitee)
    seen = await domains.list_domains(session, actor_of(outsider), PageParams())
    assert domain.id not in {d.id for d in seen.items}
    seen = await domains.list_domains(session, actor_of(invitee), PageParams())
    assert domain.id in {d.id for d in seen.items}
    found = await domains.get_domain(session, actor_of(invitee), domain.slug)
    card = await domains.public_one(session, actor_of(invitee), found)
    assert card.invitation is not None and card.invitation.invited_by_id == convenor.id
    await refused(
        session,
        reads.list_members(session, actor_of(invitee), domain.slug, PageParams()),
        NotFound,
    )


async def test_an_archived_domain_is_kept_but_hidden_and_frozen(session: AsyncSession) -> None:
    convenor = await make_person(session)
    stranger = await make_person(session)
    domain = await make_domain(session, convenor)
    slug = domain.slug
    archived = await domains.archive_domain(session, actor_of(convenor), slug)
    assert archived.archived_at is not None
    again = await domains.archive_domain(session, actor_of(convenor), slug)
    assert again.archived_at == archived.archived_at
    seen = await domains.list_domains(session, actor_of(convenor), PageParams())
    assert archived.id not in {d.id for d in seen.items}
    assert (await domains.get_domain(session, actor_of(convenor), slug)).id == archived.id
    await refused(
        session,
        domains.get_domain(session, actor_of(stranger), slug),
        NotFound,
    )
    await refused(
        session,
        domains.update_domain(session, actor_of(convenor), slug, DomainUpdate(name="x")),
        Conflict,
        "domain-archived",
    )
