"""Data-scoped authorization: who may see and change what within a domain.

A domain the caller may not see raises NotFound, never Forbidden, so that a private
domain's existence does not leak. Once a domain is visible, a refused action is Forbidden."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, NotFound, shown
from app.models.domains import Domain, Visibility
from app.models.memberships import Membership, MembershipStatus, Role
from app.services.actors import Actor

SEES_DOMAIN = (MembershipStatus.active, MembershipStatus.invited)


@dataclass(frozen=True)
class DomainAccess:
    actor: Actor
    domain: Domain
    membership: Membership | None

    @property
    def is_active_member(self) -> bool:
        return self.membership is not None and self.membership.status == MembershipStatus.active

    def has_role(self, role: Role) -> bool:
        return self.is_active_member and role in (self.membership.roles if self.membership else [])

    @property
    def is_convenor(self) -> bool:
        return self.has_role(Role.convenor)

    @property
    def can_see(self) -> bool:
        if self.actor.can_read_all:
            return True
        if self.domain.archived_at is not None:
            return self.is_convenor
        if self.domain.visibility == Visibility.public:
            return True
        return self.membership is not None and self.membership.status in SEES_DOMAIN

    @property
    def can_read_members(self) -> bool:
        return self.actor.can_read_all or self.is_active_member

    @property
    def can_manage(self) -> bool:
        return self.actor.can_write_all or (self.is_convenor and self.actor.has_scope("write"))

    def require_read_members(self) -> "DomainAccess":
        if not self.can_read_members:
            raise Forbidden("Only members of this domain can see its members.")
        return self

    def require_manage(self) -> "DomainAccess":
        self.actor.require_write()
        if not self.can_manage:
            raise Forbidden("Only a convenor of this domain (or a platform admin) may do this.")
        return self

    def require_writable(self) -> "DomainAccess":
        self.actor.require_write()
        if self.domain.archived_at is not None:
            raise Conflict("This domain is archived.", problem="domain-archived")
        return self


def not_found(slug: str) -> NotFound:
    return NotFound(f"No domain '{shown(slug, 64)}'.")


async def domain_access(
    session: AsyncSession, actor: Actor, slug: str, *, lock: bool = False
) -> DomainAccess:
    """Load a domain with the caller's membership in one query; 404 if they may not see it.
    `lock` takes a row lock on the domain, serialising membership changes per domain."""
    stmt: Any = select(Domain, Membership).where(col(Domain.slug) == slug)
    stmt = stmt.outerjoin(
        Membership,
        and_(
            col(Membership.domain_id) == col(Domain.id),
            col(Membership.person_id) == actor.person_id,
        ),
    )
    if lock:
        stmt = stmt.with_for_update(of=Domain)  # type: ignore[arg-type]
    row = (await session.exec(stmt)).one_or_none()
    if row is None:
        raise not_found(slug)
    access = DomainAccess(actor=actor, domain=row[0], membership=row[1])
    if not access.can_see:
        raise not_found(slug)
    return access


def visible_domains(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: the domains the caller may see (archived ones aside)."""
    if actor.can_read_all:
        return literal(True)
    clauses: list[ColumnElement[bool]] = [col(Domain.visibility) == Visibility.public]
    if actor.person_id is not None:
        clauses.append(
            exists().where(
                col(Membership.domain_id) == col(Domain.id),
                col(Membership.person_id) == actor.person_id,
                col(Membership.status).in_(SEES_DOMAIN),
            )
        )
    return or_(*clauses)


def member_readable_domain_ids(actor: Actor) -> Any:
    """SQL subquery: ids of domains whose members the caller may list."""
    return select(Membership.domain_id).where(
        col(Membership.person_id) == actor.person_id,
        col(Membership.status) == MembershipStatus.active,
    )


async def actor_memberships(
    session: AsyncSession, actor: Actor, domain_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Membership]:
    if actor.person_id is None or not domain_ids:
        return {}
    rows = await session.exec(
        select(Membership).where(
            col(Membership.person_id) == actor.person_id,
            col(Membership.domain_id).in_(domain_ids),
        )
    )
    return {m.domain_id: m for m in rows}
