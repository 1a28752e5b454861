"""Domains: the communities themselves and their shared domain of interest."""

import re
import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import inspect, or_, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, FieldError, Invalid, NotFound
from app.models.base import utcnow
from app.models.domains import (
    Domain,
    DomainCreate,
    DomainFilter,
    DomainPublic,
    DomainUpdate,
)
from app.models.memberships import (
    Membership,
    MembershipEvent,
    MembershipEventKind,
    MembershipPublic,
    Role,
)
from app.services.access import (
    DomainAccess,
    active_member_count,
    active_membership,
    domain_access,
    not_found,
    visible_domains,
)
from app.services.actors import Actor
from app.services.changes import events
from app.services.memberships.batches import pending_invitations
from app.services.pagination import Page, PageParams, paginate
from app.services.validation import refuse_nulls
from app.services.versions import Expected, check_version


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:56].strip("-") or "domain"


async def free_slug(session: AsyncSession, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ...: the first slug no domain has (a restored export
    takes one too)."""
    taken = set(
        (
            await session.exec(
                select(Domain.slug).where(
                    or_(col(Domain.slug) == base, col(Domain.slug).like(f"{base}-%"))
                )
            )
        ).all()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


async def _resolve_parent(
    session: AsyncSession, actor: Actor, parent_slug: str, child: Domain | None
) -> uuid.UUID:
    try:
        parent = (await domain_access(session, actor, parent_slug)).domain
    except NotFound as exc:
        raise Invalid(
            f"No domain '{parent_slug}' to be a sub-group of.",
            errors=[FieldError("parent_slug", "unknown domain", "not_found")],
        ) from exc
    if child is not None:
        ancestors = await (await session.connection()).execute(
            text(
                """
                WITH RECURSIVE up(id, parent_id) AS (
                    SELECT id, parent_id FROM domains WHERE id = :start
                    UNION
                    SELECT d.id, d.parent_id FROM domains d JOIN up ON d.id = up.parent_id
                )
                SELECT id FROM up
                """
            ).bindparams(start=parent.id)
        )
        if child.id in {row[0] for row in ancestors}:
            raise Invalid(
                "A domain cannot be a sub-group of itself or of its own sub-groups.",
                errors=[FieldError("parent_slug", "would create a cycle", "cycle")],
            )
    return parent.id


_SLUG_ATTEMPTS = 5


async def _insert_with_free_slug(session: AsyncSession, domain: Domain, data: DomainCreate) -> None:
    """A derived slug can be taken by a concurrent create between the check and the insert;
    then derive again. A slug the caller chose is theirs to change."""
    for attempt in range(_SLUG_ATTEMPTS):
        slug = domain.slug = data.slug or await free_slug(session, slugify(data.name))
        try:
            async with session.begin_nested():
                session.add(domain)
                await session.flush()
            return
        except IntegrityError as exc:
            if data.slug or attempt == _SLUG_ATTEMPTS - 1:
                await session.rollback()
                raise Conflict(f"The slug '{slug}' is taken.", problem="slug-taken") from exc


async def create_domain(session: AsyncSession, actor: Actor, data: DomainCreate) -> Domain:
    actor.require_write()
    if actor.person_id is not None:
        actor.require_verified()  # its convenor's membership would count for nothing
    fields = data.model_dump(exclude={"slug", "parent_slug"})
    domain = Domain(**fields, created_by_id=actor.person_id)
    if data.parent_slug:
        domain.parent_id = await _resolve_parent(session, actor, data.parent_slug, None)
    await _insert_with_free_slug(session, domain, data)
    membership: Membership | None = None
    if actor.person_id is not None:
        membership = Membership(
            domain_id=domain.id,
            person_id=actor.person_id,
            status="active",
            roles=[Role.member, Role.convenor],
            joined_at=domain.created_at,
        )
        session.add(membership)
        await session.flush()
        session.add(
            MembershipEvent(
                membership_id=membership.id,
                kind=MembershipEventKind.joined,
                status="active",
                roles=membership.roles,
                actor_id=actor.person_id,
            )
        )
    await _publish(session, actor, "domain.created", domain)
    if membership is not None:
        await events.record(
            session,
            actor,
            "membership.joined",
            domain_id=domain.id,
            resource_type="membership",
            resource_id=membership.id,
            payload=MembershipPublic.model_validate(membership).model_dump(mode="json"),
        )
    await session.commit()
    return domain


def _dump(domain: Domain) -> dict[str, Any]:
    return DomainPublic.model_validate(domain).model_dump(mode="json")


async def _publish(
    session: AsyncSession,
    actor: Actor,
    type_: str,
    domain: Domain,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    await session.flush()  # the payload shows the version this change gives the domain
    payload = _dump(domain)
    await events.record(
        session,
        actor,
        type_,
        domain_id=domain.id,
        resource_type="domain",
        resource_id=domain.id,
        payload=payload,
        changes=events.diff(before, payload) if before is not None else None,
    )


async def get_domain(session: AsyncSession, actor: Actor, slug: str) -> Domain:
    """The domain's card: shown to an invitee of a private domain as well."""
    return (await domain_access(session, actor, slug, card=True)).domain


async def list_domains(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    narrow: DomainFilter | None = None,
) -> Page[Domain]:
    narrow = narrow or DomainFilter()
    stmt: Any = select(Domain).where(visible_domains(actor, card=True))
    if not (narrow.include_archived and actor.can_read_all):
        stmt = stmt.where(col(Domain.archived_at).is_(None))
    if narrow.q:
        pattern = f"%{narrow.q.strip()}%"
        stmt = stmt.where(or_(col(Domain.name).ilike(pattern), col(Domain.purpose).ilike(pattern)))
    if narrow.theme:
        stmt = stmt.where(col(Domain.themes).contains([narrow.theme]))
    if narrow.visibility:
        stmt = stmt.where(col(Domain.visibility) == narrow.visibility)
    if narrow.lifecycle_stage:
        stmt = stmt.where(col(Domain.lifecycle_stage) == narrow.lifecycle_stage)
    if narrow.parent:
        parent = (await domain_access(session, actor, narrow.parent)).domain
        stmt = stmt.where(col(Domain.parent_id) == parent.id)
    if narrow.mine:
        stmt = stmt.where(
            col(Domain.id).in_(
                select(Membership.domain_id).where(
                    col(Membership.person_id) == actor.require_person(),
                    active_membership(),
                )
            )
        )
    return await paginate(
        session, stmt, created_col=col(Domain.created_at), id_col=col(Domain.id), params=params
    )


# What an update may not set to null: what the table keeps non-null.
_NOT_NULL = frozenset(c.key for c in inspect(Domain).columns if not c.nullable)


async def update_domain(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    data: DomainUpdate,
    expected_version: Expected = None,
) -> Domain:
    access = (await domain_access(session, actor, slug, lock=True)).require_manage()
    access.require_writable()
    domain = access.domain
    check_version(domain, expected_version, "domain")
    before = _dump(domain)
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(changes, _NOT_NULL)
    if "parent_slug" in changes:
        parent_slug = changes.pop("parent_slug")
        domain.parent_id = (
            await _resolve_parent(session, actor, parent_slug, domain) if parent_slug else None
        )
    if "max_active_members" in changes and changes["max_active_members"] is not None:
        active = await active_member_count(session, domain.id)
        if changes["max_active_members"] < active:
            raise Invalid(
                f"The domain already has {active} active members.",
                errors=[
                    FieldError(
                        "max_active_members", f"below the {active} active members", "below_current"
                    )
                ],
            )
    for field, value in changes.items():
        setattr(domain, field, value)
    domain.updated_at = utcnow()
    session.add(domain)
    slug = domain.slug  # rollback expires the instance; reading it afterwards would need I/O
    try:
        await _publish(session, access.actor, "domain.updated", domain, before=before)
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"The slug '{slug}' is taken.", problem="slug-taken") from exc
    return domain


