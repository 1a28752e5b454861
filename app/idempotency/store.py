"""Idempotency keys in the database: claiming one (in its own short transaction),
completing it with the response, releasing it, and purging expired ones."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord

# Not replayed: they describe this response, not the outcome of the request.
_DROPPED_HEADERS = frozenset(
    {b"content-length", b"date", b"server", b"x-request-id", b"connection", b"set-cookie"}
)
_PURGE_BATCH = 1000

T = IdempotencyRecord.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Stored:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: ours to run (`claim_id`), a stored response to
    replay, or a problem (the key is busy, or was used for another request)."""

    claim_id: uuid.UUID | None = None
    replay: Stored | None = None
    problem: str | None = None


class KeyStore:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    async def claim(self, caller: str, key: str, print_: str, method: str, path: str) -> Claim:
        now = utcnow()
        expired = now - timedelta(hours=self.settings.idempotency_retention_hours)
        abandoned = now - timedelta(seconds=self.settings.idempotency_lease_seconds)
        for _ in range(3):
            claim_id = uuid.uuid4()
            fresh = {
                "id": claim_id,
                "fingerprint": print_,
                "method": method,
                "path": path,
                "created_at": now,
                "completed_at": None,
                "status_code": None,
                "headers": None,
                "body": None,
            }
            upsert = insert(T).values(caller=caller, key=key, **fresh)
            stmt = upsert.on_conflict_do_update(
                index_elements=[T.c.caller, T.c.key],
                set_=fresh,
                # An expired record is as good as none; a claim whose request never
                # finished may be taken over, by the same request only, after the lease.
                where=(T.c.created_at < expired)
                | (
                    T.c.completed_at.is_(None)
                    & (T.c.created_at < abandoned)
                    & (T.c.fingerprint == print_)
                ),
            ).returning(T.c.id)
            async with self.engine.begin() as conn:
                won = (await conn.execute(stmt)).scalar_one_or_none()
                if won == claim_id:
                    return Claim(claim_id=claim_id)
                row = (
                    await conn.execute(
                        select(T.c.fingerprint, T.c.completed_at, T.c.status_code)
                        .add_columns(T.c.headers, T.c.body)
                        .where(T.c.caller == caller, T.c.key == key)
                    )
                ).one_or_none()
            if row is None:
                continue  # released (its request failed) since our insert: claim again
            if row.fingerprint != print_:
                return Claim(problem="idempotency-key-reused")
            if row.completed_at is None:
                return Claim(problem="idempotency-key-in-use")
            headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in row.headers or []]
            return Claim(replay=Stored(row.status_code, headers, row.body or b""))
        return Claim(problem="idempotency-key-in-use")

    async def complete(self, claim_id: uuid.UUID, response: Stored) -> None:
        headers = [
            [n.decode("latin-1"), v.decode("latin-1")]
            for n, v in response.headers
            if n.lower() not in _DROPPED_HEADERS
        ]
        async with self.engine.begin() as conn:
            await conn.execute(
                update(T)
                .where(T.c.id == claim_id, T.c.completed_at.is_(None))
                .values(
                    completed_at=utcnow(),
                    status_code=response.status,
                    headers=headers,
                    body=response.body,
                )
            )

    async def release(self, claim_id: uuid.UUID) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(T).where(T.c.id == claim_id, T.c.completed_at.is_(None)))

    async def purge(self) -> int:
        """Delete expired records (a batch at a time); returns how many went."""
        before = utcnow() - timedelta(hours=self.settings.idempotency_retention_hours)
        batch = select(T.c.id).where(T.c.created_at < before).limit(_PURGE_BATCH)
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(T).where(T.c.id.in_(batch.scalar_subquery())))
        return int(getattr(result, "rowcount", 0) or 0)
