"""Memberships change: joining, inviting, accepting, approving, declining, leaving,
removing, and roles.

Every change to a membership appends an event, so leaving and rejoining keep the history.
Membership writes lock the domain row, which serialises the capacity and last-convenor
checks against concurrent requests."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, FieldError, Forbidden, Invalid
from app.models.base import utcnow
from app.models.domains import JoinPolicy
from app.models.memberships import Membership, MembershipCreate, MembershipUpdate, Role
from app.models.people import Person
from app.services.access import DomainAccess, domain_access, is_active
from app.services.actors import Actor
from app.services.memberships import reads, steps
from app.services.memberships.steps import E, S
from app.services.versions import Expected, check_version


async def join_or_invite(
    session: AsyncSession, actor: Actor, slug: str, data: MembershipCreate
) -> Membership:
    """Without `person_id` (or with your own) you join; naming someone else invites them."""
    target = data.person_id or actor.person_id
    if target is not None and target == actor.person_id:
        actor.require_verified()
    own = data.person_id is None or data.person_id == actor.person_id
    # An invitee accepts by joining: they see the domain's card, not yet its content.
    access = (await domain_access(session, actor, slug, lock=True, card=own)).require_writable()
    steps.begin(session)
    if target is None:
        raise Invalid(
            "Name the person to invite.", errors=[FieldError("person_id", "required", "missing")]
        )
    if target == actor.person_id:
        membership = await _join(session, access, target, data)
    else:
        membership = await _invite(session, access, target, data)
    await steps.publish(session, actor, membership, None)
    await session.commit()
    return membership


async def _join(
    session: AsyncSession, access: DomainAccess, person_id: uuid.UUID, data: MembershipCreate
) -> Membership:
    if data.roles and set(data.roles) - {Role.member} and not access.can_manage:
        raise Forbidden("Only a convenor can give roles.")
    domain = access.domain
    membership = access.membership
    if membership is not None:
        if is_active(membership):
            raise Conflict("You are already a member.", problem="already-member")
        if membership.status == S.requested:
            raise Conflict(
                "Your request to join is waiting for a convenor.", problem="already-requested"
            )
        if membership.status == S.invited:
            steps.accept_conduct(access, membership, data.accept_code_of_conduct)
            await steps.activate(session, access, membership, E.joined)
            return membership
        if membership.status == S.removed and not access.actor.can_write_all:
            raise Forbidden(
                "You were removed from this domain; a convenor can invite you back.",
                problem="invitation-required",
            )
    if domain.join_policy == JoinPolicy.invite and not access.can_manage:
        raise Forbidden("This domain is invitation-only.", problem="invitation-required")
    if membership is None:
        membership = Membership(domain_id=domain.id, person_id=person_id, status=S.requested)
        session.add(membership)
        await session.flush()
    membership.roles = steps.normal_roles(data.roles)
    steps.accept_conduct(access, membership, data.accept_code_of_conduct)
    if domain.join_policy == JoinPolicy.request and not access.can_manage:
        steps.set_status(membership, S.requested)
        steps.record(session, membership, E.requested, access.actor)
    else:
        await steps.activate(session, access, membership, E.joined)
    session.add(membership)
    return membership


async def _invite(
    session: AsyncSession, access: DomainAccess, person_id: uuid.UUID, data: MembershipCreate
) -> Membership:
    access.require_manage()
    person = await session.get(Person, person_id)
    if person is None:
        raise Invalid(
            "No such person.", errors=[FieldError("person_id", "unknown person", "not_found")]
        )
    membership = await reads.membership_of(session, access.domain.id, person_id)
    if is_active(membership):
        raise Conflict("This person is already a member.", problem="already-member")
    if membership is not None and membership.status == S.invited:
        raise Conflict("This person is already invited.", problem="already-invited")
    if membership is not None and membership.status == S.requested:
        membership.roles = steps.normal_roles(data.roles)
        await steps.activate(session, access, membership, E.approved)
        return membership
    if membership is None:
        membership = Membership(domain_id=access.domain.id, person_id=person_id, status=S.invited)
    membership.roles = steps.normal_roles(data.roles)
    steps.set_status(membership, S.invited)
    session.add(membership)
    await session.flush()
    steps.record(session, membership, E.invited, access.actor)
    return membership


# Allowed status changes: (from, to) -> (who may, event). "self" is the member,
# "manager" a convenor or admin.
_TRANSITIONS: dict[tuple[S, S], tuple[str, E]] = {
    (S.invited, S.active): ("self", E.joined),
    (S.invited, S.declined): ("self", E.declined),
    (S.invited, S.removed): ("manager", E.removed),
    (S.requested, S.active): ("manager", E.approved),
    (S.requested, S.declined): ("manager", E.declined),
    (S.requested, S.left): ("self", E.left),
    (S.active, S.left): ("self", E.left),
    (S.active, S.removed): ("manager", E.removed),
}


async def update_membership(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    person_id: uuid.UUID,
    data: MembershipUpdate,
    expected_version: Expected = None,
) -> Membership:
    if person_id == actor.person_id and data.status == S.active:
        actor.require_verified()  # accepting an invitation
    own = person_id == actor.person_id
    access = (await domain_access(session, actor, slug, lock=True, card=own)).require_writable()
    membership = await reads.visible_membership(session, access, person_id)
    # Every membership write holds the domain's lock (taken above), so none can intervene.
    check_version(membership, expected_version, "membership")
    steps.begin(session)
    before = steps.snapshot(membership)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("roles") is not None:
        await _change_roles(session, access, membership, data.roles or [])
    if data.status is not None and data.status != membership.status:
        if data.status == S.active and membership.status == S.invited:
            steps.accept_conduct(access, membership, data.accept_code_of_conduct)
        await _change_status(session, access, membership, data.status)
    membership.updated_at = utcnow()
    session.add(membership)
    await steps.publish(session, actor, membership, before)
    await session.commit()
    return membership


async def end_membership(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    person_id: uuid.UUID,
    expected_version: Expected = None,
) -> Membership:
    """DELETE: you leave (or decline an invitation); a convenor removes someone else,
    withdraws an invitation, or turns down a request to join."""
    own = person_id == actor.person_id
    access = (await domain_access(session, actor, slug, lock=True, card=own)).require_writable()
    membership = await reads.visible_membership(session, access, person_id)
    check_version(membership, expected_version, "membership")
    steps.begin(session)
    before = steps.snapshot(membership)
    is_self = person_id == actor.person_id
    if membership.status in (S.left, S.removed, S.declined):
        raise Conflict("This membership has already ended.", problem="invalid-transition")
    if is_self:
        target = S.declined if membership.status == S.invited else S.left
    else:
        target = S.declined if membership.status == S.requested else S.removed
    await _change_status(session, access, membership, target)
    session.add(membership)
    await steps.publish(session, actor, membership, before)
    await session.commit()
    return membership


async def _change_status(
    session: AsyncSession, access: DomainAccess, membership: Membership, target: S
) -> None:
    rule = _TRANSITIONS.get((S(membership.status), target))
    if rule is None:
        raise Conflict(
            f"A membership cannot go from '{membership.status}' to '{target}'.",
            problem="invalid-transition",
        )
    who, kind = rule
    is_self = membership.person_id == access.actor.person_id
    if who == "self" and not is_self:
        raise Forbidden("Only the person themselves can do this.")
    if who == "manager":
        access.require_manage()
    if target == S.active:
        await steps.activate(session, access, membership, kind)
        return
    await steps.ensure_not_last_convenor(session, membership)
    steps.set_status(membership, target)
    steps.record(session, membership, kind, access.actor)


async def _change_roles(
    session: AsyncSession, access: DomainAccess, membership: Membership, roles: list[Role]
) -> None:
    access.require_manage()
    new_roles = steps.normal_roles(roles)
    if new_roles == membership.roles:
        return
    if Role.convenor not in new_roles:
        await steps.ensure_not_last_convenor(session, membership)
    membership.roles = new_roles
    steps.record(session, membership, E.roles_changed, access.actor)
