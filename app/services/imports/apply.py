"""Writing an import's plan: a handful of set-based statements per chunk of rows, with
the memberships' history, and the event and audit entries gathered for the end."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Invalid
from app.models.base import utcnow
from app.models.memberships import Membership, MembershipEventKind, MembershipPublic
from app.models.people import Person
from app.services.access import DomainAccess
from app.services.changes.bulk import AuditOnly, Change
from app.services.changes.events import diff
from app.services.imports.files import Outcome, RowFieldError
from app.services.imports.plan import Step, known_people

E = MembershipEventKind

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
    by_email, by_external_id = await known_people(session, [s.row for s in late])
    for step in late:
        known = (by_external_id.get(step.row.external_id or "")) or by_email.get(step.row.email)
        if known is None:
            raise Invalid(
                f"Row {step.row.row}: the external id is taken by another person.",
                errors=[RowFieldError("external_id", "taken", "external_id_taken", step.row.row)],
            )
        step.person_id, step.new_person = known.id, False


@dataclass
class Log:
    """What the import will append to the event and audit logs, once, at its end: the log
    lock is then held for a moment, not for the whole import."""

    changes: list[Change] = field(default_factory=list)
    audit_only: list[AuditOnly] = field(default_factory=list)


async def apply_chunk(
    session: AsyncSession, access: DomainAccess, steps: list[Step], outcome: Outcome, log: Log
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
