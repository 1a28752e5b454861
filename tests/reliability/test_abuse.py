"""The hostile requests of `bench/abuse.py` against a real server: each is refused with
its 4xx and stable problem type or GraphQL code, none is a 5xx, and the server's memory
is back near where it started."""

import asyncio

from bench.abuse import PROBES, prepare, rss_mb, run
from tests.factories import SECRET
from tests.reliability.conftest import ServerFactory, client


async def test_hostile_requests_are_refused_cheaply(
    server: ServerFactory, database_url: str
) -> None:
    target = await prepare(database_url, SECRET)
    throttled = {"LOGIN_THROTTLE_ENABLED": "true", "LOGIN_ACCOUNT_MAX_FAILURES": "2"}
    async with server(**throttled) as s, client(s.url) as http:
        await http.get("/api/v1/domains", headers=target.auth)
        before = rss_mb(s.process.pid)
        rows = await run(http, target, rounds=3)
        await asyncio.sleep(0.5)
        after = rss_mb(s.process.pid)
        healthz = await http.get("/healthz")
    assert healthz.status_code == 200
    by_name = {row.probe.name: row for row in rows}
    assert len(by_name) == len(PROBES)
    for row in rows:
        if row.probe.expect == "login-throttled":
            # Two wrong passwords are answered 401; the third is throttled.
            assert row.statuses == [401, 401, 429], row.statuses
            assert row.kinds[-1] == "login-throttled"
            continue
        assert row.statuses == [row.probe.status] * 3, (row.probe.name, row.statuses)
        assert row.kinds == [row.probe.expect] * 3, (row.probe.name, row.kinds)
    assert after - before < 60, (before, after)
