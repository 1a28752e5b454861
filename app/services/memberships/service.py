"""Memberships: who belongs to a domain, in which roles, and how they got there.

Every change to a membership appends an event, so leaving and rejoining keep the history.
Membership writes lock the domain row, which serialises the capacity and last-convenor
checks against concurrent requests."""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from app.models.base import utcnow
from app.models.domains import Domain, JoinPolicy
from app.models.memberships import (
    Invitation,
    Membership,
    MembershipCreate,
    MembershipEvent,
    MembershipEventKind,
    MembershipPublic,
    MembershipStatus,
    MembershipUpdate,
    Role,
)
from app.models.people import Person
from app.services.access import (
    DomainAccess,
    active_convenor,
    active_member_count,
    active_membership,
    actor_memberships,
    domain_access,
    is_active,
    visible_domains,
    visible_memberships_of,
)
from app.services.actors import Actor
from app.services.changes import events
from app.services.pagination import (
    Keyset,
    Page,
    PageParams,
    SortKey,
    paginate,
    windowed_pages,
)
from app.services.people.service import get_person
from app.services.versions import Expected, check_version

S = MembershipStatus
E = MembershipEventKind


def _normal_roles(roles: list[Role] | None) -> list[str]:
    chosen = [Role.member, *(roles or [])]
    return [r.value for r in dict.fromkeys(chosen)]


async def _other_active_convenors(session: AsyncSession, membership: Membership) -> int:
    return (
        await session.exec(
            select(func.count()).where(
                col(Membership.domain_id) == membership.domain_id,
                col(Membership.id) != membership.id,
                active_convenor(),
            )
        )
    ).one()


async def _ensure_room(session: AsyncSession, domain: Domain) -> None:
    if domain.max_active_members is None:
        return
    if await active_member_count(session, domain.id) >= domain.max_active_members:
        raise Conflict(
            f"The domain is full: it keeps at most {domain.max_active_members} active members. "
            "A convenor can raise the cap.",
            problem="domain-full",
            title="Domain is full",
        )


async def _ensure_not_last_convenor(session: AsyncSession, membership: Membership) -> None:
    if not is_active(membership) or Role.convenor not in membership.roles:
        return
    if await _other_active_convenors(session, membership) == 0:
        raise Conflict(
            "The last convenor cannot leave or give up the role; name another convenor first.",
            problem="last-convenor",
            title="Last convenor",
        )


def _record(session: AsyncSession, membership: Membership, kind: E, actor: Actor) -> None:
    session.add(
        MembershipEvent(
            membership_id=membership.id,
            kind=kind,
            status=membership.status,
            roles=list(membership.roles),
            actor_id=actor.person_id,
        )
    )
    session.info.setdefault(_KINDS, []).append(kind)


# What `_record` noted during this write, for the one event `_publish` emits at its end.
_KINDS = "membership_event_kinds"
_EVENT_TYPES = {E.rejoined: "membership.joined", E.roles_changed: "membership.role_changed"}


def _dump(membership: Membership) -> dict[str, Any]:
    return MembershipPublic.model_validate(membership).model_dump(mode="json")


async def _publish(
    session: AsyncSession, actor: Actor, membership: Membership, before: dict[str, Any] | None
) -> None:
    """One event per write: named after its status change (a roles change alone is
    `role_changed`); `changes` holds every field that moved, roles included."""
    kinds: list[E] = session.info.pop(_KINDS, [])
    if not kinds:
        return
    kind = next((k for k in reversed(kinds) if k != E.roles_changed), kinds[-1])
    await session.flush()  # the payload shows the version this change gives the membership
    payload = _dump(membership)
    await events.record(
        session,
        actor,
        _EVENT_TYPES.get(kind, f"membership.{kind.value}"),
        domain_id=membership.domain_id,
        resource_type="membership",
        resource_id=membership.id,
        payload=payload,
        changes=events.diff(before, payload) if before is not None else None,
    )


