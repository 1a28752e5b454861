"""The network view: the relationships among participants as nodes and links.

Who may see it: the network names people and who interacts with whom, so like a domain's
member list it is for the domain's active members (and platform admins and API keys);
anyone else who may see a public domain gets 403, and a domain they may not see is 404.
The cross-domain view covers the (not archived) domains the caller is an active member of;
platform admins and API keys see all of them."""

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.views import NetworkView
from app.services.access import domain_access, member_readable_domain_ids
from app.services.actors import Actor
from app.services.views import cache
from app.services.views.network_graph import DEFAULT_TUNING, Tuning, build_network
from app.services.views.network_shape import graphml, shape_data
from app.services.views.params import ViewParams


async def member_domain(session: AsyncSession, actor: Actor, slug: str) -> Domain:
    """The domain, if the caller may read its members (404 if hidden, else 403)."""
    access = await domain_access(session, actor, slug)
    access.require_read_members()
    return access.domain


async def readable_domains(session: AsyncSession, actor: Actor) -> list[Domain]:
    actor.require_authenticated()
    stmt = select(Domain).where(col(Domain.archived_at).is_(None))
    if not actor.can_read_all:
        stmt = stmt.where(col(Domain.id).in_(member_readable_domain_ids(actor)))
    return list(await session.exec(stmt.order_by(col(Domain.slug))))


async def domain_network_data(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: ViewParams,
    *,
    tuning: Tuning = DEFAULT_TUNING,
) -> dict[str, Any]:
    """A domain's network as plain data (what REST writes); `domain_network` as a model."""
    domain = await member_domain(session, actor, slug)
    return await view_data(session, [domain], params, cross_domain=False, tuning=tuning)


async def cross_domain_network_data(
    session: AsyncSession, actor: Actor, params: ViewParams, *, tuning: Tuning = DEFAULT_TUNING
) -> dict[str, Any]:
    domains = await readable_domains(session, actor)
    return await view_data(session, domains, params, cross_domain=True, tuning=tuning)


async def domain_network_graphml(
    session: AsyncSession, actor: Actor, slug: str, params: ViewParams
) -> str:
    domain = await member_domain(session, actor, slug)
    return await graphml_data(session, [domain], params, cross_domain=False)


async def cross_domain_network_graphml(
    session: AsyncSession, actor: Actor, params: ViewParams
) -> str:
    domains = await readable_domains(session, actor)
    return await graphml_data(session, domains, params, cross_domain=True)


async def graphml_data(
    session: AsyncSession, domains: Sequence[Domain], params: ViewParams, *, cross_domain: bool
) -> str:
    """GraphML takes as long to write as the network takes to compute: cached as well."""
    ids = [d.id for d in domains]

    async def build() -> str:
        data = await view_data(
            session, domains, params, cross_domain=cross_domain, tuning=DEFAULT_TUNING
        )
        return graphml(data)

    key = ("graphml", tuple(ids), params, cross_domain)
    return await cache.cached(session, key, ids, build)


async def domain_network(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: ViewParams,
    *,
    tuning: Tuning = DEFAULT_TUNING,
) -> NetworkView:
    return as_model(await domain_network_data(session, actor, slug, params, tuning=tuning))


async def cross_domain_network(
    session: AsyncSession, actor: Actor, params: ViewParams, *, tuning: Tuning = DEFAULT_TUNING
) -> NetworkView:
    return as_model(await cross_domain_network_data(session, actor, params, tuning=tuning))


def as_model(data: dict[str, Any]) -> NetworkView:
    return NetworkView.model_validate(data)


async def view_data(
    session: AsyncSession,
    domains: Sequence[Domain],
    params: ViewParams,
    *,
    cross_domain: bool,
    tuning: Tuning,
) -> dict[str, Any]:
    """Cached until new activity; callers must not change what they get."""
    ids = [d.id for d in domains]

    async def build() -> dict[str, Any]:
        network = await build_network(
            session, ids, params, cross_domain=cross_domain, tuning=tuning
        )
        return await shape_data(session, network, domains, params, cross_domain=cross_domain)

    key = ("network-view", tuple(ids), params, cross_domain, tuning)
    return await cache.cached(session, key, ids, build)
