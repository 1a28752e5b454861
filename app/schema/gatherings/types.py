import strawberry

from app.models.gatherings import (
    AgendaSegment,
    AttendancePublic,
    GatheringPublic,
    RecurrencePublic,
    RsvpCounts,
    RsvpList,
    RsvpPublic,
)
from app.schema.context import Info
from app.schema.domains.types import DomainType
from app.schema.generate import FromModel, object_type
from app.schema.people.types import PersonType
from app.schema.relay import UuidNode


@object_type(AgendaSegment, name="AgendaSegment")
class AgendaSegmentType(FromModel):
    pass


@object_type(RecurrencePublic, name="Recurrence")
class RecurrenceType(FromModel):
    pass


@object_type(RsvpPublic, name="Rsvp")
class RsvpType(FromModel):
    person_id: strawberry.auto

    @strawberry.field(description="The person.")
    async def person(self, info: Info) -> PersonType | None:
        person = await info.context.loaders.person.load(self.person_id)
        return PersonType.for_viewer(person, info.context.actor) if person else None


@object_type(RsvpCounts, name="RsvpCounts")
class RsvpCountsType(FromModel):
    pass


@object_type(RsvpList, name="Rsvps")
class RsvpsType(FromModel):
    pass


@object_type(AttendancePublic, name="Attendance")
class AttendanceType(FromModel):
    person_id: strawberry.auto

    @strawberry.field(description="The person.")
    async def person(self, info: Info) -> PersonType | None:
        person = await info.context.loaders.person.load(self.person_id)
        return PersonType.for_viewer(person, info.context.actor) if person else None


@object_type(GatheringPublic, name="Gathering")
class GatheringType(UuidNode, FromModel):
    domain_id: strawberry.auto
    host_ids: strawberry.auto
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change "
        "this occurrence only if no one changed it since."
    )

    @strawberry.field(description="The hosts of this occurrence (rotation applied).")
    async def hosts(self, info: Info) -> list[PersonType]:
        people = await info.context.loaders.person.load_many(self.host_ids)
        return [PersonType.for_viewer(p, info.context.actor) for p in people if p is not None]

    @strawberry.field(description="RSVPs (members only; null with an error otherwise).")
    async def rsvps(self, info: Info) -> RsvpsType | None:
        return RsvpsType.from_model(await info.context.loaders.gathering_rsvps.load(self.id))

    @strawberry.field(description="Who attended (respecting each person's privacy choice).")
    async def attendees(self, info: Info) -> list[AttendanceType] | None:
        rows = await info.context.loaders.gathering_attendance.load(self.id)
        return [AttendanceType.from_model(a) for a in rows]

    @strawberry.field(description="The domain it belongs to.")
    async def domain(self, info: Info) -> DomainType | None:
        domain = await info.context.loaders.domain.load(self.domain_id)
        return DomainType.from_model(domain) if domain else None