def _set_status(membership: Membership, status: S) -> None:
    now = utcnow()
    if status == S.active and membership.joined_at is None:
        membership.joined_at = now
    if status in (S.left, S.removed) and membership.status == S.active:
        membership.left_at = now
    membership.status = status
    membership.updated_at = now


def _accept_conduct(access: DomainAccess, membership: Membership, accepted: bool) -> None:
    """A member joining by their own act accepts the domain's code of conduct, if it has one."""
    if not access.domain.code_of_conduct or membership.conduct_accepted_at is not None:
        return
    if not accepted:
        raise Invalid(
            "This domain has a code of conduct; accept it to join.",
            errors=[FieldError("accept_code_of_conduct", "must be true", "conduct_required")],
        )
    membership.conduct_accepted_at = utcnow()


async def _activate(
    session: AsyncSession, access: DomainAccess, membership: Membership, kind: E
) -> None:
    await _ensure_room(session, access.domain)
    rejoin = membership.joined_at is not None and kind == E.joined
    _set_status(membership, S.active)
    _record(session, membership, E.rejoined if rejoin else kind, access.actor)


async def _get_membership(
    session: AsyncSession, domain_id: uuid.UUID, person_id: uuid.UUID
) -> Membership | None:
    return (
        await session.exec(
            select(Membership).where(
                col(Membership.domain_id) == domain_id, col(Membership.person_id) == person_id
            )
        )
    ).one_or_none()


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
    session.info.pop(_KINDS, None)
    if target is None:
        raise Invalid(
            "Name the person to invite.", errors=[FieldError("person_id", "required", "missing")]
        )
    if target == actor.person_id:
        membership = await _join(session, access, target, data)
    else:
        membership = await _invite(session, access, target, data)
    await _publish(session, actor, membership, None)
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
            _accept_conduct(access, membership, data.accept_code_of_conduct)
            await _activate(session, access, membership, E.joined)
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
    membership.roles = _normal_roles(data.roles)
    _accept_conduct(access, membership, data.accept_code_of_conduct)
    if domain.join_policy == JoinPolicy.request and not access.can_manage:
        _set_status(membership, S.requested)
        _record(session, membership, E.requested, access.actor)
    else:
        await _activate(session, access, membership, E.joined)
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
    membership = await _get_membership(session, access.domain.id, person_id)
    if is_active(membership):
        raise Conflict("This person is already a member.", problem="already-member")
    if membership is not None and membership.status == S.invited:
        raise Conflict("This person is already invited.", problem="already-invited")
    if membership is not None and membership.status == S.requested:
        membership.roles = _normal_roles(data.roles)
        await _activate(session, access, membership, E.approved)
        return membership
    if membership is None:
        membership = Membership(domain_id=access.domain.id, person_id=person_id, status=S.invited)
    membership.roles = _normal_roles(data.roles)
    _set_status(membership, S.invited)
    session.add(membership)
    await session.flush()
    _record(session, membership, E.invited, access.actor)
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
    membership = await _visible_membership(session, access, person_id)
    # Every membership write holds the domain's lock (taken above), so none can intervene.
    check_version(membership, expected_version, "membership")
    session.info.pop(_KINDS, None)
    before = _dump(membership)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("roles") is not None:
        await _change_roles(session, access, membership, data.roles or [])
    if data.status is not None and data.status != membership.status:
        if data.status == S.active and membership.status == S.invited:
            _accept_conduct(access, membership, data.accept_code_of_conduct)
        await _change_status(session, access, membership, data.status)
    membership.updated_at = utcnow()
    session.add(membership)
    await _publish(session, actor, membership, before)
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
    membership = await _visible_membership(session, access, person_id)
    check_version(membership, expected_version, "membership")
    session.info.pop(_KINDS, None)
    before = _dump(membership)
    is_self = person_id == actor.person_id
    if membership.status in (S.left, S.removed, S.declined):
        raise Conflict("This membership has already ended.", problem="invalid-transition")
    if is_self:
        target = S.declined if membership.status == S.invited else S.left
    else:
        target = S.declined if membership.status == S.requested else S.removed
    await _change_status(session, access, membership, target)
    session.add(membership)
    await _publish(session, actor, membership, before)
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
        await _activate(session, access, membership, kind)
        return
    await _ensure_not_last_convenor(session, membership)
    _set_status(membership, target)
    _record(session, membership, kind, access.actor)


