import uuid
from collections.abc import Callable
from functools import partial

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from app.config import Settings
from app.schema.contributions.curation import CurationMutation, CurationQuery
from app.schema.contributions.moderation import ModerationMutation, ModerationQuery
from app.schema.contributions.operations import ContributionMutation, ContributionQuery
from app.schema.cost import QueryCost
from app.schema.domains.operations import DomainMutation, DomainQuery
from app.schema.errors import ErrorCodes
from app.schema.gatherings.operations import GatheringMutation, GatheringQuery
from app.schema.memberships.operations import MembershipMutation, MembershipQuery
from app.schema.nodes import NODE_TYPES, UUID_SCALAR, NodeQuery
from app.schema.people.operations import PeopleMutation, PeopleQuery
from app.schema.views.operations import ViewQuery

Query = merge_types(
    "Query",
    (
        NodeQuery,
        PeopleQuery,
        DomainQuery,
        MembershipQuery,
        GatheringQuery,
        ContributionQuery,
        CurationQuery,
        ModerationQuery,
        ViewQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        PeopleMutation,
        DomainMutation,
        MembershipMutation,
        GatheringMutation,
        ContributionMutation,
        CurationMutation,
        ModerationMutation,
    ),
)
get_object_definition(Query, strict=True).description = "What you may read."
get_object_definition(
    Mutation, strict=True
).description = (
    "What you may change. A refused change is null with an error whose `extensions.code` says why."
)


class QuietSchema(strawberry.Schema):
    """Client mistakes (not found, forbidden, bad input) are answers, not incidents;
    ErrorCodes logs the unexpected ones itself."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(settings: Settings) -> strawberry.Schema:
    """Extensions are factories, so that each request gets its own instances."""
    extensions: list[Callable[[], SchemaExtension]] = [
        partial(QueryDepthLimiter, max_depth=settings.graphql_max_depth),
        partial(MaxAliasesLimiter, max_alias_count=settings.graphql_max_aliases),
        partial(MaxTokensLimiter, max_token_count=settings.graphql_max_tokens),
        partial(QueryCost, settings),
        partial(ErrorCodes, suggestions=settings.graphql_introspection),
    ]
    if not settings.graphql_introspection:
        extensions.append(partial(AddValidationRules, [NoSchemaIntrospectionCustomRule]))
    return QuietSchema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, scalar_map={uuid.UUID: UUID_SCALAR}),
    )
