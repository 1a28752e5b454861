"""GraphQL for moderation: reports, hiding and restoring, and the moderation log."""

import uuid

import strawberry

from app.models.contributions import ModerationInput, ReportCreate, ReportResolve
from app.schema.context import Info
from app.schema.contributions.inputs import ReportResolveInput
from app.schema.contributions.types import ContributionType, ModerationEventType, ReportType
from app.schema.descriptions import arguments, described
from app.schema.enums import ReportStatus
from app.schema.inputs import create_data
from app.schema.relay import Connection, connection, page_params
from app.services.contributions import moderation
from app.services.validation import parse


@described()
@strawberry.type
class ModerationQuery:
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
class ModerationMutation:
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
