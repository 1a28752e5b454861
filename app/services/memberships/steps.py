"""The steps every membership write is made of: a status change, the event it appends to
the history, the checks it must pass (room under the cap, a convenor left, the code of
conduct accepted), and the one change event a write publishes at its end."""

from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, FieldError, Invalid
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.memberships import (
    Membership,
    MembershipEvent,
    MembershipEventKind,
    MembershipPublic,
    MembershipStatus,
    Role,
)
from app.services.access import DomainAccess, active_convenor, active_member_count, is_active
from app.services.actors import Actor
from app.services.changes import events

S = MembershipStatus
E = MembershipEventKind


def begin(session: AsyncSession) -> None:
    """Start a write: forget the events a failed one may have noted."""
    session.info.pop(_KINDS, None)


def normal_roles(roles: list[Role] | None) -> list[str]:
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


async def ensure_room(session: AsyncSession, domain: Domain) -> None:
    if domain.max_active_members is None:
        return
    if await active_member_count(session, domain.id) >= domain.max_active_members:
        raise Conflict(
            f"The domain is full: it keeps at most {domain.max_active_members} active members. "
            "A convenor can raise the cap.",
            problem="domain-full",
            title="Domain is full",
        )


async def ensure_not_last_convenor(session: AsyncSession, membership: Membership) -> None:
    if not is_active(membership) or Role.convenor not in membership.roles:
        return
    if await _other_active_convenors(session, membership) == 0:
        raise Conflict(
            "The last convenor cannot leave or give up the role; name another convenor first.",
            problem="last-convenor",
            title="Last convenor",
        )


def record(session: AsyncSession, membership: Membership, kind: E, actor: Actor) -> None:
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


# What `record` noted during this write, for the one event `publish` emits at its end.
_KINDS = "membership_event_kinds"
_EVENT_TYPES = {E.rejoined: "membership.joined", E.roles_changed: "membership.role_changed"}


def snapshot(membership: Membership) -> dict[str, Any]:
    return MembershipPublic.model_validate(membership).model_dump(mode="json")


async def publish(
    session: AsyncSession, actor: Actor, membership: Membership, before: dict[str, Any] | None
) -> None:
    """One event per write: named after its status change (a roles change alone is
    `role_changed`); `changes` holds every field that moved, roles included."""
    kinds: list[E] = session.info.pop(_KINDS, [])
    if not kinds:
        return
    kind = next((k for k in reversed(kinds) if k != E.roles_changed), kinds[-1])
    await session.flush()  # the payload shows the version this change gives the membership
    payload = snapshot(membership)
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


def set_status(membership: Membership, status: S) -> None:
    now = utcnow()
    if status == S.active and membership.joined_at is None:
        membership.joined_at = now
    if status in (S.left, S.removed) and membership.status == S.active:
        membership.left_at = now
    membership.status = status
    membership.updated_at = now


def accept_conduct(access: DomainAccess, membership: Membership, accepted: bool) -> None:
    """A member joining by their own act accepts the domain's code of conduct, if it has one."""
    if not access.domain.code_of_conduct or membership.conduct_accepted_at is not None:
        return
    if not accepted:
        raise Invalid(
            "This domain has a code of conduct; accept it to join.",
            errors=[FieldError("accept_code_of_conduct", "must be true", "conduct_required")],
        )
    membership.conduct_accepted_at = utcnow()


async def activate(
    session: AsyncSession, access: DomainAccess, membership: Membership, kind: E
) -> None:
    await ensure_room(session, access.domain)
    rejoin = membership.joined_at is not None and kind == E.joined
    set_status(membership, S.active)
    record(session, membership, E.rejoined if rejoin else kind, access.actor)
