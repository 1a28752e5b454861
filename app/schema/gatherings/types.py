import uuid
from datetime import datetime

import strawberry

from app.models.gatherings import (
    AgendaSegment,
    Attendance,
    AttendancePublic,
    GatheringPublic,
    RecurrencePublic,
    Rsvp,
    RsvpCounts,
    RsvpList,
    RsvpPublic,
)
from app.schema.context import Info
from app.schema.descriptions import described
from app.schema.domains.types import DomainType
from app.schema.enums import (
    AttendanceSource,
    GatheringStatus,
    Modality,
    RsvpStatus,
    SegmentKind,
)
from app.schema.people.types import PersonType
from app.schema.relay import UuidNode


@described(AgendaSegment)
@strawberry.type(name="AgendaSegment")
class AgendaSegmentType:
    title: str
    kind: SegmentKind
    minutes: int


@described(RecurrencePublic)
@strawberry.type(name="Recurrence")
class RecurrenceType:
    series_id: uuid.UUID
    rrule: str | None
    index: int
    original_start: datetime
    is_exception: bool


@described(RsvpPublic)
@strawberry.type(name="Rsvp")
class RsvpType:
    person_id: uuid.UUID
    gathering_id: uuid.UUID
    status: RsvpStatus
    queued_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, r: Rsvp) -> "RsvpType":
        return cls(
            person_id=r.person_id,
            gathering_id=r.gathering_id,
            status=RsvpStatus(r.status),
            queued_at=r.queued_at,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )

    @strawberry.field(description="The person.")
    async def person(self, info: Info) -> PersonType | None:
        person = await info.context.loaders.person.load(self.person_id)
        return PersonType.for_viewer(person, info.context.actor) if person else None


@described(RsvpCounts)
@strawberry.type(name="RsvpCounts")
class RsvpCountsType:
    going: int
    maybe: int
    declined: int
    waitlisted: int


@described(RsvpList)
@strawberry.type(name="Rsvps")
class RsvpsType:
    counts: RsvpCountsType
    mine: RsvpType | None
    items: list[RsvpType]

    @classmethod
    def from_summary(cls, counts: RsvpCounts, mine: Rsvp | None, items: list[Rsvp]) -> "RsvpsType":
        return cls(
            counts=RsvpCountsType(**counts.model_dump()),
            mine=RsvpType.from_model(mine) if mine else None,
            items=[RsvpType.from_model(r) for r in items],
        )


@described(AttendancePublic)
@strawberry.type(name="Attendance")
class AttendanceType:
    person_id: uuid.UUID
    gathering_id: uuid.UUID
    source: AttendanceSource
    walk_in: bool
    created_at: datetime

    @classmethod
    def from_model(cls, a: Attendance) -> "AttendanceType":
        return cls(
            person_id=a.person_id,
            gathering_id=a.gathering_id,
            source=AttendanceSource(a.source),
            walk_in=a.walk_in,
            created_at=a.created_at,
        )

    @strawberry.field(description="The person.")
    async def person(self, info: Info) -> PersonType | None:
        person = await info.context.loaders.person.load(self.person_id)
        return PersonType.for_viewer(person, info.context.actor) if person else None


@described(GatheringPublic)
@strawberry.type(name="Gathering")
class GatheringType(UuidNode):
    domain_id: uuid.UUID
    title: str
    theme: str
    guiding_question: str
    description: str
    start: datetime
    end: datetime
    start_local: str
    timezone: str
    duration_minutes: int
    modality: Modality
    location: str
    join_url: str | None
    capacity: int | None
    host_ids: list[uuid.UUID]
    agenda: list[AgendaSegmentType]
    status: GatheringStatus
    recurrence: RecurrenceType
    going_count: int
    waitlist_count: int
    my_rsvp: RsvpStatus | None
    summary: str
    decisions: list[str]
    follow_ups: list[str]
    summary_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change "
        "this occurrence only if no one changed it since."
    )

    @classmethod
    def from_public(cls, p: GatheringPublic) -> "GatheringType":
        fields = p.model_dump(exclude={"agenda", "recurrence"})
        return cls(
            **fields,
            agenda=[AgendaSegmentType(**s.model_dump()) for s in p.agenda],
            recurrence=RecurrenceType(**p.recurrence.model_dump()),
        )

    @strawberry.field(description="The hosts of this occurrence (rotation applied).")
    async def hosts(self, info: Info) -> list[PersonType]:
        people = await info.context.loaders.person.load_many(self.host_ids)
        return [PersonType.for_viewer(p, info.context.actor) for p in people if p is not None]

    @strawberry.field(description="RSVPs (members only; null with an error otherwise).")
    async def rsvps(self, info: Info) -> RsvpsType | None:
        counts, mine, items = await info.context.loaders.gathering_rsvps.load(self.id)
        return RsvpsType.from_summary(counts, mine, items)

    @strawberry.field(description="Who attended (respecting each person's privacy choice).")
    async def attendees(self, info: Info) -> list[AttendanceType] | None:
        rows = await info.context.loaders.gathering_attendance.load(self.id)
        return [AttendanceType.from_model(a) for a in rows]

    @strawberry.field(description="The domain it belongs to.")
    async def domain(self, info: Info) -> DomainType | None:
        domain = await info.context.loaders.domain.load(self.domain_id)
        return DomainType.from_model(domain) if domain else None
