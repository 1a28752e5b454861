"""Importing members in bulk from a directory (an LMS roster, an intranet export).

Every row is checked before anything is written: first on its own (email, name, roles),
then against the database (who the person is, whether the domain has room, whether the
domain keeps a convenor). Then the rows that passed are written with a handful of
set-based statements per thousand rows, all in one transaction, with their membership
history, events, audit rows and webhook deliveries. Importing the same file again finds
nothing to change and writes nothing.

Who imports decides what a row does. A platform admin or an `admin` API key (the
organisation's own directory sync) makes people members at once. Anyone else (a
convenor, a `write` key) sends invitations: each row does what inviting that person
would, and the person joins only by accepting. Such an import matches people by email
alone and ignores `external_id` (it neither reads nor writes anyone's directory id), and
its report reads the same whether or not an address already has an account.

People are matched by `external_id` (the directory's own id), else by email, ignoring
case. Someone not found is created without a password and inactive: signing up with
that email later claims the record (see `people.register`). An existing person's profile
is theirs: an import never changes it, except (an admin's) to record a missing external id.

Reading the file and checking rows on their own is `import_files`."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import FieldError, Invalid
from app.models.base import utcnow
from app.models.memberships import (
    Membership,
    MembershipEventKind,
    MembershipPublic,
    MembershipStatus,
    Role,
)
from app.models.people import Person
from app.services.access import (
    DomainAccess,
    active_convenor,
    active_member_count,
    domain_access,
    is_active,
)
from app.services.actors import Actor
from app.services.changes import bulk as bulk_events
from app.services.changes.bulk import AuditOnly, Change
from app.services.changes.events import diff
from app.services.imports.files import (
    MAX_REPORTED_ERRORS,
    MemberRow,
    Outcome,
    RawRow,
    RowFieldError,
    check_row,
)

CHUNK_ROWS = 1_000
E = MembershipEventKind
Progress = Callable[[Outcome], Awaitable[None]]


class ImportRejected(Invalid):
    """An atomic import with at least one invalid row: nothing was written."""

    problem = "import-rejected"
    title = "Import rejected"

    def __init__(self, outcome: Outcome) -> None:
        ordered = sorted(outcome.errors, key=lambda e: e.row)
        super().__init__(
            f"{outcome.rejected} of {outcome.total} rows are invalid, and the import is "
            "atomic: nothing was imported.",
            errors=list[FieldError](ordered[:MAX_REPORTED_ERRORS]),
            extra={"total": outcome.total, "rejected": outcome.rejected},
        )
        self.outcome = outcome


# Checking rows against the database, and deciding what each one does.


@dataclass
class _Known:
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


async def _known_people(
    session: AsyncSession, rows: list[MemberRow]
) -> tuple[dict[str, _Known], dict[str, _Known]]:
    conn = await session.connection()
    result = await conn.execute(
        _KNOWN_PEOPLE.bindparams(
            emails=[r.email for r in rows],
            external_ids=[r.external_id for r in rows if r.external_id],
        )
    )
    by_email: dict[str, _Known] = {}
    by_external_id: dict[str, _Known] = {}
    for person_id, email, external_id in result.all():
        known = _Known(person_id, email, external_id)
        by_email[email.lower()] = known
        if external_id:
            by_external_id[external_id] = known
    return by_email, by_external_id


def _identify(
    row: MemberRow,
    by_email: dict[str, _Known],
    by_external_id: dict[str, _Known],
    outcome: Outcome,
) -> tuple[_Known | None, bool]:
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
    by_email, by_external_id = await _known_people(session, rows)
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


# Writing.

_INSERT_PEOPLE = text(
    """
    INSERT INTO people (id, email, display_name, external_id, is_active, created_at, updated_at)
    SELECT v.id, v.email, v.display_name, v.external_id, false,
           CAST(:now AS timestamptz), CAST(:now AS timestamptz)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:emails AS text[]), CAST(:names AS text[]),
                CAST(:external_ids AS text[])) AS v(id, email, display_name, external_id)
    ON CONFLICT DO NOTHING
    RETURNING id
    """
)


def _bump_version(model: Any) -> str:
    """SQL-level updates bump a versioned table's counter themselves (the ETag)."""
    table = model.__table__
    return f", version = {table.name}.version + 1" if "version" in table.c else ""


