"""Checking import rows against the database, and deciding what each one does.

Nothing here writes: the plan is a list of steps that `apply` carries out."""

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Membership, MembershipEventKind, MembershipStatus, Role
from app.services.access import DomainAccess, active_convenor, active_member_count, is_active
from app.services.actors import Actor
from app.services.imports.files import MemberRow, Outcome

E = MembershipEventKind


@dataclass
class Known:
    id: uuid.UUID
    email: str
    external_id: str | None


@dataclass
class Step:
    row: MemberRow
    person_id: uuid.UUID
    new_person: bool = False
    link_external_id: bool = False
    membership: Any = None  # the membership row as it was, if any
    roles: list[str] = field(default_factory=list)
    status: str = MembershipStatus.active  # what the membership becomes
    event: E | None = None  # None: the membership is left as it is

    @property
    def changes_membership(self) -> bool:
        return self.event is not None

    @property
    def needs_room(self) -> bool:
        return (
            self.event is not None
            and self.status == MembershipStatus.active
            and not is_active(self.membership)
        )


# Joins on the lists rather than `= ANY(...)`: a hash join, however long the file.
_KNOWN_PEOPLE = text(
    """
    SELECT p.id, p.email, p.external_id
    FROM people p JOIN unnest(CAST(:emails AS text[])) AS v(email) ON lower(p.email) = v.email
    UNION
    SELECT p.id, p.email, p.external_id
    FROM people p JOIN unnest(CAST(:external_ids AS text[])) AS v(external_id)
         ON p.external_id = v.external_id
    """
)

_MEMBERSHIPS = text(
    """
    SELECT m.* FROM memberships m
    JOIN unnest(CAST(:person_ids AS uuid[])) AS v(person_id) ON m.person_id = v.person_id
    WHERE m.domain_id = CAST(:domain_id AS uuid)
    """
)


async def known_people(
    session: AsyncSession, rows: list[MemberRow]
) -> tuple[dict[str, Known], dict[str, Known]]:
    conn = await session.connection()
    result = await conn.execute(
        _KNOWN_PEOPLE.bindparams(
            emails=[r.email for r in rows],
            external_ids=[r.external_id for r in rows if r.external_id],
        )
    )
    by_email: dict[str, Known] = {}
    by_external_id: dict[str, Known] = {}
    for person_id, email, external_id in result.all():
        known = Known(person_id, email, external_id)
        by_email[email.lower()] = known
        if external_id:
            by_external_id[external_id] = known
    return by_email, by_external_id


def _identify(
    row: MemberRow,
    by_email: dict[str, Known],
    by_external_id: dict[str, Known],
    outcome: Outcome,
) -> tuple[Known | None, bool]:
    """The person a row means (None: a new one), and whether the row is acceptable."""
    if row.external_id and row.external_id in by_external_id:
        return by_external_id[row.external_id], True
    known = by_email.get(row.email)
    if known is not None and row.external_id and known.external_id:
        outcome.reject(
            row.row,
            "external_id",
            f"{row.email} belongs to a person with another external id ('{known.external_id}').",
            "external_id_mismatch",
        )
        return None, False
    return known, True


def adds_members(actor: Actor) -> bool:
    """Whether this caller's import makes people members at once (else it invites them)."""
    return actor.can_admin


async def plan(
    session: AsyncSession, access: DomainAccess, rows: list[MemberRow], outcome: Outcome
) -> list[Step]:
    domain = access.domain
    invites = not adds_members(access.actor)
    if invites:
        rows = [replace(r, external_id=None) for r in rows]
    by_email, by_external_id = await known_people(session, rows)
    steps: list[Step] = []
    first_row_of: dict[object, int] = {}
    for row in rows:
        known, ok = _identify(row, by_email, by_external_id, outcome)
        if not ok:
            continue
        keys: list[tuple[str, object]] = [("email", ("email", row.email))]
        if row.external_id:
            keys.append(("external_id", ("external_id", row.external_id)))
        if known is not None:
            keys.append(("email", ("person", known.id)))
        duplicate = next((k for k in keys if k[1] in first_row_of), None)
        if duplicate is not None:
            outcome.reject(
                row.row,
                duplicate[0],
                f"The same person as on row {first_row_of[duplicate[1]]}.",
                "duplicate",
            )
            continue
        for _, value in keys:
            first_row_of[value] = row.row
        if known is None:
            steps.append(Step(row, uuid.uuid4(), new_person=True))
        else:
            link = bool(row.external_id) and known.external_id is None
            steps.append(Step(row, known.id, link_external_id=link))
    memberships = await _memberships(session, domain.id, [s.person_id for s in steps])
    for step in steps:
        if invites:
            _decide_invitation(step, memberships.get(step.person_id))
        else:
            _decide(step, memberships.get(step.person_id))
    steps = await _check_room(session, access, steps, outcome)
    return await _check_convenors(session, access, steps, outcome)


