"""What a GraphQL operation may cost, judged before it runs, as GitHub's GraphQL API does.

Every object a query asks for costs 1 and every scalar a tenth, multiplied by how many
times it can occur: a connection multiplies what it contains by its `first` or `last`
(the default page size when neither is given), a field that takes a list of `ids`
(`nodes`) by their number, and a plain list of objects by the default page size. An
object of an interface (`node`) costs what its costliest possible type would. An
operation above the budget is refused at once with `QUERY_TOO_COMPLEX`; every accepted
one reports its cost in the response's `extensions`, so that integrators can budget.
Variables are bounded here too, since graphql-core coerces them recursively."""

import math
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from app import ratelimit
from app.config import Settings
from app.errors import DomainError, Invalid

SCALAR_COST = 0.1
PAGE_ARGUMENTS = ("first", "last")
ID_LIST_ARGUMENT = "ids"
# Fragments spreading fragments: deeper than this is no query a client writes by hand.
MAX_NESTING = 64
MAX_SPREADS = 1_000
MAX_VARIABLE_DEPTH = 16
MAX_VARIABLE_ITEMS = 1_000


class QueryTooComplex(DomainError):
    code = "QUERY_TOO_COMPLEX"
    problem = "query-too-complex"
    title = "Query too complex"


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        page_size: int,
        page_size_max: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.page_size = page_size
        self.page_size_max = page_size_max
        # The cost of one occurrence of a fragment on a type, so that a fragment spread in
        # many places is costed once (and a diamond of spreads costs no exponential time).
        self.memo: dict[tuple[str, str], float] = {}

    def ids(self, field: FieldNode) -> int:
        """How many ids a field's `ids` argument lists (at most the largest page: more
        are refused by the field itself, with a clearer error than a cost)."""
        for argument in field.arguments or ():
            if argument.name.value != ID_LIST_ARGUMENT:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
                count = len(raw) if isinstance(raw, list) else 1
            elif isinstance(value, ListValueNode):
                count = len(value.values)
            else:
                count = 1
            return min(count, self.page_size_max)
        return 1

    def page(self, field: FieldNode, definition: GraphQLField) -> int | None:
        """The page size a connection field asks for, or None if it is no connection."""
        if ID_LIST_ARGUMENT in definition.args:
            return self.ids(field)
        if not any(name in definition.args for name in PAGE_ARGUMENTS):
            return None
        for argument in field.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
            elif isinstance(value, IntValueNode):
                raw = int(value.value)
            else:
                raw = None
            if isinstance(raw, int) and raw > 0:
                return min(raw, self.page_size_max)
        return self.page_size

    def of(self, selections: SelectionSetNode, named: GraphQLNamedType, depth: int) -> float:
        """The cost of one object of `named`: for an interface or union, of the costliest
        type it may turn out to be (only one type's fragments apply to each object)."""
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            possible = self.schema.get_possible_types(named)
            return max((self.unit(selections, t, depth) for t in possible), default=0.0)
        return self.unit(selections, named, depth)

    def applies(self, condition: GraphQLNamedType | None, parent: GraphQLNamedType) -> bool:
        """Whether a fragment on `condition` applies to an object of `parent`."""
        if condition is None or condition is parent or not isinstance(parent, GraphQLObjectType):
            return condition is not None
        if isinstance(condition, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(condition, parent)
        return False

    def unit(self, selections: SelectionSetNode, parent: GraphQLNamedType, depth: int) -> float:
        """The cost of one occurrence of `parent` with these selections."""
        if depth > MAX_NESTING:
            raise QueryTooComplex("The query nests fragments or fields too deeply.")
        total = 0.0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, depth)
            elif isinstance(selection, InlineFragmentNode):
                on = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                if self.applies(on, parent):
                    total += self.unit(selection.selection_set, parent, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value, parent, depth)
        return total

    def spread(self, name: str, parent: GraphQLNamedType, depth: int) -> float:
        fragment = self.fragments.get(name)
        if fragment is None:
            return 0.0
        key = (name, parent.name)
        if key not in self.memo:
            on = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[key] = (
                self.unit(fragment.selection_set, parent, depth + 1)
                if self.applies(on, parent)
                else 0.0
            )
        return self.memo[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType, depth: int) -> float:
        if node.name.value.startswith("__"):
            return 0.0  # introspection and __typename: schema data, no database work
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0.0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0.0
        named = get_named_type(definition.type)
        if is_leaf_type(named) or node.selection_set is None:
            return SCALAR_COST
        page = self.page(node, definition)
        if page is None and is_list_type(get_nullable_type(definition.type)):
            # The edges and nodes of a connection were counted by the connection's page.
            page = 1 if parent.name.endswith("Connection") else self.page_size
        return 1 + (page or 1) * self.of(node.selection_set, named, depth + 1)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
    settings: Settings,
) -> int:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    walk = _Walk(schema, fragments, variables, settings.page_size_default, settings.page_size_max)
    total = 0.0
    for operation in chosen[:1]:
        root = schema.get_root_type(operation.operation)
        if root is not None:
            total += walk.unit(operation.selection_set, root, 0)
    return math.ceil(total)


