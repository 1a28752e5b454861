"""Membership rules at the service layer: join policies, caps, invitations and consent,
roles, the last convenor, and who sees which memberships."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models.memberships import MembershipCreate, MembershipUpdate, Role
from app.services.memberships import lifecycle, reads
from app.services.pagination import PageParams
from tests.factories import actor_of, add_member, invite, make_domain, make_person
from tests.support import refused

JOIN = MembershipCreate()
ACCEPT = MembershipUpdate(status="active")  # type: ignore[arg-type]
DEMOTE = MembershipUpdate(roles=[Role.member])


async def test_an_open_domain_takes_a_member_at_once(session: AsyncSession) -> None:
    domain = await make_domain(session, await make_person(session))
    joiner = await make_person(session)
    joined = await lifecycle.join_or_invite(session, actor_of(joiner), domain.slug, JOIN)
    assert (joined.status, joined.roles) == ("active", ["member"])
    await refused(
        session,
        lifecycle.join_or_invite(session, actor_of(joiner), domain.slug, JOIN),
        Conflict,
        "already-member",
    )


async def test_a_request_domain_waits_for_a_convenor(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="request")
    asker = await make_person(session)
    asked = await lifecycle.join_or_invite(session, actor_of(asker), domain.slug, JOIN)
    assert asked.status == "requested"
    await refused(
        session,
        lifecycle.join_or_invite(session, actor_of(asker), domain.slug, JOIN),
        Conflict,
        "already-requested",
    )
    await refused(
        session,
        lifecycle.update_membership(session, actor_of(asker), domain.slug, asker.id, ACCEPT),
        Forbidden,
    )
    approved = await lifecycle.update_membership(
        session, actor_of(convenor), domain.slug, asker.id, ACCEPT
    )
    assert approved.status == "active"


async def test_an_invitation_only_domain_takes_only_invitees(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="invite")
    stranger = await make_person(session)
    await refused(
        session,
        lifecycle.join_or_invite(session, actor_of(stranger), domain.slug, JOIN),
        Forbidden,
        "invitation-required",
    )
    await invite(session, domain, convenor, stranger)
    joined = await lifecycle.join_or_invite(session, actor_of(stranger), domain.slug, JOIN)
    assert joined.status == "active"


async def test_a_removed_member_needs_an_invitation_to_return(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    member = await make_person(session)
    await add_member(session, domain, member)
    await lifecycle.end_membership(session, actor_of(convenor), domain.slug, member.id)
    await refused(
        session,
        lifecycle.join_or_invite(session, actor_of(member), domain.slug, JOIN),
        Forbidden,
        "invitation-required",
    )
    await invite(session, domain, convenor, member)
    back = await lifecycle.join_or_invite(session, actor_of(member), domain.slug, JOIN)
    assert back.status == "active"


async def test_a_full_domain_refuses_joins_approvals_and_acceptances(
    session: AsyncSession,
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, max_active_members=2)
    invitee = await make_person(session)
    await invite(session, domain, convenor, invitee)
    await add_member(session, domain, await make_person(session))
    late = await make_person(session)
    await refused(
        session,
        lifecycle.join_or_invite(session, actor_of(late), domain.slug, JOIN),
        Conflict,
        "domain-full",
    )
    await refused(
        session,
        lifecycle.update_membership(session, actor_of(invitee), domain.slug, invitee.id, ACCEPT),
        Conflict,
        "domain-full",
    )


async def test_an_invitation_waits_for_the_invitees_consent(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, code_of_conduct="Be kind.")
    invitee = await make_person(session)
    invited = await invite(session, domain, convenor, invitee, roles=[Role.core])
    assert (invited.status, invited.roles) == ("invited", ["member", "core"])
    await refused(session, invite(session, domain, convenor, invitee), Conflict, "already-invited")
    consent = MembershipUpdate(status="active", accept_code_of_conduct=True)  # type: ignore[arg-type]
    await refused(
        session,
        lifecycle.update_membership(session, actor_of(convenor), domain.slug, invitee.id, consent),
        Forbidden,
    )
    await refused(
        session,
        lifecycle.update_membership(session, actor_of(invitee), domain.slug, invitee.id, ACCEPT),
        Invalid,
    )
    accepted = await lifecycle.update_membership(
        session, actor_of(invitee), domain.slug, invitee.id, consent
    )
    assert accepted.status == "active" and accepted.conduct_accepted_at is not None


async def test_an_invitee_may_decline_and_a_convenor_withdraw(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    declines, withdrawn = await make_person(session), await make_person(session)
    await invite(session, domain, convenor, declines)
    await invite(session, domain, convenor, withdrawn)
    ended = await lifecycle.end_membership(session, actor_of(declines), domain.slug, declines.id)
    assert ended.status == "declined"
    ended = await lifecycle.end_membership(session, actor_of(convenor), domain.slug, withdrawn.id)
    assert ended.status == "removed"
    await refused(
        session,
        lifecycle.end_membership(session, actor_of(declines), domain.slug, declines.id),
        Conflict,
        "invalid-transition",
    )


async def test_only_a_convenor_gives_roles(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    member = await make_person(session)
    await refused(
        session,
        lifecycle.join_or_invite(
            session, actor_of(member), domain.slug, MembershipCreate(roles=[Role.convenor])
        ),
        Forbidden,
    )
    await add_member(session, domain, member)
    other = await make_person(session)
    await add_member(session, domain, other)
    promote = MembershipUpdate(roles=[Role.knowledge_broker])
    await refused(
        session,
        lifecycle.update_membership(session, actor_of(member), domain.slug, other.id, promote),
        Forbidden,
    )
    changed = await lifecycle.update_membership(
        session, actor_of(convenor), domain.slug, other.id, promote
    )
    assert changed.roles == ["member", "knowledge_broker"]  # member is always kept


async def test_the_last_convenor_can_neither_leave_nor_be_demoted(
    session: AsyncSession,
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    for attempt in (
        lifecycle.end_membership(session, actor_of(convenor), domain.slug, convenor.id),
        lifecycle.update_membership(session, actor_of(convenor), domain.slug, convenor.id, DEMOTE),
    ):
        await refused(session, attempt, Conflict, "last-convenor")
    second = await make_person(session)
    await add_member(session, domain, second, roles=[Role.member, Role.convenor])
    demoted = await lifecycle.update_membership(
        session, actor_of(second), domain.slug, convenor.id, DEMOTE
    )
    assert demoted.roles == ["member"]
    await refused(
        session,
        lifecycle.end_membership(session, actor_of(second), domain.slug, second.id),
        Conflict,
        "last-convenor",
    )


async def test_members_see_active_members_and_convenors_see_all(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    member, invitee, outsider = [await make_person(session) for _ in range(3)]
    await add_member(session, domain, member)
    await invite(session, domain, convenor, invitee)
    page = PageParams()
    seen = await reads.list_members(session, actor_of(member), domain.slug, page)
    assert {m.person_id for m in seen.items} == {convenor.id, member.id}
    seen = await reads.list_members(session, actor_of(convenor), domain.slug, page)
    assert {m.person_id for m in seen.items} == {convenor.id, member.id, invitee.id}
    await refused(
        session,
        reads.get_membership(session, actor_of(member), domain.slug, invitee.id),
        NotFound,
    )
    await refused(
        session, reads.list_members(session, actor_of(outsider), domain.slug, page), Forbidden
    )
    own, history = await reads.get_membership(session, actor_of(invitee), domain.slug, invitee.id)
    assert own.status == "invited" and [e.kind for e in history] == ["invited"]


async def test_a_private_domain_leaks_no_membership(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, visibility="private")
    outsider = await make_person(session)
    for attempt in (
        lifecycle.join_or_invite(session, actor_of(outsider), domain.slug, JOIN),
        reads.get_membership(session, actor_of(outsider), domain.slug, convenor.id),
        reads.list_members(session, actor_of(outsider), domain.slug, PageParams()),
        reads.list_person_memberships(session, actor_of(outsider), convenor.id, PageParams()),
    ):
        await refused(session, attempt, NotFound)
