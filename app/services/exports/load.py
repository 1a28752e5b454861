"""Importing a domain export into a new domain, on this instance or another one.

Everything is checked before anything is written: the document's shape and types, then
that every reference points at a row or a person the document holds. Rows get new ids
(in the same order as the old ones, so a later export lists them in the same order);
people are matched by external id, else by email, else created without a password and
inactive, exactly as member imports do. Timestamps are kept. One transaction.

The document's shape and its checking are `document`."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, FieldError
from app.models.base import utcnow
from app.models.domains import Domain, DomainPublic, Slug
from app.models.memberships import MembershipPublic, MembershipStatus
from app.models.people import Person
from app.services.actors import Actor
from app.services.changes import bulk as bulk_events
from app.services.changes import events
from app.services.changes.bulk import Change
from app.services.domains.service import free_slug
from app.services.exports.document import ExportedPerson, invalid, parse_document
from app.services.exports.dump import Progress
from app.services.exports.spec import DOMAIN_REFS, PERSON, SECTIONS, Section, domain_columns, walk

# Walking the document.


@dataclass
class _Entry:
    section: Section
    row: BaseModel
    parent_id: uuid.UUID | None  # the source id of the parent row; None under the domain
    path: str


def _entries(
    sections: tuple[Section, ...], holder: Any, parent_id: uuid.UUID | None, path: str
) -> Iterator[_Entry]:
    for section in sections:
        for index, row in enumerate(getattr(holder, section.key)):
            row_path = f"{path}{section.key}.{index}"
            yield _Entry(section, row, parent_id, row_path)
            yield from _entries(section.children, row, row.id, f"{row_path}.")


@dataclass
class Restored:
    domain: Domain
    counts: dict[str, int]
    people_matched: int
    people_created: int


@dataclass
class _Load:
    session: AsyncSession
    actor: Actor
    doc: Any
    entries: list[_Entry] = field(default_factory=list)
    ids: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # old -> new row ids
    kinds: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    people: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # old -> target person
    errors: list[FieldError] = field(default_factory=list)

    def map_ids(self) -> None:
        self.entries = list(_entries(SECTIONS, self.doc, None, ""))
        seen: set[uuid.UUID] = set()
        for entry in self.entries:
            row_id: uuid.UUID = entry.row.id  # type: ignore[attr-defined]
            if row_id in seen:
                self.errors.append(FieldError(f"{entry.path}.id", "used twice", "duplicate"))
            seen.add(row_id)
            self.kinds.setdefault(entry.section.kind, set()).add(row_id)
        old = sorted(seen)
        self.ids = dict(zip(old, sorted(uuid.uuid4() for _ in old), strict=True))

    def ref(self, kind: str, value: Any, path: str) -> Any:
        if value is None:
            return None
        if isinstance(value, list):
            return [self.ref(kind, v, f"{path}.{i}") for i, v in enumerate(value)]
        if kind == PERSON:
            if value not in self.people:
                self.errors.append(FieldError(path, "not a person of `people`", "unknown_person"))
            return self.people.get(value)
        if value not in self.kinds.get(kind, set()):
            self.errors.append(FieldError(path, f"no {kind} with this id", "unknown_reference"))
        return self.ids.get(value)

    async def match_people(self) -> tuple[int, int]:
        persons: list[ExportedPerson] = self.doc.people
        for key in ("id", "email", "external_id"):
            seen: set[Any] = set()
            for index, person in enumerate(persons):
                value = getattr(person, key)
                value = value.lower() if key == "email" else value
                if value is not None and value in seen:
                    self.errors.append(
                        FieldError(f"people.{index}.{key}", "used twice", "duplicate")
                    )
                seen.add(value)
        conn = await self.session.connection()
        found = await conn.execute(
            sa.text(
                "SELECT id, lower(email), external_id FROM people "
                "WHERE lower(email) = ANY(CAST(:emails AS text[])) "
                "OR external_id = ANY(CAST(:external_ids AS text[]))"
            ).bindparams(
                emails=[p.email.lower() for p in persons],
                external_ids=[p.external_id for p in persons if p.external_id],
            )
        )
        by_email: dict[str, uuid.UUID] = {}
        by_external_id: dict[str, uuid.UUID] = {}
        for person_id, email, external_id in found.all():
            by_email[email] = person_id
            if external_id:
                by_external_id[external_id] = person_id
        new: list[dict[str, Any]] = []
        now = utcnow()
        for person in persons:
            target = by_external_id.get(person.external_id or "") or by_email.get(
                person.email.lower()
            )
            if target is None:
                target = uuid.uuid4()
                new.append(
                    person.model_dump(exclude={"id"})
                    | {
                        "id": target,
                        "email": person.email.lower(),
                        "is_active": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            self.people[person.id] = target
        if new and not self.errors:
            await conn.execute(sa.insert(Person.__table__), new)  # type: ignore[attr-defined]
        return len(persons) - len(new), len(new)

    def domain_row(self, slug: str, parent_id: uuid.UUID | None) -> dict[str, Any]:
        data = self.doc.domain
        row = {c.name: getattr(data, c.name) for c in domain_columns()}
        for name, kind in DOMAIN_REFS.items():
            row[name] = self.ref(kind, row[name], f"domain.{name}")
        return row | {"id": uuid.uuid4(), "slug": slug, "parent_id": parent_id}

    def rows(
        self, domain_id: uuid.UUID
    ) -> tuple[dict[Section, list[dict[str, Any]]], dict[Section, list[dict[str, Any]]]]:
        """Rows to insert per section, and the self-references to set once they exist."""
        out: dict[Section, list[dict[str, Any]]] = {s: [] for s in walk()}
        later: dict[Section, list[dict[str, Any]]] = {}
        for entry in self.entries:
            section = entry.section
            values = entry.row.model_dump(exclude={c.key for c in section.children})
            row: dict[str, Any] = {}
            for column in section.columns():
                value = values[column.name]
                kind = section.refs.get(column.name)
                if column.name == "id":
                    value = self.ids[value]
                elif kind is not None:
                    value = self.ref(kind, value, f"{entry.path}.{column.name}")
                row[column.name] = value
            row[section.link] = domain_id if entry.parent_id is None else self.ids[entry.parent_id]
            if "domain_id" in section.table.c:
                row["domain_id"] = domain_id
            deferred = {name: row.pop(name) for name in section.self_refs()}
            if any(v is not None for v in deferred.values()):
                later.setdefault(section, []).append(
                    {"_id": row["id"], **{f"_{k}": v for k, v in deferred.items()}}
                )
            row.update(dict.fromkeys(deferred))
            out[section].append(row)
        return out, later


async def _choose_slug(session: AsyncSession, wanted: str | None, exported: str) -> str:
    if wanted is None:
        return await free_slug(session, exported)
    try:
        wanted = TypeAdapter(Slug).validate_python(wanted)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"]
        raise invalid(f"The slug is not valid: {message}", [FieldError("slug", message)]) from exc
    conn = await session.connection()
    taken = await conn.execute(
        sa.text("SELECT 1 FROM domains WHERE slug = :slug"), {"slug": wanted}
    )
    if taken.first() is not None:
        raise Conflict(f"The slug '{wanted}' is taken.", problem="slug-taken")
    return wanted


async def import_domain(
    session: AsyncSession,
    actor: Actor,
    document: Any,
    *,
    slug: str | None = None,
    progress: Progress | None = None,
) -> Restored:
    """Restore an export as a new domain (platform admins only). `slug` names it;
    without one, the exported slug is used, or the first free `slug-2`, `slug-3`..."""
    actor.require_admin()
    doc = parse_document(document)
    load = _Load(session, actor, doc)
    load.map_ids()
    matched, created = await load.match_people()
    conn = await session.connection()
    parent_id = None
    if doc.domain.parent_slug:
        parent_id = (
            await conn.execute(
                sa.text("SELECT id FROM domains WHERE slug = :slug"),
                {"slug": doc.domain.parent_slug},
            )
        ).scalar_one_or_none()
    domain_values = load.domain_row(await _choose_slug(session, slug, doc.domain.slug), parent_id)
    rows, later = load.rows(domain_values["id"])
    if load.errors:
        raise invalid("The export document refers to rows or people it does not hold.", load.errors)
    total = sum(len(r) for r in rows.values()) + 1
    done = 0
    try:
        await conn.execute(sa.insert(Domain.__table__), [domain_values])  # type: ignore[attr-defined]
        for section, section_rows in rows.items():
            if section_rows:
                await conn.execute(sa.insert(section.table), section_rows)
            done += len(section_rows)
            if progress is not None:
                progress(section.key, done, total)
        for section, params in later.items():
            table = section.table
            stmt = (
                sa.update(table)
                .where(table.c.id == sa.bindparam("_id"))
                .values({name: sa.bindparam(f"_{name}") for name in section.self_refs()})
            )
            await conn.execute(stmt, params)
    except (IntegrityError, DataError) as exc:
        await session.rollback()
        cause = getattr(exc.orig, "args", [str(exc.orig)])[0] if exc.orig else str(exc)
        raise invalid(
            f"The database refused part of the export: {cause}",
            [FieldError("body", str(cause)[:500], "refused")],
        ) from exc
    domain = await session.get(Domain, domain_values["id"])
    assert domain is not None
    await _publish(session, load, domain, rows)
    await session.commit()
    if progress is not None:
        progress("done", total, total)
    counts = {s.key: len(r) for s, r in rows.items()}
    return Restored(domain, counts, matched, created)


async def _publish(
    session: AsyncSession,
    load: _Load,
    domain: Domain,
    rows: dict[Section, list[dict[str, Any]]],
) -> None:
    """One `domain.created` event (its audit row says where the domain came from), and a
    `membership.joined` per active member, as if they had joined here."""
    await events.record(
        session,
        load.actor,
        "domain.created",
        domain_id=domain.id,
        resource_type="domain",
        resource_id=domain.id,
        payload=DomainPublic.model_validate(domain).model_dump(mode="json"),
        changes={
            "imported_from": {
                "domain_id": str(load.doc.domain.id),
                "slug": load.doc.domain.slug,
                "exported_at": load.doc.exported_at.isoformat() if load.doc.exported_at else None,
            },
            "counts": {s.key: len(r) for s, r in rows.items()},
        },
    )
    members = next(s for s in SECTIONS if s.key == "members")
    joined = [
        Change(
            "membership.joined",
            "membership",
            row["id"],
            MembershipPublic.model_validate(row | {"domain_id": domain.id}).model_dump(mode="json"),
        )
        for row in rows[members]
        if row["status"] == MembershipStatus.active
    ]
    await bulk_events.record_many(session, load.actor, domain.id, joined)
