"""Data-scoped authorization: who may see and change what within a domain.

A domain the caller may not see raises NotFound, never Forbidden, so that a private
domain's existence does not leak. Once a domain is visible, a refused action is Forbidden.

Seeing a private domain comes in two depths. Its card (the charter: name, purpose,
boundaries, code of conduct) is shown to its members and to the people invited to it,
who need it to decide whether to accept. Its content (contributions, gatherings and their
calendars, collections, members, views, search results, changes) is read by active
members only: an invitation is a question, not a way in.

The caller's memberships are those of `actor.member_id`: none before their email is
verified."""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, literal, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, NotFound, shown
from app.models.contributions import Contribution, ContributionStatus
from app.models.domains import Domain, Visibility
from app.models.memberships import Membership, MembershipStatus, Role
from app.models.people import Person
from app.services.actors import Actor

SEES_CARD = (MembershipStatus.active, MembershipStatus.invited)
READS_CONTENT = (MembershipStatus.active,)


def is_active(membership: Membership | None) -> bool:
    """Whether this membership makes its person an active member of its domain: the one
    status that reads the domain's content, holds its roles and counts toward its cap."""
    return membership is not None and membership.status == MembershipStatus.active


def active_membership(membership: Any = Membership) -> ColumnElement[bool]:
    """`is_active` as an SQL condition on Membership (or on an alias of it)."""
    condition: ColumnElement[bool] = membership.status == MembershipStatus.active
    return condition


def active_convenor(membership: Any = Membership) -> ColumnElement[bool]:
    """SQL condition: an active membership that holds the convenor role (who manages the
    domain; a domain must always keep one)."""
    return and_(
        active_membership(membership),
        col(membership.roles).contains([Role.convenor.value]),
    )