async def _memberships(
    session: AsyncSession, domain_id: uuid.UUID, person_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """The domain's memberships of these people, as plain rows (read, never written)."""
    if not person_ids:
        return {}
    conn = await session.connection()
    rows = await conn.execute(_MEMBERSHIPS.bindparams(domain_id=domain_id, person_ids=person_ids))
    return {m.person_id: m for m in rows.all()}


def _decide(step: Step, membership: Any) -> None:
    step.membership = membership
    wanted = step.row.roles
    if membership is None:
        step.roles = wanted or [Role.member.value]
        step.event = E.joined
        return
    step.roles = wanted if wanted is not None else list(membership.roles)
    if is_active(membership):
        if set(step.roles) != set(membership.roles):
            step.event = E.roles_changed
        else:
            step.roles = list(membership.roles)
        return
    if membership.status == MembershipStatus.requested:
        step.event = E.approved
    else:
        step.event = E.rejoined if membership.joined_at is not None else E.joined


def _decide_invitation(step: Step, membership: Any) -> None:
    """What inviting this person would do: invite them (again, if they left, declined or
    were removed); approve a request to join; change an active member's or a pending
    invitee's roles; nothing more."""
    step.membership = membership
    wanted = step.row.roles
    status = membership.status if membership is not None else None
    step.roles = wanted or [Role.member.value]
    if status in (MembershipStatus.active, MembershipStatus.invited):
        step.status = status
        step.roles = wanted if wanted is not None else list(membership.roles)
        if set(step.roles) != set(membership.roles):
            step.event = E.roles_changed
        else:
            step.roles = list(membership.roles)
        return
    if status == MembershipStatus.requested:
        step.status, step.event = MembershipStatus.active, E.approved
        return
    step.status, step.event = MembershipStatus.invited, E.invited


async def _check_room(
    session: AsyncSession, access: DomainAccess, steps: list[Step], outcome: Outcome
) -> list[Step]:
    cap = access.domain.max_active_members
    if cap is None:
        return steps
    active = await active_member_count(session, access.domain.id)
    kept: list[Step] = []
    for step in steps:
        if step.needs_room:
            if active >= cap:
                outcome.reject(
                    step.row.row,
                    "email",
                    f"The domain is full: it keeps at most {cap} active members.",
                    "domain_full",
                )
                continue
            active += 1
        kept.append(step)
    return kept


async def _check_convenors(
    session: AsyncSession, access: DomainAccess, steps: list[Step], outcome: Outcome
) -> list[Step]:
    """A file may hand the convenor role over (in any row order), but may not leave the
    domain without one."""
    convenor = Role.convenor.value
    current = set(
        (
            await session.exec(
                select(Membership.person_id).where(
                    col(Membership.domain_id) == access.domain.id, active_convenor()
                )
            )
        ).all()
    )
    convenors = current | {
        s.person_id for s in steps if convenor in s.roles and s.status == MembershipStatus.active
    }
    kept: list[Step] = []
    for step in steps:
        if step.person_id in current and convenor not in step.roles:
            if convenors == {step.person_id}:
                outcome.reject(
                    step.row.row,
                    "roles",
                    "This would leave the domain without a convenor; name another first.",
                    "last_convenor",
                )
                continue
            convenors.discard(step.person_id)
        kept.append(step)
    return kept