async def _change_roles(
    session: AsyncSession, access: DomainAccess, membership: Membership, roles: list[Role]
) -> None:
    access.require_manage()
    new_roles = _normal_roles(roles)
    if new_roles == membership.roles:
        return
    if Role.convenor not in new_roles:
        await _ensure_not_last_convenor(session, membership)
    membership.roles = new_roles
    _record(session, membership, E.roles_changed, access.actor)


async def _visible_membership(
    session: AsyncSession, access: DomainAccess, person_id: uuid.UUID
) -> Membership:
    membership = (
        access.membership
        if person_id == access.actor.person_id
        else await _get_membership(session, access.domain.id, person_id)
    )
    is_self = person_id == access.actor.person_id
    if not is_self:
        access.require_read_members()
    if membership is None or not access.shows_membership(membership):
        raise NotFound("No such membership in this domain.")
    return membership


async def get_membership(
    session: AsyncSession, actor: Actor, slug: str, person_id: uuid.UUID
) -> tuple[Membership, list[MembershipEvent]]:
    access = await domain_access(session, actor, slug, card=person_id == actor.person_id)
    membership = await _visible_membership(session, access, person_id)
    history = await session.exec(
        select(MembershipEvent)
        .where(col(MembershipEvent.membership_id) == membership.id)
        .order_by(col(MembershipEvent.at), col(MembershipEvent.id))
    )
    return membership, list(history)


def _member_filter(access: DomainAccess, status: S | None, role: Role | None) -> list[Any]:
    clauses: list[Any] = [col(Membership.domain_id) == access.domain.id]
    if not access.sees_every_membership:
        clauses.append(active_membership())
    if status is not None:
        clauses.append(col(Membership.status) == status)
    if role is not None:
        clauses.append(col(Membership.roles).contains([role.value]))
    return clauses


async def list_members(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: PageParams,
    *,
    status: S | None = None,
    role: Role | None = None,
) -> Page[Membership]:
    access = (await domain_access(session, actor, slug)).require_read_members()
    stmt = select(Membership).where(*_member_filter(access, status, role))
    return await paginate(
        session,
        stmt,
        created_col=col(Membership.created_at),
        id_col=col(Membership.id),
        params=params,
    )


async def list_person_memberships(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID, params: PageParams
) -> Page[Membership]:
    await get_person(session, actor, person_id)
    stmt: Any = select(Membership).where(col(Membership.person_id) == person_id)
    stmt = stmt.where(*visible_memberships_of(actor, person_id))
    return await paginate(
        session,
        stmt,
        created_col=col(Membership.created_at),
        id_col=col(Membership.id),
        params=params,
    )


