import inspect
import uuid
from datetime import datetime

import strawberry

from app.models.gatherings import (
    AgendaSegment,
    AttendanceInput,
    FeedTokenCreated,
    FeedTokenPublic,
    GatheringChanges,
    GatheringCreate,
    GatheringStatus,
    GatheringUpdate,
    RsvpInput,
    SummaryInput,
)
from app.schema.context import Info
from app.schema.descriptions import arguments, described
from app.schema.enums import EditScope, RsvpResponse, SegmentKind
from app.schema.gatherings.types import AttendanceType, GatheringType, RsvpType
from app.schema.generate import FromModel, input_type, object_type
from app.schema.inputs import ExpectedVersion, create_data, input_data
from app.schema.relay import UuidNode
from app.services.gatherings import attendance, calendars, public, rsvps, scheduling, series
from app.services.validation import parse

SCOPE = "Which occurrences the change applies to (default: this one)."


# Written out rather than generated: the published schema lists the required fields first.
@described(AgendaSegment)
@strawberry.input
class AgendaSegmentInput:
    title: str
    minutes: int
    kind: SegmentKind | None = strawberry.UNSET


@input_type(GatheringCreate, name="GatheringInput")
class GatheringInput:
    agenda: list[AgendaSegmentInput] | None = strawberry.UNSET


@input_type(GatheringChanges, name="GatheringUpdateInput")
class GatheringUpdateInput:
    agenda: list[AgendaSegmentInput] | None = strawberry.UNSET


@input_type(SummaryInput, name="SummaryInput")
class SummaryInputType:
    pass


@object_type(
    FeedTokenPublic, name="FeedToken", description=inspect.cleandoc(FeedTokenCreated.__doc__ or "")
)
class FeedTokenType(UuidNode, FromModel):
    revoked_at: datetime | None = strawberry.field(
        default=None, description="When it was revoked; null while it works."
    )
    token: str | None = strawberry.field(
        default=None, description="The secret: only in the response that creates the token."
    )


async def _view(info: Info, gathering_id: uuid.UUID) -> GatheringType:
    async with info.context.session() as session:
        view = await public.get_gathering(session, info.context.actor, gathering_id)
    return GatheringType.from_model(public.to_public(view))


@described()
@strawberry.type
class GatheringQuery:
    @arguments(id="The gathering's id.")
    @strawberry.field(description="One gathering (an occurrence of a series, or a one-off).")
    async def gathering(self, info: Info, id: uuid.UUID) -> GatheringType | None:
        return await _view(info, id)


@described()
@strawberry.type
class GatheringMutation:
    @strawberry.mutation(description="Schedule a gathering or a recurring series.")
    async def schedule_gathering(
        self, info: Info, slug: str, input: GatheringInput
    ) -> GatheringType | None:
        data = parse(GatheringCreate, create_data(input))
        async with info.context.session() as session:
            first = await scheduling.create_gathering(session, info.context.actor, slug, data)
        return await _view(info, first.id)

    @arguments(id="The gathering's id.", scope=SCOPE)
    @strawberry.mutation(description="Change or move this occurrence, or it and the following.")
    async def update_gathering(
        self,
        info: Info,
        id: uuid.UUID,
        input: GatheringUpdateInput,
        scope: EditScope = EditScope.this,
        expected_version: ExpectedVersion = None,
    ) -> GatheringType | None:
        data = parse(GatheringUpdate, input_data(input))
        async with info.context.session() as session:
            await series.update_gathering(
                session, info.context.actor, id, data, scope, expected_version
            )
        return await _view(info, id)

    @arguments(id="The gathering's id.", scope=SCOPE)
    @strawberry.mutation(description="Cancel this occurrence, or it and the following.")
    async def cancel_gathering(
        self,
        info: Info,
        id: uuid.UUID,
        scope: EditScope = EditScope.this,
        expected_version: ExpectedVersion = None,
    ) -> GatheringType | None:
        data = GatheringUpdate(status=GatheringStatus.cancelled)
        async with info.context.session() as session:
            await series.update_gathering(
                session, info.context.actor, id, data, scope, expected_version
            )
        return await _view(info, id)

    @arguments(RsvpInput, id="The gathering's id.")
    @strawberry.mutation(description="RSVP; `going` beyond the capacity joins the waitlist.")
    async def rsvp(
        self,
        info: Info,
        id: uuid.UUID,
        response: RsvpResponse,
    ) -> RsvpType | None:
        data = parse(RsvpInput, {"response": response})
        async with info.context.session() as session:
            row = await rsvps.set_rsvp(session, info.context.actor, id, data.response)
        return RsvpType.from_model(row)

    @arguments(id="The gathering's id.", person_id="Whose RSVP.")
    @strawberry.mutation(description="Withdraw an RSVP (yours, or anyone's for hosts).")
    async def remove_rsvp(self, info: Info, id: uuid.UUID, person_id: uuid.UUID) -> bool | None:
        async with info.context.session() as session:
            await rsvps.remove_rsvp(session, info.context.actor, id, person_id)
        return True

    @arguments(AttendanceInput, id="The gathering's id.")
    @strawberry.mutation(description="Record who attended, walk-ins included (hosts).")
    async def record_attendance(
        self, info: Info, id: uuid.UUID, person_ids: list[uuid.UUID]
    ) -> list[AttendanceType] | None:
        data = parse(AttendanceInput, {"person_ids": person_ids})
        async with info.context.session() as session:
            rows = await attendance.record_attendance(
                session, info.context.actor, id, data.person_ids
            )
        return [AttendanceType.from_model(a) for a in rows]

    @arguments(id="The gathering's id.")
    @strawberry.mutation(description="Check yourself in during the gathering.")
    async def check_in(self, info: Info, id: uuid.UUID) -> AttendanceType | None:
        async with info.context.session() as session:
            row = await attendance.check_in(session, info.context.actor, id)
        return AttendanceType.from_model(row)

    @arguments(id="The gathering's id.")
    @strawberry.mutation(description="Write the summary and outcomes; completes the gathering.")
    async def write_summary(
        self,
        info: Info,
        id: uuid.UUID,
        input: SummaryInputType,
        expected_version: ExpectedVersion = None,
    ) -> GatheringType | None:
        data = parse(SummaryInput, input_data(input))
        async with info.context.session() as session:
            await attendance.write_summary(session, info.context.actor, id, data, expected_version)
        return await _view(info, id)

    @strawberry.mutation(description="A secret calendar-feed token (shown once).")
    async def create_feed_token(self, info: Info) -> FeedTokenType | None:
        async with info.context.session() as session:
            token, secret = await calendars.create_feed_token(session, info.context.actor)
        created = FeedTokenType.from_model(token)
        created.token = secret
        return created

    @arguments(id="The token's id.")
    @strawberry.mutation(description="Revoke a calendar-feed token: its feed stops working.")
    async def revoke_feed_token(self, info: Info, id: uuid.UUID) -> bool | None:
        async with info.context.session() as session:
            await calendars.revoke_feed_token(session, info.context.actor, id)
        return True