async def archive_domain(
    session: AsyncSession, actor: Actor, slug: str, expected_version: Expected = None
) -> Domain:
    access = (await domain_access(session, actor, slug, lock=True)).require_manage()
    domain = access.domain
    check_version(domain, expected_version, "domain")
    if domain.archived_at is None:
        domain.archived_at = domain.updated_at = utcnow()
        session.add(domain)
        await _publish(session, access.actor, "domain.archived", domain)
        await session.commit()
    return domain


async def domains_by_ids(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Domain]:
    """Batch load for GraphQL: only the domains the caller may see (their cards)."""
    if not ids:
        return {}
    rows = await session.exec(
        select(Domain).where(col(Domain.id).in_(ids), visible_domains(actor, card=True))
    )
    return {d.id: d for d in rows if d.archived_at is None or actor.can_read_all}


__all__ = [
    "DomainAccess",
    "archive_domain",
    "create_domain",
    "domains_by_ids",
    "get_domain",
    "list_domains",
    "not_found",
    "update_domain",
]


async def public(
    session: AsyncSession, actor: Actor, found: Sequence[Domain]
) -> list[DomainPublic]:
    """Domains as the API shows them to this caller. A sub-group's parent the caller may
    not see is left out (`parent_id` null): a private domain leaks nothing, not even its
    id through a public sub-group."""
    parent_ids = {d.parent_id for d in found if d.parent_id is not None}
    shown: set[uuid.UUID] = set()
    if parent_ids:
        shown = set((await domains_by_ids(session, actor, list(parent_ids))).keys())
    invitations = await pending_invitations(session, actor, [d.id for d in found])
    out = []
    for domain in found:
        item = DomainPublic.model_validate(domain)
        if item.parent_id is not None and item.parent_id not in shown:
            item.parent_id = None
        item.invitation = invitations.get(domain.id)
        out.append(item)
    return out


async def public_page(
    session: AsyncSession, actor: Actor, page: Page[Domain]
) -> Page[DomainPublic]:
    items = await public(session, actor, page.items)
    return page.with_items(items)


async def public_one(session: AsyncSession, actor: Actor, domain: Domain) -> DomainPublic:
    return (await public(session, actor, [domain]))[0]