async def active_member_ids(
    session: AsyncSession, domain_id: uuid.UUID, person_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of these people who are active members of the domain."""
    if not person_ids:
        return set()
    rows = await session.exec(
        select(Membership.person_id).where(
            col(Membership.domain_id) == domain_id,
            col(Membership.person_id).in_(person_ids),
            active_membership(),
        )
    )
    return set(rows.all())


async def active_member_count(session: AsyncSession, domain_id: uuid.UUID) -> int:
    """How many active members the domain has (what its cap limits)."""
    return (
        await session.exec(
            select(func.count()).where(col(Membership.domain_id) == domain_id, active_membership())
        )
    ).one()


@dataclass(frozen=True)
class DomainAccess:
    actor: Actor
    domain: Domain
    membership: Membership | None

    @property
    def is_active_member(self) -> bool:
        return is_active(self.membership)

    def has_role(self, role: Role) -> bool:
        return self.is_active_member and role in (self.membership.roles if self.membership else [])

    @property
    def is_convenor(self) -> bool:
        return self.has_role(Role.convenor)

    def _sees(self, statuses: tuple[MembershipStatus, ...]) -> bool:
        if self.actor.can_read_all:
            return True
        if self.domain.archived_at is not None:
            return self.is_convenor
        if self.domain.visibility == Visibility.public:
            return True
        return self.membership is not None and self.membership.status in statuses

    @property
    def can_see_card(self) -> bool:
        """The domain itself: what an invitee reads before accepting."""
        return self._sees(SEES_CARD)

    @property
    def can_read_content(self) -> bool:
        """Everything the domain holds."""
        return self._sees(READS_CONTENT)

    @property
    def can_read_members(self) -> bool:
        return self.actor.can_read_all or self.is_active_member

    @property
    def sees_every_membership(self) -> bool:
        """Memberships in every status (invitations, requests, ended ones), not only the
        active ones."""
        return self.actor.can_read_all or self.is_convenor

    def shows_membership(self, membership: Membership) -> bool:
        """Among the members the caller may read: their own, the active ones, and any to
        those who convene or manage the domain."""
        return (
            membership.person_id == self.actor.person_id
            or self.can_manage
            or self.is_convenor
            or is_active(membership)
        )

    @property
    def can_manage(self) -> bool:
        return self.actor.can_write_all or (self.is_convenor and self.actor.has_scope("write"))

    @property
    def can_schedule(self) -> bool:
        """Gatherings are scheduled by those who manage the domain and its core group."""
        return self.can_manage or self.has_role(Role.core)

    def can_host(self, host_ids: list[uuid.UUID]) -> bool:
        """A gathering is run by its hosts (while active members) and those who manage."""
        return self.can_manage or (self.is_active_member and self.actor.person_id in host_ids)

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


def my_memberships(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on Membership: the caller's own memberships, those that count."""
    if actor.member_id is None:
        return false()
    return col(Membership.person_id) == actor.member_id


def not_found(slug: str) -> NotFound:
    return NotFound(f"No domain '{shown(slug, 64)}'.")


async def domain_access(
    session: AsyncSession, actor: Actor, slug: str, *, lock: bool = False, card: bool = False
) -> DomainAccess:
    """Load a domain with the caller's membership in one query; 404 if they may not read
    its content (with `card`: if they may not even see its card). `lock` takes a row lock
    on the domain, serialising membership changes per domain."""
    stmt: Any = select(Domain, Membership).where(col(Domain.slug) == slug)
    stmt = stmt.outerjoin(
        Membership, and_(col(Membership.domain_id) == col(Domain.id), my_memberships(actor))
    )
    if lock:
        stmt = stmt.with_for_update(of=Domain)
    row = (await session.exec(stmt)).one_or_none()
    if row is None:
        raise not_found(slug)
    access = DomainAccess(actor=actor, domain=row[0], membership=row[1])
    if not (access.can_see_card if card else access.can_read_content):
        raise not_found(slug)
    return access


def visible_domains(actor: Actor, *, card: bool = False) -> ColumnElement[bool]:
    """SQL condition: the domains whose content the caller may read (with `card`: whose
    card they may see), archived ones aside."""
    if actor.can_read_all:
        return literal(True)
    clauses: list[ColumnElement[bool]] = [col(Domain.visibility) == Visibility.public]
    if actor.member_id is not None:
        clauses.append(
            exists().where(
                col(Membership.domain_id) == col(Domain.id),
                my_memberships(actor),
                col(Membership.status).in_(SEES_CARD if card else READS_CONTENT),
            )
        )
    return or_(*clauses)


def member_readable_domain_ids(actor: Actor) -> Any:
    """SQL subquery: ids of domains whose members the caller may list."""
    return select(Membership.domain_id).where(my_memberships(actor), active_membership())


def membership_visible(access: DomainAccess, membership: Membership) -> bool:
    """Whether the caller may see this membership, `access` being theirs to its domain:
    their own wherever they see the domain's card, someone else's where they may read the
    domain and its members (and, unless they convene, only an active one)."""
    if membership.person_id == access.actor.person_id:
        mine = access.membership
        return access.can_see_card and mine is not None and mine.id == membership.id
    return (
        access.can_read_content and access.can_read_members and access.shows_membership(membership)
    )


def visible_memberships_of(actor: Actor, person_id: uuid.UUID) -> list[ColumnElement[bool]]:
    """SQL conditions on Membership: which of this person's memberships the caller may see:
    all their own; someone else's only active ones, where the caller may list members."""
    if actor.can_read_all or actor.member_id == person_id:
        return []
    return [active_membership(), col(Membership.domain_id).in_(member_readable_domain_ids(actor))]


async def actor_memberships(
    session: AsyncSession, actor: Actor, domain_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Membership]:
    if actor.member_id is None or not domain_ids:
        return {}
    rows = await session.exec(
        select(Membership).where(
            my_memberships(actor),
            col(Membership.domain_id).in_(domain_ids),
        )
    )
    return {m.domain_id: m for m in rows}


async def domain_accesses(
    session: AsyncSession, actor: Actor, domain_ids: list[uuid.UUID]
) -> dict[uuid.UUID, DomainAccess]:
    """The caller's access to each of these domains that exists, in two queries: what
    `domain_access` would find for each (callers check what it allows)."""
    if not domain_ids:
        return {}
    domains = list(await session.exec(select(Domain).where(col(Domain.id).in_(domain_ids))))
    mine = await actor_memberships(session, actor, [d.id for d in domains])
    return {d.id: DomainAccess(actor, d, mine.get(d.id)) for d in domains}


def managed_domains(actor: Actor, domain_column: Any) -> ColumnElement[bool]:
    """SQL condition on `domain_column`: the domains the caller manages. Platform admins
    manage everything, platform-wide rows (no domain) included; API keys with the write
    scope every domain; a person the domains they are an active convenor of."""
    if actor.can_admin:
        return literal(True)
    if actor.can_write_all:
        return domain_column.is_not(None)  # type: ignore[no-any-return]
    if actor.person_id is None:
        return false()
    convened = select(Membership.domain_id).where(my_memberships(actor), active_convenor())
    return domain_column.in_(convened)  # type: ignore[no-any-return]


def visible_people(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on Person: the people the caller may see. Themselves, and those who
    share an active domain with them; convenors also see those asking to join their
    domains, and former members. Someone merely invited stays unseen until they accept:
    an invitation by email must not tell a convenor who holds that address."""
    if actor.can_read_all:
        return literal(True)
    if actor.person_id is None:
        return literal(False)
    if actor.member_id is None:
        return col(Person.id) == actor.person_id
    mine: Any = aliased(Membership)
    theirs: Any = aliased(Membership)
    shares_domain = exists().where(
        mine.person_id == actor.member_id,
        active_membership(mine),
        theirs.domain_id == mine.domain_id,
        theirs.person_id == col(Person.id),
        or_(
            active_membership(theirs),
            and_(
                active_convenor(mine),
                or_(theirs.status == MembershipStatus.requested, theirs.joined_at.is_not(None)),
            ),
        ),
    )
    return or_(col(Person.id) == actor.person_id, shares_domain)


def is_moderator(access: DomainAccess) -> bool:
    """Moderator of the domain: hides and restores contributions, reads hidden ones and
    settles reports."""
    return access.can_manage


def reads_moderation(access: DomainAccess) -> bool:
    """Who sees a domain's reports and moderation log: its moderators, and callers who
    read the whole platform."""
    return is_moderator(access) or access.actor.can_read_all


def is_curator(access: DomainAccess) -> bool:
    """Curator of the domain: marks contributions as curated, keeps its collections and
    archives any contribution (its managers, and knowledge brokers who may write)."""
    return access.can_manage or (
        access.has_role(Role.knowledge_broker) and access.actor.has_scope("write")
    )


def may_read_contribution(contribution: Contribution, access: DomainAccess) -> bool:
    """In a domain whose content the caller reads: a draft is its author's alone (not even
    convenors read it), and hidden content is for moderators."""
    if contribution.hidden_at is not None and not is_moderator(access):
        return False
    return (
        contribution.status != ContributionStatus.draft
        or contribution.author_id == access.actor.person_id
    )


def readable_contributions(
    actor: Actor, moderated: bool | Collection[uuid.UUID]
) -> list[ColumnElement[bool]]:
    """`may_read_contribution` as SQL conditions, for a caller who moderates the domains
    in question (True), none of them (False), or these ones."""
    conditions: list[ColumnElement[bool]] = [
        or_(
            col(Contribution.status) != ContributionStatus.draft,
            col(Contribution.author_id) == actor.person_id,
        )
    ]
    if moderated is True:
        return conditions
    shown_to_all = col(Contribution.hidden_at).is_(None)
    if moderated is False:
        conditions.append(shown_to_all)
    else:
        conditions.append(or_(shown_to_all, col(Contribution.domain_id).in_(moderated)))
    return conditions
