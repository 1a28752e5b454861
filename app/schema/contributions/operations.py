import uuid

import strawberry

from app.models.contributions import (
    AcceptInput,
    CollectionCreate,
    CollectionItemInput,
    CollectionUpdate,
    ContributionCreate,
    ContributionFilter,
    ContributionUpdate,
    EndorsementInput,
    ModerationInput,
    ReportCreate,
    ReportResolve,
    ValueStoryCreate,
)
from app.schema.context import Info
from app.schema.contributions.types import (
    CollectionType,
    ContributionType,
    EndorsementType,
    ModerationEventType,
    ReportType,
    RevisionType,
    SearchHitType,
    TagCountType,
    ValueStoryType,
)
from app.schema.descriptions import arguments, described
from app.schema.enums import (
    ContributionKind,
    EndorsementKind,
    ReportStatus,
    ValueCycle,
)
from app.schema.generate import input_type
from app.schema.inputs import ExpectedVersion, create_data, input_data
from app.schema.relay import Connection, connection, page_params
from app.services.contributions import curation, endorsements, moderation, search
from app.services.contributions import service as contributions
from app.services.validation import parse


@input_type(ContributionFilter, name="ContributionFilterInput", defaults=True)
class ContributionFilterInput:
    def to_filter(self) -> ContributionFilter:
        fields = ContributionFilter.model_fields
        return parse(ContributionFilter, {fields[k].alias or k: v for k, v in vars(self).items()})


@input_type(ContributionCreate, name="ContributionInput")
class ContributionInput:
    pass


@input_type(ContributionUpdate, name="ContributionUpdateInput")
class ContributionUpdateInput:
    pass


@input_type(ValueStoryCreate, name="ValueStoryInput")
class ValueStoryInput:
    pass


@input_type(CollectionCreate, name="CollectionInput")
class CollectionInput:
    pass


@input_type(CollectionUpdate, name="CollectionUpdateInput")
class CollectionUpdateInput:
    pass


@input_type(CollectionItemInput, name="CollectionItemInput")
class CollectionItemInputType:
    pass


@input_type(ReportResolve, name="ReportResolveInput")
class ReportResolveInput:
    pass


