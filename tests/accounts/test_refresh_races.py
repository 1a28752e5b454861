"""A client that retries a refresh (or races itself) is not logged out: within the grace
window the same spent refresh token yields the same successor. After it, reuse is theft."""

import asyncio
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import bearer, login, register
from tests.support import API, ok, problem, rows, scalar


async def _refresh(client: AsyncClient, token: str) -> Any:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": token})


async def _age_rotations(engine: AsyncEngine, seconds: int) -> None:
    """Move every refresh back in time, as if `seconds` had passed since."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE refresh_tokens SET revoked_at = revoked_at - make_interval(secs => :s) "
                "WHERE revoked_at IS NOT NULL"
            ),
            {"s": seconds},
        )


async def test_ten_concurrent_refreshes_all_get_the_same_successor(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    await register(client, "ravi@example.org")
    pair = await login(client, "ravi@example.org")
    other_device = await login(client, "ravi@example.org")
    responses = await asyncio.gather(*(_refresh(client, pair["refresh_token"]) for _ in range(10)))
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    successors = {r.json()["refresh_token"] for r in responses}
    assert len(successors) == 1 and pair["refresh_token"] not in successors
    (successor,) = successors
    for response in responses:
        ok(await client.get(f"{API}/people/me", headers=bearer(response.json()["access_token"])))
    # One rotation happened: the spent token points at one live successor, and nobody
    # (the other device included) was revoked.
    tokens = await rows(
        engine, "SELECT id, revoked_at, replaced_by_id FROM refresh_tokens ORDER BY created_at"
    )
    assert len(tokens) == 3
    spent = [t for t in tokens if t["revoked_at"] is not None]
    assert len(spent) == 1 and spent[0]["replaced_by_id"] is not None
    winner = spent[0]["replaced_by_id"]
    assert (
        await scalar(engine, "SELECT revoked_at FROM refresh_tokens WHERE id = :i", i=winner)
        is None
    )

    # The successor works as any refresh token, and so does the other device.
    ok(await _refresh(client, successor))
    ok(await _refresh(client, other_device["refresh_token"]))


async def test_reuse_after_the_grace_window_revokes_everything(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    await register(client, "li@example.org")
    pair = await login(client, "li@example.org")
    other_device = await login(client, "li@example.org")
    successor = ok(await _refresh(client, pair["refresh_token"]))["refresh_token"]
    await _age_rotations(engine, 29)
    assert ok(await _refresh(client, pair["refresh_token"]))["refresh_token"] == successor
    await _age_rotations(engine, 2)  # 31 s after the refresh: past the 30 s window
    problem(await _refresh(client, pair["refresh_token"]), 401, "invalid-token")
    for token in (successor, other_device["refresh_token"]):
        problem(await _refresh(client, token), 401, "invalid-token")
    assert await scalar(engine, "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL") == 0


async def test_a_retry_arriving_after_the_successor_was_used_is_refused_quietly(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    """The successor already moved on: the late retry gets nothing, and revokes nothing."""
    await register(client, "mei@example.org")
    pair = await login(client, "mei@example.org")
    successor = ok(await _refresh(client, pair["refresh_token"]))["refresh_token"]
    third = ok(await _refresh(client, successor))["refresh_token"]
    problem(await _refresh(client, pair["refresh_token"]), 401, "invalid-token")
    ok(await _refresh(client, third))
