import strawberry

from app.models.domains import DomainCreate, DomainFilter, DomainUpdate
from app.schema.context import Info
from app.schema.descriptions import arguments, described
from app.schema.domains.types import DomainType
from app.schema.enums import LifecycleStage, Visibility
from app.schema.generate import input_type
from app.schema.inputs import ExpectedVersion, create_data, input_data
from app.schema.relay import Connection, connection, page_params
from app.services.domains import service as domains
from app.services.validation import parse


@input_type(DomainCreate, name="DomainCreateInput")
class DomainCreateInput:
    pass


@input_type(DomainUpdate, name="DomainUpdateInput")
class DomainUpdateInput:
    pass


@described()
@strawberry.type
class DomainQuery:
    @strawberry.field(description="A domain you may see.")
    async def domain(self, info: Info, slug: str) -> DomainType | None:
        async with info.context.session() as session:
            domain = await domains.get_domain(session, info.context.actor, slug)
        return DomainType.from_model(domain)

    @arguments(DomainFilter)
    @strawberry.field(description="Domains you may see, oldest first.")
    async def domains(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        q: str | None = None,
        theme: str | None = None,
        visibility: Visibility | None = None,
        lifecycle_stage: LifecycleStage | None = None,
        parent: str | None = None,
        mine: bool = False,
        include_archived: bool = False,
    ) -> Connection[DomainType]:
        narrow = parse(
            DomainFilter,
            {
                "q": q,
                "theme": theme,
                "visibility": visibility,
                "lifecycle_stage": lifecycle_stage,
                "parent": parent,
                "mine": mine,
                "include_archived": include_archived,
            },
        )
        async with info.context.session() as session:
            page = await domains.list_domains(
                session, info.context.actor, page_params(first, after, last, before), narrow
            )
        return connection(page, DomainType.from_model)


@described()
@strawberry.type
class DomainMutation:
    @strawberry.mutation(description="Create a domain; you become its convenor.")
    async def create_domain(self, info: Info, input: DomainCreateInput) -> DomainType | None:
        data = parse(DomainCreate, create_data(input))
        async with info.context.session() as session:
            domain = await domains.create_domain(session, info.context.actor, data)
        return DomainType.from_model(domain)

    @strawberry.mutation(description="Change a domain (convenors).")
    async def update_domain(
        self,
        info: Info,
        slug: str,
        input: DomainUpdateInput,
        expected_version: ExpectedVersion = None,
    ) -> DomainType | None:
        data = parse(DomainUpdate, input_data(input))
        async with info.context.session() as session:
            domain = await domains.update_domain(
                session, info.context.actor, slug, data, expected_version
            )
        return DomainType.from_model(domain)

    @strawberry.mutation(description="Archive a domain: hidden from lists, data kept.")
    async def archive_domain(
        self, info: Info, slug: str, expected_version: ExpectedVersion = None
    ) -> DomainType | None:
        async with info.context.session() as session:
            domain = await domains.archive_domain(
                session, info.context.actor, slug, expected_version
            )
        return DomainType.from_model(domain)
