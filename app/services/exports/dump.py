"""Exporting a domain: everything it holds, as one JSON-ready document."""

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.people import Person
from app.services.access import domain_access, visible_people
from app.services.actors import Actor
from app.services.exports.spec import (
    ADMIN_ONLY_PERSON_FIELDS,
    DOMAIN_REFS,
    FORMAT,
    PERSON,
    PERSON_FIELDS,
    SECTIONS,
    VERSION,
    Section,
    domain_columns,
    walk,
)

Progress = Callable[[str, int, int], None]


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _any(ids: list[uuid.UUID]) -> Any:
    return sa.any_(sa.bindparam("ids", ids, type_=ARRAY(sa.Uuid())))


class _Dump:
    def __init__(self, conn: AsyncConnection, domain_id: uuid.UUID) -> None:
        self.conn = conn
        self.domain_id = domain_id
        self.rows: dict[str, list[Any]] = {}  # section key path -> rows, in order
        self.ids: dict[str, set[uuid.UUID]] = defaultdict(set)
        self.people: set[uuid.UUID] = set()

    async def load(self, section: Section, parent_ids: list[uuid.UUID] | None) -> list[Any]:
        table = section.table
        stmt = sa.select(table.c[section.link], *section.columns())
        if parent_ids is None:
            stmt = stmt.where(table.c[section.link] == self.domain_id)
        else:
            stmt = stmt.where(table.c[section.link] == _any(parent_ids))
        if section.only is not None:
            stmt = stmt.where(section.only(table))
        stmt = stmt.order_by(*(table.c[name] for name in section.order_by))
        rows = self._whole(section, list((await self.conn.execute(stmt)).mappings().all()))
        self.ids[section.kind].update(row["id"] for row in rows)
        return rows

    def _whole(self, section: Section, rows: list[Any]) -> list[Any]:
        """The rows whose required references point at rows the export holds. Rows come
        in creation order, so a reply's parent is decided before the reply."""
        required = [
            name
            for name, kind in section.refs.items()
            if kind != PERSON
            and not isinstance(section.table.c[name].type, ARRAY)
            and (name in section.requires or not section.table.c[name].nullable)
        ]
        if not required:
            return rows
        own: set[uuid.UUID] = set()
        held = {
            name: own if section.refs[name] == section.kind else self.ids[section.refs[name]]
            for name in required
        }
        kept = []
        for row in rows:
            if all(row[name] is None or row[name] in held[name] for name in required):
                kept.append(row)
                own.add(row["id"])
        return kept

    def ref(self, kind: str, value: uuid.UUID) -> str | None:
        if kind == PERSON:
            self.people.add(value)
            return str(value)
        # A reference outside the domain (none is expected) cannot travel with it.
        return str(value) if value in self.ids[kind] else None

    def value(self, section_refs: Any, name: str, value: Any) -> Any:
        kind = section_refs.get(name)
        if kind is None or value is None:
            return jsonable(value)
        if isinstance(value, list):
            return [r for r in (self.ref(kind, v) for v in value) if r is not None]
        return self.ref(kind, value)


async def _load_tree(
    dump: _Dump, sections: tuple[Section, ...], parent_ids: list[uuid.UUID] | None, tick: Any
) -> dict[str, dict[Any, list[Any]]]:
    """Rows of each section, grouped by the id they hang from (the domain's, or a parent
    row's), children loaded after their parents."""
    loaded: dict[str, dict[Any, list[Any]]] = {}
    for section in sections:
        rows = await dump.load(section, parent_ids)
        grouped: dict[Any, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row[section.link]].append(row)
        loaded[section.key] = grouped
        tick(section.key)
        if section.children:
            loaded.update(
                {
                    f"{section.key}.{key}": value
                    for key, value in (
                        await _load_tree(dump, section.children, [r["id"] for r in rows], tick)
                    ).items()
                }
            )
    return loaded


def _serialise(
    dump: _Dump,
    section: Section,
    row: Any,
    loaded: dict[str, dict[Any, list[Any]]],
    path: str,
) -> dict[str, Any]:
    out = {c.name: dump.value(section.refs, c.name, row[c.name]) for c in section.columns()}
    for child in section.children:
        child_path = f"{path}.{child.key}"
        out[child.key] = [
            _serialise(dump, child, r, loaded, child_path)
            for r in loaded[child_path].get(row["id"], [])
        ]
    return out


async def export_domain(
    session: AsyncSession, actor: Actor, slug: str, *, progress: Progress | None = None
) -> dict[str, Any]:
    """The whole domain: its charter, people, members with their history, gatherings
    with RSVPs and attendance, contributions with revisions, endorsements and moderation,
    collections, value stories and reports. Convenors and platform admins only.

    No export holds a draft (nor what hangs from one). A convenor's export leaves out
    people's emails and external ids, and the profiles of people the convenor may not
    see (those only invited): it is a record to read, not a backup to restore."""
    access = await domain_access(session, actor, slug)
    if not (actor.can_admin or access.is_convenor):
        raise Forbidden("Only a convenor of this domain or a platform admin may export it.")
    conn = await session.connection()
    domain_table: Any = Domain.__table__  # type: ignore[attr-defined]
    domain_row = (
        (await conn.execute(sa.select(domain_table).where(domain_table.c.id == access.domain.id)))
        .mappings()
        .one()
    )
    dump = _Dump(conn, access.domain.id)
    steps = len(list(walk())) + 1
    done = 0

    def tick(what: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(what, done, steps)

    loaded = await _load_tree(dump, SECTIONS, None, tick)
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "domain": {
            c.name: dump.value(DOMAIN_REFS, c.name, domain_row[c.name]) for c in domain_columns()
        },
    }
    parent_slug = None
    if domain_row["parent_id"] is not None:
        parent_slug = (
            await conn.execute(
                sa.select(domain_table.c.slug).where(domain_table.c.id == domain_row["parent_id"])
            )
        ).scalar_one_or_none()
    document["domain"]["parent_slug"] = parent_slug
    sections = {
        section.key: [
            _serialise(dump, section, row, loaded, section.key)
            for row in loaded[section.key].get(access.domain.id, [])
        ]
        for section in SECTIONS
    }
    document["people"] = await _people(conn, actor, dump.people)
    document.update(sections)
    tick("people")
    return document


async def _people(conn: AsyncConnection, actor: Actor, ids: set[uuid.UUID]) -> list[dict[str, Any]]:
    if not ids:
        return []
    table: Any = Person.__table__  # type: ignore[attr-defined]
    fields: tuple[str, ...] = PERSON_FIELDS
    stmt = sa.select(table.c.id).where(table.c.id == _any(sorted(ids)))
    order: tuple[Any, ...] = (sa.func.lower(table.c.email), table.c.id)
    if not actor.can_admin:
        fields = tuple(f for f in PERSON_FIELDS if f not in ADMIN_ONLY_PERSON_FIELDS)
        stmt = stmt.where(visible_people(actor))
        order = (table.c.id,)
    rows = await conn.execute(
        stmt.with_only_columns(*(table.c[name] for name in fields)).order_by(*order)
    )
    return [{k: jsonable(v) for k, v in row.items()} for row in rows.mappings()]