_LINK_PEOPLE = text(
    f"""
    UPDATE people SET external_id = v.external_id, updated_at = CAST(:now AS timestamptz)
                      {_bump_version(Person)}
    FROM unnest(CAST(:ids AS uuid[]), CAST(:external_ids AS text[])) AS v(id, external_id)
    WHERE people.id = v.id AND people.external_id IS NULL
    """
)

# Membership writes lock the domain row (taken by `domain_access(lock=True)`), so no
# other writer changes this domain's memberships between the plan and this statement.
_UPSERT_MEMBERSHIPS = text(
    f"""
    INSERT INTO memberships (id, domain_id, person_id, status, roles, created_at, updated_at,
                             joined_at)
    SELECT v.id, CAST(:domain_id AS uuid), v.person_id, v.status,
           string_to_array(v.roles, ','), CAST(:now AS timestamptz), CAST(:now AS timestamptz),
           CASE WHEN v.status = 'active' THEN CAST(:now AS timestamptz) END
    FROM unnest(CAST(:ids AS uuid[]), CAST(:person_ids AS uuid[]), CAST(:statuses AS text[]),
                CAST(:roles AS text[])) AS v(id, person_id, status, roles)
    ON CONFLICT (domain_id, person_id) DO UPDATE
       SET status = EXCLUDED.status, roles = EXCLUDED.roles, updated_at = EXCLUDED.updated_at,
           joined_at = COALESCE(memberships.joined_at, EXCLUDED.joined_at)
           {_bump_version(Membership)}
    RETURNING memberships.*
    """
)

_INSERT_HISTORY = text(
    """
    INSERT INTO membership_events (id, membership_id, kind, status, roles, actor_id, at)
    SELECT gen_random_uuid(), v.membership_id, v.kind, v.status, string_to_array(v.roles, ','),
           CAST(:actor_id AS uuid), CAST(:now AS timestamptz)
    FROM unnest(CAST(:membership_ids AS uuid[]), CAST(:kinds AS text[]),
                CAST(:statuses AS text[]), CAST(:roles AS text[]))
         AS v(membership_id, kind, status, roles)
    """
)

_EVENT_TYPES = {
    E.invited: "membership.invited",
    E.joined: "membership.joined",
    E.rejoined: "membership.joined",
    E.approved: "membership.approved",
    E.roles_changed: "membership.role_changed",
}


def _dump(membership: Any) -> dict[str, Any]:
    return MembershipPublic.model_validate(membership).model_dump(mode="json")


async def _create_people(session: AsyncSession, steps: list[Step]) -> None:
    """Insert the new people; one that appeared meanwhile (a sign-up between the plan and
    now) is used as it is."""
    new = [s for s in steps if s.new_person]
    if not new:
        return
    conn = await session.connection()
    inserted = await conn.execute(
        _INSERT_PEOPLE.bindparams(
            now=utcnow(),
            ids=[s.person_id for s in new],
            emails=[s.row.email for s in new],
            names=[s.row.display_name for s in new],
            external_ids=[s.row.external_id for s in new],
        )
    )
    created = {row[0] for row in inserted.all()}
    late = [s for s in new if s.person_id not in created]
    if not late:
        return
    by_email, by_external_id = await _known_people(session, [s.row for s in late])
    for step in late:
        known = (by_external_id.get(step.row.external_id or "")) or by_email.get(step.row.email)
        if known is None:
            raise Invalid(
                f"Row {step.row.row}: the external id is taken by another person.",
                errors=[RowFieldError("external_id", "taken", "external_id_taken", step.row.row)],
            )
        step.person_id, step.new_person = known.id, False


@dataclass
class _Log:
    """What the import will append to the event and audit logs, once, at its end: the log
    lock is then held for a moment, not for the whole import."""

    changes: list[Change] = field(default_factory=list)
    audit_only: list[AuditOnly] = field(default_factory=list)


