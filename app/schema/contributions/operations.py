import uuid

import strawberry

from app.models.contributions import (
    AcceptInput,
    ContributionCreate,
    ContributionUpdate,
    EndorsementInput,
    ValueStoryCreate,
)
from app.schema.context import Info
from app.schema.contributions.inputs import (
    ContributionInput,
    ContributionUpdateInput,
    ValueStoryInput,
)
from app.schema.contributions.types import (
    ContributionType,
    EndorsementType,
    RevisionType,
    SearchHitType,
    TagCountType,
    ValueStoryType,
)
from app.schema.descriptions import arguments, described
from app.schema.enums import ContributionKind, EndorsementKind, ValueCycle
from app.schema.inputs import ExpectedVersion, create_data, input_data
from app.schema.relay import Connection, connection, page_params
from app.services.contributions import endorsements, listing, search
from app.services.contributions import service as contributions
from app.services.validation import parse


@described()
@strawberry.type
class ContributionQuery:
    @arguments(id="The contribution's id.")
    @strawberry.field(description="A contribution you may read.")
    async def contribution(self, info: Info, id: uuid.UUID) -> ContributionType | None:
        async with info.context.session() as session:
            found = await contributions.get_contribution(session, info.context.actor, id)
        return ContributionType.from_model(found)

    @arguments(
        q='What to find: words (stemmed: "practising" finds "practice"), "quoted phrases", '
        "-word to exclude, OR between alternatives.",
        domain="Only this domain (its slug).",
        kind="Only contributions of this kind.",
    )
    @strawberry.field(
        description='Full-text search: stemmed words, "quoted phrases", -exclusions, OR.'
    )
    async def search(
        self,
        info: Info,
        q: str,
        domain: str | None = None,
        kind: ContributionKind | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SearchHitType]:
        async with info.context.session() as session:
            page = await search.search_contributions(
                session,
                info.context.actor,
                q,
                page_params(first, after, last, before),
                domain_slug=domain,
                kind=kind,
            )
        return connection(page, SearchHitType.from_model)

    @arguments(q="Tags that contain this, in any case; the 20 most used come back.")
    @strawberry.field(description="Tags in use in what you may read, most used first.")
    async def search_tags(self, info: Info, q: str) -> list[TagCountType]:
        async with info.context.session() as session:
            found = await search.search_tags(session, info.context.actor, q)
        return [TagCountType(tag=t, count=n) for t, n in found]

    @arguments(id="The contribution's id.")
    @strawberry.field(description="A contribution and everything below it, in thread order.")
    async def thread(self, info: Info, id: uuid.UUID) -> list[ContributionType]:
        async with info.context.session() as session:
            rows = await listing.thread(session, info.context.actor, id)
        return [ContributionType.from_model(c) for c, _ in rows]

    @arguments(id="The contribution's id.")
    @strawberry.field(description="Earlier versions of a contribution, oldest first.")
    async def revisions(self, info: Info, id: uuid.UUID) -> list[RevisionType]:
        async with info.context.session() as session:
            rows = await contributions.list_revisions(session, info.context.actor, id)
        return [RevisionType.from_model(r) for r in rows]

    @arguments(person_id="The person thanked.")
    @strawberry.field(description="Appreciations that name a person.")
    async def appreciations(
        self,
        info: Info,
        person_id: uuid.UUID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ContributionType]:
        async with info.context.session() as session:
            page = await listing.appreciations_for(
                session, info.context.actor, person_id, page_params(first, after, last, before)
            )
        return connection(page, ContributionType.from_model)

    @arguments(cycle="Only stories of this cycle of value.")
    @strawberry.field(description="A domain's value-creation stories, oldest first.")
    async def value_stories(
        self,
        info: Info,
        slug: str,
        cycle: ValueCycle | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ValueStoryType]:
        async with info.context.session() as session:
            page = await endorsements.list_value_stories(
                session, info.context.actor, slug, page_params(first, after, last, before), cycle
            )
        return connection(page, ValueStoryType.from_model)


@described()
@strawberry.type
class ContributionMutation:
    @strawberry.mutation(description="Contribute to a domain's repertoire (active members).")
    async def contribute(
        self, info: Info, slug: str, input: ContributionInput
    ) -> ContributionType | None:
        data = parse(ContributionCreate, create_data(input))
        async with info.context.session() as session:
            found = await contributions.create_contribution(session, info.context.actor, slug, data)
        return ContributionType.from_model(found)

    @arguments(id="The contribution's id.")
    @strawberry.mutation(description="Edit your contribution; the previous version is kept.")
    async def update_contribution(
        self,
        info: Info,
        id: uuid.UUID,
        input: ContributionUpdateInput,
        expected_version: ExpectedVersion = None,
    ) -> ContributionType | None:
        data = parse(ContributionUpdate, input_data(input))
        async with info.context.session() as session:
            found = await contributions.update_contribution(
                session, info.context.actor, id, data, expected_version
            )
        return ContributionType.from_model(found)

    @arguments(id="The contribution's id.")
    @strawberry.mutation(description="Archive (author, convenors, knowledge brokers).")
    async def archive_contribution(
        self, info: Info, id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> ContributionType | None:
        async with info.context.session() as session:
            found = await contributions.archive_contribution(
                session, info.context.actor, id, expected_version
            )
        return ContributionType.from_model(found)

    @arguments(AcceptInput, question_id="The question's id.")
    @strawberry.mutation(description="Accept an answer to a question (asker or convenor).")
    async def accept_answer(
        self, info: Info, question_id: uuid.UUID, answer_id: uuid.UUID
    ) -> ContributionType | None:
        async with info.context.session() as session:
            found = await contributions.accept_answer(
                session, info.context.actor, question_id, answer_id
            )
        return ContributionType.from_model(found)

    @arguments(EndorsementInput, id="The contribution's id.")
    @strawberry.mutation(description="Endorse: helpful, or applied in your own practice.")
    async def endorse(
        self, info: Info, id: uuid.UUID, kind: EndorsementKind, note: str | None = None
    ) -> EndorsementType | None:
        data = parse(
            EndorsementInput,
            {k: v for k, v in {"kind": kind, "note": note}.items() if v is not None},
        )
        async with info.context.session() as session:
            found, _ = await endorsements.endorse(session, info.context.actor, id, data)
        return EndorsementType.from_model(found)

    @arguments(id="The contribution's id.", kind="The kind of endorsement to withdraw.")
    @strawberry.mutation(description="Withdraw your endorsement of a contribution.")
    async def withdraw_endorsement(
        self, info: Info, id: uuid.UUID, kind: EndorsementKind
    ) -> bool | None:
        async with info.context.session() as session:
            await endorsements.withdraw(session, info.context.actor, id, kind)
        return True

    @strawberry.mutation(description="Record a value-creation story.")
    async def record_value_story(
        self, info: Info, slug: str, input: ValueStoryInput
    ) -> ValueStoryType | None:
        data = parse(ValueStoryCreate, create_data(input))
        async with info.context.session() as session:
            found = await endorsements.create_value_story(session, info.context.actor, slug, data)
        return ValueStoryType.from_model(found)
