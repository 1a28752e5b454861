"""API keys: service accounts for integrations, created by platform admins."""

import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound
from app.models.base import utcnow
from app.models.people import ApiKey, ApiKeyCreate, ApiKeyUpdate
from app.services.actors import Actor
from app.services.changes import events
from app.services.pagination import Page, PageParams, paginate
from app.services.people.auth import new_api_key


async def create_api_key(
    session: AsyncSession, actor: Actor, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    actor.require_admin()
    secret, prefix, key_hash = new_api_key()
    key = ApiKey(
        name=data.name,
        prefix=prefix,
        key_hash=key_hash,
        scopes=sorted({s.value for s in data.scopes}),
        created_by_id=actor.person_id,
        rate_limit_per_minute=data.rate_limit_per_minute,
    )
    session.add(key)
    await _audit(
        session,
        actor,
        key,
        "api_key.created",
        {
            "name": key.name,
            "scopes": key.scopes,
            "rate_limit_per_minute": key.rate_limit_per_minute,
        },
    )
    await session.commit()
    return key, secret


async def list_api_keys(session: AsyncSession, actor: Actor, params: PageParams) -> Page[ApiKey]:
    actor.require_admin()
    return await paginate(
        session,
        select(ApiKey),
        created_col=col(ApiKey.created_at),
        id_col=col(ApiKey.id),
        params=params,
    )


async def update_api_key(
    session: AsyncSession, actor: Actor, key_id: uuid.UUID, data: ApiKeyUpdate
) -> ApiKey:
    """Change a key's own rate limit (None: back to the default). Processes that cached
    the old limit apply the new one within RATE_LIMIT_KEY_CACHE_SECONDS."""
    actor.require_admin()
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("No such API key.")
    changes = data.model_dump(exclude_unset=True)
    if changes and changes["rate_limit_per_minute"] != key.rate_limit_per_minute:
        before = key.rate_limit_per_minute
        key.rate_limit_per_minute = changes["rate_limit_per_minute"]
        session.add(key)
        await _audit(
            session,
            actor,
            key,
            "api_key.updated",
            {"rate_limit_per_minute": {"from": before, "to": key.rate_limit_per_minute}},
        )
        await session.commit()
    return key


async def revoke_api_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    actor.require_admin()
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        await _audit(session, actor, key, "api_key.revoked")
        await session.commit()
    return key


async def _audit(
    session: AsyncSession,
    actor: Actor,
    key: ApiKey,
    action: str,
    changes: dict[str, Any] | None = None,
) -> None:
    await events.audit(
        session,
        actor,
        action,
        resource_type="api_key",
        resource_id=key.id,
        domain_id=None,
        changes=changes,
    )
