import uuid

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
)
from app.schema.generate import FromModel, object_type
from app.schema.people.types import PersonType
from app.schema.relay import UuidNode


async def _person(info: Info, person_id: uuid.UUID | None) -> PersonType | None:
    if person_id is None:
        return None
    person = await info.context.loaders.person.load(person_id)
    return PersonType.for_viewer(person, info.context.actor) if person else None


@object_type(EndorsementPublic, name="Endorsement")
class EndorsementType(UuidNode, FromModel):
    person_id: strawberry.auto

    @strawberry.field(description="Who endorsed it.")
    async def person(self, info: Info) -> PersonType | None:
        return await _person(info, self.person_id)


@object_type(RevisionPublic, name="Revision")
class RevisionType(FromModel):
    pass


@object_type(ContributionPublic, name="Contribution")
class ContributionType(UuidNode, FromModel):
    domain_id: strawberry.auto
    author_id: strawberry.auto
    parent_id: strawberry.auto
    recipient_ids: strawberry.auto
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change "
        "this contribution only if no one changed it since."
    )

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


@object_type(ValueStoryPublic, name="ValueStory")
class ValueStoryType(UuidNode, FromModel):
    contribution_ids: strawberry.auto

    @strawberry.field(description="The contributions it tells of, that you may read.")
    async def contributions(self, info: Info) -> list[ContributionType]:
        rows = await info.context.loaders.contribution.load_many(self.contribution_ids)
        return [ContributionType.from_model(c) for c in rows if c is not None]


@object_type(CollectionItemPublic, name="CollectionItem")
class CollectionItemType(FromModel):
    contribution_id: strawberry.auto

    @strawberry.field(description="The contribution; null if you may not read it.")
    async def contribution(self, info: Info) -> ContributionType | None:
        found = await info.context.loaders.contribution.load(self.contribution_id)
        return ContributionType.from_model(found) if found else None


@object_type(CollectionPublic, name="Collection")
class CollectionType(UuidNode, FromModel):
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change "
        "this collection only if no one changed it since."
    )


@object_type(ReportPublic, name="Report")
class ReportType(UuidNode, FromModel):
    pass


@object_type(ModerationEventPublic, name="ModerationEvent")
class ModerationEventType(FromModel):
    pass


@object_type(SearchHit, name="SearchHit")
class SearchHitType(FromModel):
    pass


@described()
@strawberry.type(name="TagCount", description="A tag, and how often it is used.")
class TagCountType:
    tag: str = strawberry.field(description="The tag (lowercase).")
    count: int = strawberry.field(description="Published contributions you may read that carry it.")