async def _collection(info: Info, collection_id: uuid.UUID) -> CollectionType:
    async with info.context.session() as session:
        found, items = await curation.get_collection(session, info.context.actor, collection_id)
    return CollectionType.from_model(curation.collection_public(found, items))


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
            rows = await contributions.thread(session, info.context.actor, id)
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
            page = await contributions.appreciations_for(
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

    @arguments(id="The collection's id.")
    @strawberry.field(description="A collection you may read.")
    async def collection(self, info: Info, id: uuid.UUID) -> CollectionType | None:
        return await _collection(info, id)

    @strawberry.field(description="A domain's collections, oldest first.")
    async def collections(
        self,
        info: Info,
        slug: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CollectionType]:
        async with info.context.session() as session:
            page = await curation.list_collections(
                session, info.context.actor, slug, page_params(first, after, last, before)
            )
            items = await curation.items_of(session, [c.id for c in page.items])
        return connection(
            page, lambda c: CollectionType.from_model(curation.collection_public(c, items[c.id]))
        )

    @arguments(status="Only reports with this status (default: open); null for all.")
    @strawberry.field(description="Reports in a domain (convenors); open ones by default.")
    async def reports(
        self,
        info: Info,
        slug: str,
        status: ReportStatus | None = ReportStatus.open,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ReportType]:
        async with info.context.session() as session:
            page = await moderation.list_reports(
                session, info.context.actor, slug, page_params(first, after, last, before), status
            )
        return connection(page, ReportType.from_model)

    @arguments(id="The contribution's id.")
    @strawberry.field(description="Who moderated or curated a contribution (convenors).")
    async def moderation_log(self, info: Info, id: uuid.UUID) -> list[ModerationEventType]:
        async with info.context.session() as session:
            rows = await moderation.moderation_log(session, info.context.actor, id)
        return [ModerationEventType.from_model(e) for e in rows]


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
        self,
        info: Info,
        id: uuid.UUID,
        kind: EndorsementKind,
        note: str | None = None,
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
        self,
        info: Info,
        id: uuid.UUID,
        kind: EndorsementKind,
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

    @arguments(id="The contribution's id.")
    @strawberry.mutation(description="Mark as curated (knowledge brokers, convenors).")
    async def curate(
        self, info: Info, id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> ContributionType | None:
        async with info.context.session() as session:
            found = await curation.set_curated(
                session, info.context.actor, id, True, expected_version
            )
        return ContributionType.from_model(found)

    @arguments(id="The contribution's id.")
    @strawberry.mutation(description="Unmark as curated (knowledge brokers, convenors).")
    async def uncurate(
        self, info: Info, id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> ContributionType | None:
        async with info.context.session() as session:
            found = await curation.set_curated(
                session, info.context.actor, id, False, expected_version
            )
        return ContributionType.from_model(found)

    @strawberry.mutation(description="Create a collection (knowledge brokers, convenors).")
    async def create_collection(
        self, info: Info, slug: str, input: CollectionInput
    ) -> CollectionType | None:
        data = parse(CollectionCreate, create_data(input))
        async with info.context.session() as session:
            found = await curation.create_collection(session, info.context.actor, slug, data)
        return await _collection(info, found.id)

    @arguments(id="The collection's id.")
    @strawberry.mutation(description="Change a collection (knowledge brokers, convenors).")
    async def update_collection(
        self,
        info: Info,
        id: uuid.UUID,
        input: CollectionUpdateInput,
        expected_version: ExpectedVersion = None,
    ) -> CollectionType | None:
        data = parse(CollectionUpdate, input_data(input))
        async with info.context.session() as session:
            await curation.update_collection(
                session, info.context.actor, id, data, expected_version
            )
        return await _collection(info, id)

    @arguments(id="The collection's id.")
    @strawberry.mutation(
        description="Delete a collection; its contributions stay (knowledge brokers, convenors)."
    )
    async def delete_collection(
        self, info: Info, id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> bool | None:
        async with info.context.session() as session:
            await curation.delete_collection(session, info.context.actor, id, expected_version)
        return True

    @arguments(id="The collection's id.")
    @strawberry.mutation(description="Add a contribution to a collection, move it, or re-note it.")
    async def put_collection_item(
        self,
        info: Info,
        id: uuid.UUID,
        input: CollectionItemInputType,
        expected_version: ExpectedVersion = None,
    ) -> CollectionType | None:
        data = parse(CollectionItemInput, create_data(input))
        async with info.context.session() as session:
            await curation.put_item(session, info.context.actor, id, data, expected_version)
        return await _collection(info, id)

    @arguments(id="The collection's id.", contribution_id="The contribution's id.")
    @strawberry.mutation(description="Take a contribution out of a collection.")
    async def remove_collection_item(
        self,
        info: Info,
        id: uuid.UUID,
        contribution_id: uuid.UUID,
        expected_version: ExpectedVersion = None,
    ) -> CollectionType | None:
        async with info.context.session() as session:
            await curation.remove_item(
                session, info.context.actor, id, contribution_id, expected_version
            )
        return await _collection(info, id)

    @arguments(ReportCreate, id="The contribution's id.")
    @strawberry.mutation(description="Report a contribution to the convenors.")
    async def report(self, info: Info, id: uuid.UUID, reason: str) -> ReportType | None:
        data = parse(ReportCreate, {"reason": reason})
        async with info.context.session() as session:
            found = await moderation.report(session, info.context.actor, id, data)
        return ReportType.from_model(found)

    @arguments(id="The report's id.")
    @strawberry.mutation(description="Resolve or dismiss a report (convenors).")
    async def resolve_report(
        self, info: Info, id: uuid.UUID, input: ReportResolveInput
    ) -> ReportType | None:
        data = parse(ReportResolve, create_data(input))
        async with info.context.session() as session:
            found = await moderation.resolve_report(session, info.context.actor, id, data)
        return ReportType.from_model(found)

    @arguments(ModerationInput, id="The contribution's id.")
    @strawberry.mutation(description="Hide from members (convenors); kept for moderators.")
    async def hide_contribution(
        self, info: Info, id: uuid.UUID, reason: str = ""
    ) -> ContributionType | None:
        async with info.context.session() as session:
            found = await moderation.set_hidden(session, info.context.actor, id, True, reason)
        return ContributionType.from_model(found)

    @arguments(ModerationInput, id="The contribution's id.")
    @strawberry.mutation(description="Show a hidden contribution again (convenors).")
    async def restore_contribution(
        self, info: Info, id: uuid.UUID, reason: str = ""
    ) -> ContributionType | None:
        async with info.context.session() as session:
            found = await moderation.set_hidden(session, info.context.actor, id, False, reason)
        return ContributionType.from_model(found)
