"""A cached view lasts until something new is recorded in its domains: each kind of
activity makes the next request compute it again, while activity elsewhere does not.
Each request has a session of its own, as over HTTP: the fingerprint is taken once per
request."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import create_sessionmaker
from app.models.contributions import ContributionCreate, ValueStoryCreate
from app.models.people import PersonUpdate
from app.services.contributions import endorsements
from app.services.contributions import service as contributions
from app.services.gatherings import attendance
from app.services.people import service as people
from app.services.people.auth import Passwords
from app.services.views import network
from app.services.views.params import view_params
from tests.factories import actor_of, make_domain, make_person
from tests.views.support import World, hour_after_now


async def test_each_kind_of_activity_renews_the_view(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        world = await World.create(session, 3)
        a, b, c = world.people
        newcomer = await make_person(session)
        elsewhere = await make_domain(session, a)
        gathering = await world.gathering(datetime.now(UTC) - timedelta(days=2), [])
        # Until an hour later than the default, so that the window holds what is recorded
        # even should the hour turn during the test.
        params = view_params(until=hour_after_now() + timedelta(hours=1))

        async def view() -> dict[str, Any]:
            async with sessions() as request:
                return await network.domain_network_data(
                    request, actor_of(a), world.domain.slug, params
                )

        first = await view()
        assert await view() is first

        story = ContributionCreate(kind="story", title="Elsewhere", body="text")
        await contributions.create_contribution(session, actor_of(a), elsewhere.slug, story)
        assert await view() is first  # another domain's activity

        async def reply() -> None:
            await world.reply(a, b)

        async def endorse() -> None:
            await world.endorse(c, await world.topic(a))

        async def attend() -> None:
            await attendance.record_attendance(
                session, actor_of(world.convenor), gathering.id, [a.id, c.id]
            )

        async def join() -> None:
            await world.member(newcomer)

        async def record_value() -> None:
            story = ValueStoryCreate(cycle="applied", title="It helped", story="It did.")
            await endorsements.create_value_story(session, actor_of(b), world.domain.slug, story)

        async def rename() -> None:
            await people.update_me(
                session, Passwords(time_cost=1), actor_of(c), PersonUpdate(display_name="Cee")
            )

        steps: list[Callable[[], Awaitable[None]]] = [
            reply,
            endorse,
            attend,
            join,
            record_value,
            rename,
        ]
        previous = first
        for step in steps:
            await step()
            await session.commit()
            current = await view()
            assert current is not previous, step.__name__
            previous = current
        assert previous["metrics"]["edge_count"] == 2  # a-b replied, c endorsed a
        names = {node["id"]: node["display_name"] for node in previous["nodes"]}
        assert names[c.id] == "Cee" and newcomer.id in names


async def test_a_request_reads_the_fingerprint_once(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        world = await World.create(session, 2)
        a, b = world.people
        params = view_params(until=hour_after_now() + timedelta(hours=1))
        async with sessions() as request:
            first = await network.domain_network_data(
                request, actor_of(a), world.domain.slug, params
            )
            await world.reply(a, b)
            again = await network.domain_network_data(
                request, actor_of(a), world.domain.slug, params
            )
        assert again is first
        async with sessions() as request:
            renewed = await network.domain_network_data(
                request, actor_of(a), world.domain.slug, params
            )
        assert renewed["metrics"]["edge_count"] == 1