async def pending_invitations(
    session: AsyncSession, actor: Actor, domain_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Invitation]:
    """The caller's own pending invitations to these domains, with who sent each (the
    actor of its latest `invited` event): what the domain's card shows an invitee."""
    if actor.member_id is None or not domain_ids:
        return {}
    invited = list(
        await session.exec(
            select(Membership).where(
                col(Membership.person_id) == actor.member_id,
                col(Membership.domain_id).in_(domain_ids),
                col(Membership.status) == S.invited,
            )
        )
    )
    if not invited:
        return {}
    senders = await session.exec(
        select(MembershipEvent.membership_id, MembershipEvent.at, Person.id, Person.display_name)
        .outerjoin(Person, col(Person.id) == col(MembershipEvent.actor_id))
        .where(
            col(MembershipEvent.membership_id).in_([m.id for m in invited]),
            col(MembershipEvent.kind) == E.invited,
        )
        .order_by(col(MembershipEvent.at), col(MembershipEvent.id))
    )
    sent = {row[0]: row[1:] for row in senders}  # the latest invitation of each wins
    found: dict[uuid.UUID, Invitation] = {}
    for m in invited:
        at, by_id, by_name = sent.get(m.id, (m.updated_at, None, None))
        found[m.domain_id] = Invitation(
            invited_at=at,
            invited_by_id=by_id,
            invited_by_name=by_name,
            roles=[Role(r) for r in m.roles],
        )
    return found


# Batched reads for GraphQL DataLoaders: one query for many parents, whatever their number.


async def members_for_domains(
    session: AsyncSession,
    actor: Actor,
    domain_ids: list[uuid.UUID],
    params: PageParams,
    status: S | None = None,
    role: Role | None = None,
) -> dict[uuid.UUID, Page[Membership] | Forbidden]:
    domains = {
        d.id: d
        for d in await session.exec(
            select(Domain).where(col(Domain.id).in_(domain_ids), visible_domains(actor))
        )
    }
    mine = await actor_memberships(session, actor, list(domains))
    results: dict[uuid.UUID, Page[Membership] | Forbidden] = {}
    allowed: dict[uuid.UUID, DomainAccess] = {}
    for domain_id in domain_ids:
        domain = domains.get(domain_id)
        access = DomainAccess(actor, domain, mine.get(domain_id)) if domain else None
        if access is None or not access.can_read_content or not access.can_read_members:
            results[domain_id] = Forbidden("Only members of this domain can see its members.")
        else:
            allowed[domain_id] = access
    if allowed:
        pages = await _windowed(
            session,
            {
                did: (col(Membership.domain_id) == did, *_member_filter(acc, status, role)[1:])
                for did, acc in allowed.items()
            },
            col(Membership.domain_id),
            params,
        )
        results.update(pages)
    return results


async def memberships_for_people(
    session: AsyncSession, actor: Actor, person_ids: list[uuid.UUID], params: PageParams
) -> dict[uuid.UUID, Page[Membership]]:
    return await _windowed(
        session,
        {
            pid: (col(Membership.person_id) == pid, *visible_memberships_of(actor, pid))
            for pid in dict.fromkeys(person_ids)
        },
        col(Membership.person_id),
        params,
    )


_BY_CREATION = Keyset(
    [SortKey(col(Membership.created_at), "time"), SortKey(col(Membership.id), "uuid")]
)


async def _windowed(
    session: AsyncSession,
    groups: dict[uuid.UUID, tuple[Any, ...]],
    partition: Any,
    params: PageParams,
) -> dict[uuid.UUID, Page[Membership]]:
    """A page of each group (its conditions by the id it is partitioned by), oldest
    first, in one statement (two with a cursor to look behind)."""
    condition = or_(*(and_(*g) for g in groups.values()))
    return await windowed_pages(
        session,
        select(Membership).where(condition),
        Membership,
        partition,
        _BY_CREATION,
        params,
        list(groups),
        lambda m: [m.created_at, m.id],
    )


async def history_for_memberships(
    session: AsyncSession, actor: Actor, membership_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[MembershipEvent]]:
    """History of memberships the caller has already been shown (so already authorised)."""
    actor.require_authenticated()
    rows = await session.exec(
        select(MembershipEvent)
        .where(col(MembershipEvent.membership_id).in_(membership_ids))
        .order_by(col(MembershipEvent.at), col(MembershipEvent.id))
    )
    grouped: dict[uuid.UUID, list[MembershipEvent]] = defaultdict(list)
    for event in rows:
        grouped[event.membership_id].append(event)
    return grouped
