import uuid
from datetime import datetime
from typing import Any

import strawberry

from app.models.contributions import (
    CollectionItemPublic,
    CollectionPublic,
    ContributionPublic,
    EndorsementPublic,
    ModerationEventPublic,
    ReportPublic,
    RevisionPublic,
    SearchHit,
    ValueStoryPublic,
)
from app.schema.context import Info
from app.schema.descriptions import described
from app.schema.domains.types import DomainType
from app.schema.enums import (
    ContributionKind,
    ContributionStatus,
    EndorsementKind,
    ModerationAction,
    ReportStatus,
    ValueCycle,
)
from app.schema.people.types import PersonType
from app.schema.relay import UuidNode


async def _person(info: Info, person_id: uuid.UUID | None) -> PersonType | None:
    if person_id is None:
        return None
    person = await info.context.loaders.person.load(person_id)
    return PersonType.for_viewer(person, info.context.actor) if person else None


@described(EndorsementPublic)
@strawberry.type(name="Endorsement")
class EndorsementType(UuidNode):
    contribution_id: uuid.UUID
    person_id: uuid.UUID
    kind: EndorsementKind
    note: str
    created_at: datetime

    @classmethod
    def from_model(cls, e: Any) -> "EndorsementType":
        return cls(**EndorsementPublic.model_validate(e).model_dump())

    @strawberry.field(description="Who endorsed it.")
    async def person(self, info: Info) -> PersonType | None:
        return await _person(info, self.person_id)


@described(RevisionPublic)
@strawberry.type(name="Revision")
class RevisionType:
    editor_id: uuid.UUID | None
    title: str | None
    body: str
    url: str | None
    tags: list[str]
    themes: list[str]
    at: datetime

    @classmethod
    def from_model(cls, r: Any) -> "RevisionType":
        return cls(**RevisionPublic.model_validate(r).model_dump())


@described(ContributionPublic)
@strawberry.type(name="Contribution")
class ContributionType(UuidNode):
    domain_id: uuid.UUID
    author_id: uuid.UUID | None
    kind: ContributionKind
    title: str | None
    body: str
    url: str | None
    tags: list[str]
    themes: list[str]
    gathering_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    recipient_ids: list[uuid.UUID]
    status: ContributionStatus
    accepted_answer_id: uuid.UUID | None
    first_answer_at: datetime | None
    answer_count: int
    helpful_count: int
    applied_count: int
    curated_at: datetime | None
    hidden_at: datetime | None
    created_at: datetime
    updated_at: datetime
    edited_at: datetime | None
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change "
        "this contribution only if no one changed it since."
    )

    @classmethod
    def from_model(cls, c: Any) -> "ContributionType":
        return cls(**ContributionPublic.model_validate(c).model_dump())

    @strawberry.field(description="Who wrote it; null if an integration (an API key) did.")
    async def author(self, info: Info) -> PersonType | None:
        return await _person(info, self.author_id)

    @strawberry.field(description="Published answers to this question, oldest first.")
    async def answers(self, info: Info) -> list["ContributionType"]:
        rows = await info.context.loaders.contribution_children.load(
            (self.id, ContributionKind.answer)
        )
        return [ContributionType.from_model(c) for c in rows]

    @strawberry.field(description="Published replies, oldest first.")
    async def replies(self, info: Info) -> list["ContributionType"]:
        rows = await info.context.loaders.contribution_children.load(
            (self.id, ContributionKind.reply)
        )
        return [ContributionType.from_model(c) for c in rows]

    @strawberry.field(description="Its endorsements, oldest first.")
    async def endorsements(self, info: Info) -> list[EndorsementType]:
        rows = await info.context.loaders.contribution_endorsements.load(self.id)
        return [EndorsementType.from_model(e) for e in rows]

    @strawberry.field(description="The question an answer answers, or what a reply replies to.")
    async def parent(self, info: Info) -> "ContributionType | None":
        if self.parent_id is None:
            return None
        parent = await info.context.loaders.contribution.load(self.parent_id)
        return ContributionType.from_model(parent) if parent else None

    @strawberry.field(description="The people an appreciation thanks.")
    async def recipients(self, info: Info) -> list[PersonType]:
        people = await info.context.loaders.person.load_many(self.recipient_ids)
        return [PersonType.for_viewer(p, info.context.actor) for p in people if p is not None]

    @strawberry.field(description="The domain it belongs to.")
    async def domain(self, info: Info) -> DomainType | None:
        domain = await info.context.loaders.domain.load(self.domain_id)
        return DomainType.from_model(domain) if domain else None


@described(ValueStoryPublic)
@strawberry.type(name="ValueStory")
class ValueStoryType(UuidNode):
    domain_id: uuid.UUID
    author_id: uuid.UUID | None
    cycle: ValueCycle
    title: str
    story: str
    contribution_ids: list[uuid.UUID]
    endorsement_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def from_model(cls, v: Any) -> "ValueStoryType":
        return cls(**ValueStoryPublic.model_validate(v).model_dump())

    @strawberry.field(description="The contributions it tells of, that you may read.")
    async def contributions(self, info: Info) -> list[ContributionType]:
        rows = await info.context.loaders.contribution.load_many(self.contribution_ids)
        return [ContributionType.from_model(c) for c in rows if c is not None]


@described(CollectionItemPublic)
@strawberry.type(name="CollectionItem")
class CollectionItemType:
    contribution_id: uuid.UUID
    position: int
    note: str
    created_at: datetime

    @strawberry.field(description="The contribution; null if you may not read it.")
    async def contribution(self, info: Info) -> ContributionType | None:
        found = await info.context.loaders.contribution.load(self.contribution_id)
        return ContributionType.from_model(found) if found else None


@described(CollectionPublic)
@strawberry.type(name="Collection")
class CollectionType(UuidNode):
    domain_id: uuid.UUID
    title: str
    description: str
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change "
        "this collection only if no one changed it since."
    )
    items: list[CollectionItemType]

    @classmethod
    def from_public(cls, c: CollectionPublic) -> "CollectionType":
        fields = c.model_dump(exclude={"items"})
        return cls(**fields, items=[_item(i) for i in c.items])


def _item(i: CollectionItemPublic) -> CollectionItemType:
    return CollectionItemType(**i.model_dump())


@described(ReportPublic)
@strawberry.type(name="Report")
class ReportType(UuidNode):
    domain_id: uuid.UUID
    contribution_id: uuid.UUID
    reporter_id: uuid.UUID | None
    reason: str
    status: ReportStatus
    resolved_by_id: uuid.UUID | None
    resolution_note: str
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def from_model(cls, r: Any) -> "ReportType":
        return cls(**ReportPublic.model_validate(r).model_dump())


@described(ModerationEventPublic)
@strawberry.type(name="ModerationEvent")
class ModerationEventType:
    actor_id: uuid.UUID | None
    action: ModerationAction
    reason: str
    at: datetime

    @classmethod
    def from_model(cls, e: Any) -> "ModerationEventType":
        return cls(**ModerationEventPublic.model_validate(e).model_dump())


@described(SearchHit)
@strawberry.type(name="SearchHit")
class SearchHitType:
    contribution: ContributionType
    rank: float
    snippet_html: str


@described()
@strawberry.type(name="TagCount", description="A tag, and how often it is used.")
class TagCountType:
    tag: str = strawberry.field(description="The tag (lowercase).")
    count: int = strawberry.field(description="Published contributions you may read that carry it.")