def _spreads(selections: SelectionSetNode) -> list[str]:
    found: list[str] = []
    stack = [selections]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                found.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)
    return found


def fragment_nesting(document: DocumentNode) -> tuple[int, int]:
    """How many fragments deep the document spreads, and how many spreads it expands to,
    found without recursion: a chain of hundreds of fragments overflows recursive
    validators, and a diamond of them (each spreading the next twice) makes validation
    exponential. Cycles count once; validation refuses them."""
    spreads = {
        d.name.value: _spreads(d.selection_set)
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    depth: dict[str, int] = {}
    size: dict[str, int] = {}
    for start in spreads:
        stack: list[tuple[str, bool]] = [(start, False)]
        visiting: set[str] = set()
        while stack:
            name, done = stack.pop()
            if done:
                visiting.discard(name)
                children = spreads.get(name, ())
                depth[name] = 1 + max((depth.get(child, 0) for child in children), default=0)
                size[name] = 1 + sum(size.get(child, 0) for child in children)
                continue
            if name in depth or name in visiting or name not in spreads:
                continue
            visiting.add(name)
            stack.append((name, True))
            stack.extend((child, False) for child in spreads[name])
    return max(depth.values(), default=0), sum(size.values())


def _values(value: Any, depth: int = 0) -> Iterator[tuple[int, int]]:
    """(depth, list length) for every list and object in a variable, without recursion."""
    stack = [(value, depth)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, list):
            yield level, len(current)
            stack.extend((item, level + 1) for item in current)
        elif isinstance(current, dict):
            yield level, 0
            stack.extend((item, level + 1) for item in current.values())


def check_variables(variables: Mapping[str, Any] | None) -> None:
    for name, value in (variables or {}).items():
        for depth, length in _values(value):
            if depth > MAX_VARIABLE_DEPTH:
                raise Invalid(f"Variable '${name}' nests deeper than {MAX_VARIABLE_DEPTH} levels.")
            if length > MAX_VARIABLE_ITEMS:
                raise Invalid(f"Variable '${name}' has more than {MAX_VARIABLE_ITEMS} items.")


class QueryCost(SchemaExtension):
    """Refuses an operation over the budget before it runs, and reports the cost of every
    one it lets through."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cost: int | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        nesting, spreads = fragment_nesting(document) if document is not None else (0, 0)
        if nesting > MAX_NESTING or spreads > MAX_SPREADS:
            error = QueryTooComplex(
                f"Fragments may spread at most {MAX_NESTING} levels deep and "
                f"{MAX_SPREADS} times in all."
            )
            # Set before validation runs, so that no recursive validator sees the document.
            context.pre_execution_errors = [GraphQLError(error.detail, original_error=error)]
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        try:
            check_variables(context.variables)
            if context.graphql_document is not None:
                self.cost = operation_cost(
                    context.schema._schema,
                    context.graphql_document,
                    context.operation_name,
                    context.variables or {},
                    self.settings,
                )
                if self.cost > self.settings.graphql_max_cost:
                    raise QueryTooComplex(
                        f"This query could cost {self.cost}, over the limit of "
                        f"{self.settings.graphql_max_cost}: ask for smaller pages or fewer "
                        "nested connections.",
                        extra={"cost": self.cost, "limit": self.settings.graphql_max_cost},
                    )
                await self._charge(self.cost)
        except DomainError as exc:
            context.result = GraphQLExecutionResult(
                data=None, errors=[GraphQLError(exc.detail, original_error=exc)]
            )
        yield

    async def _charge(self, cost: int) -> None:
        """The request was charged one unit on arrival; a query pays one more for every
        hundred objects it may fetch (GitHub's points), so rate limits follow real cost."""
        request = getattr(self.execution_context.context, "request", None)
        if request is None:
            return
        decision = await ratelimit.charge(request, max(1, math.ceil(cost / 100)))
        if decision is not None and not decision.allowed:
            raise decision.error()

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requested": self.cost, "limit": self.settings.graphql_max_cost}}