async def _apply_chunk(
    session: AsyncSession, access: DomainAccess, steps: list[Step], outcome: Outcome, log: _Log
) -> None:
    actor = access.actor
    domain_id = access.domain.id
    conn = await session.connection()
    now = utcnow()
    await _create_people(session, steps)
    links = [s for s in steps if s.link_external_id]
    if links:
        await conn.execute(
            _LINK_PEOPLE.bindparams(
                now=now,
                ids=[s.person_id for s in links],
                external_ids=[s.row.external_id for s in links],
            )
        )
    writes = [s for s in steps if s.changes_membership]
    changes: list[Change] = []
    if writes:
        upserted = await conn.execute(
            _UPSERT_MEMBERSHIPS.bindparams(
                now=now,
                domain_id=domain_id,
                ids=[uuid.uuid4() for _ in writes],
                person_ids=[s.person_id for s in writes],
                statuses=[s.status for s in writes],
                roles=[",".join(s.roles) for s in writes],
            )
        )
        by_person = {row.person_id: row for row in upserted.all()}
        rows = [by_person[s.person_id] for s in writes]
        await conn.execute(
            _INSERT_HISTORY.bindparams(
                now=now,
                actor_id=actor.person_id,
                membership_ids=[r.id for r in rows],
                kinds=[s.event.value for s in writes if s.event is not None],
                statuses=[s.status for s in writes],
                roles=[",".join(s.roles) for s in writes],
            )
        )
        for step, row in zip(writes, rows, strict=True):
            assert step.event is not None
            payload = _dump(row)
            before = _dump(step.membership) if step.membership is not None else None
            changes.append(
                Change(
                    _EVENT_TYPES[step.event],
                    "membership",
                    row.id,
                    payload,
                    diff(before, payload) if before is not None else None,
                )
            )
    audit_only = [
        AuditOnly(
            "person.created",
            "person",
            s.person_id,
            {"email": s.row.email, "display_name": s.row.display_name}
            | ({"external_id": s.row.external_id} if s.row.external_id else {}),
        )
        for s in steps
        if s.new_person
    ] + [
        AuditOnly(
            "person.updated",
            "person",
            s.person_id,
            {"external_id": {"from": None, "to": s.row.external_id}},
        )
        for s in links
    ]
    log.changes += changes
    log.audit_only += audit_only
    for step in steps:
        if step.membership is None:
            outcome.created += 1
        elif step.changes_membership or step.link_external_id:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
        outcome.people_created += step.new_person
        outcome.invited += step.event == E.invited


async def manageable(
    session: AsyncSession, actor: Actor, slug: str, *, lock: bool = False
) -> DomainAccess:
    access = await domain_access(session, actor, slug, lock=lock)
    return access.require_manage().require_writable()


async def import_members(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    raw_rows: list[RawRow],
    *,
    atomic: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Check every row, then write the valid ones (none if `atomic` and any is invalid),
    and commit. `progress` hears after each chunk of rows."""
    access = await manageable(session, actor, slug, lock=True)
    outcome = Outcome(total=len(raw_rows))
    rows = [r for r in (check_row(raw, outcome) for raw in raw_rows) if r is not None]
    steps = await plan(session, access, rows, outcome)
    if atomic and outcome.errors:
        raise ImportRejected(outcome)
    position = 0
    log = _Log()
    for start in range(0, len(raw_rows), CHUNK_ROWS):
        chunk = raw_rows[start : start + CHUNK_ROWS]
        last_row = chunk[-1].row
        chunk_steps: list[Step] = []
        while position < len(steps) and steps[position].row.row <= last_row:
            chunk_steps.append(steps[position])
            position += 1
        await _apply_chunk(session, access, chunk_steps, outcome, log)
        outcome.processed += len(chunk)
        if progress is not None:
            await progress(outcome)
    await bulk_events.record_many(session, actor, access.domain.id, log.changes)
    # People are platform-wide: their audit rows (emails among them) are not the domain's,
    # so its convenors, who read the domain's log, do not learn which addresses were new.
    await bulk_events.record_many(session, actor, None, [], log.audit_only)
    await session.commit()
    return outcome
