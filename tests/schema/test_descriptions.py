"""Every part of the GraphQL schema says what it means, in the words REST uses for the same
thing: checked here over graphql-core's schema, by graphql-schema-linter on the committed
`schema.graphql`, and against the OpenAPI document."""

import json
import subprocess
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)
from graphql import build_schema as parse_sdl
from graphql.type.directives import DEFAULT_DEPRECATION_REASON
from pydantic import BaseModel, Field
from strawberry.schema.name_converter import NameConverter

from app.config import Settings
from app.models.common import described_values, descriptions_from, enum_meanings
from app.schema.build import build_schema
from app.schema.descriptions import BORROWED, arguments, described
from tests.contract_tools import tool

ROOT = Path(__file__).resolve().parent.parent.parent
SDL = ROOT / "schema.graphql"


def served() -> GraphQLSchema:
    settings = Settings(environment="test", secret_key="descriptions-" + "x" * 40)
    return build_schema(settings)._schema


def _reason(where: str, reason: str | None) -> list[str]:
    """A deprecation without a reason of its own (graphql-core fills in a stock one)."""
    if reason is None or (reason.strip() and reason != DEFAULT_DEPRECATION_REASON):
        return []
    return [f"{where} (deprecated without a reason)"]


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every named type, field, argument, input field and enum value without a description,
    and every deprecation without a reason."""
    found: list[str] = []
    for name, named in schema.type_map.items():
        if name.startswith("__"):
            continue
        if not named.description:
            found.append(name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                where = f"{name}.{field_name}"
                found += [] if field.description else [where]
                found += _reason(where, field.deprecation_reason)
                for arg_name, arg in field.args.items():
                    found += [] if arg.description else [f"{where}({arg_name})"]
                    found += _reason(f"{where}({arg_name})", arg.deprecation_reason)
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                where = f"{name}.{field_name}"
                found += [] if input_field.description else [where]
                found += _reason(where, input_field.deprecation_reason)
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                where = f"{name}.{value_name}"
                found += [] if value.description else [where]
                found += _reason(where, value.deprecation_reason)
    return found


def test_every_part_of_the_graphql_schema_is_described() -> None:
    assert undescribed(served()) == []


def test_the_walk_finds_what_is_not_described() -> None:
    """The check itself: each kind of part, undescribed, is reported."""
    schema = parse_sdl(
        '''
        """Described."""
        type Query {
          """Described."""
          a(x: Int, """Described.""" y: Int): Thing
          b: Int @deprecated
        }
        type Thing { c: Kind }
        enum Kind { ONE """Described.""" TWO }
        input Filter { d: Int }
        '''
    )
    assert set(undescribed(schema)) >= {
        "Query.a(x)",
        "Query.b",
        "Query.b (deprecated without a reason)",
        "Thing",
        "Thing.c",
        "Kind",
        "Kind.ONE",
        "Filter",
        "Filter.d",
    }
    assert "Query.a(y)" not in undescribed(schema)
    assert "Kind.TWO" not in undescribed(schema)


def _rest_description(components: dict[str, Any], prop: dict[str, Any]) -> str | None:
    """A property's description; pydantic leaves it out where it repeats the description
    of the schema the property refers to."""
    if "description" in prop or "$ref" not in prop:
        return prop.get("description")
    found: str | None = components[prop["$ref"].rsplit("/", 1)[-1]].get("description")
    return found


def test_graphql_says_what_openapi_says_of_the_fields_they_share() -> None:
    """A GraphQL field that takes its description from a REST model has the words the
    OpenAPI document has for that model's field; a GraphQL enum has the OpenAPI enum's."""
    schema = served()
    components = json.loads((ROOT / "openapi.json").read_text())["components"]["schemas"]
    names = NameConverter()
    compared = 0
    for type_name, field, model in BORROWED:
        component = components.get(model.__name__)
        if component is None:
            continue  # a model REST does not show on its own
        graphql_type = schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType | GraphQLInputObjectType)
        graphql_field = graphql_type.fields[names.get_graphql_name(field)]
        rest = _rest_description(components, component["properties"][field.python_name])
        assert graphql_field.description == rest, (type_name, field.python_name)
        compared += 1
    assert compared > 200, compared
    enums = 0
    for name, named in schema.type_map.items():
        if isinstance(named, GraphQLEnumType) and name in components:
            rest = components[name]["description"]
            assert rest.startswith(f"{named.description}\n\n"), name
            for value_name, value in named.values.items():
                assert f": {value.description}" in rest, (name, value_name)
            enums += 1
    assert enums > 20, enums


@pytest.mark.contract_tools
def test_graphql_schema_linter_finds_nothing_in_the_committed_schema(tmp_path: Path) -> None:
    """The rules are in `.graphql-schema-linterrc`; a schema that breaks one is caught."""

    def lint(path: Path) -> list[dict[str, str]]:
        result = subprocess.run(
            [str(tool("graphql-schema-linter")), "-c", str(ROOT), "-f", "json", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        errors: list[dict[str, str]] = json.loads(result.stdout)["errors"]
        return errors

    assert lint(SDL) == []
    broken = tmp_path / "schema.graphql"
    broken.write_text(SDL.read_text().replace('  """The item."""\n', "", 1))
    assert {e["rule"] for e in lint(broken)} == {"fields-have-descriptions"}


# The helpers that keep one home for each meaning fail loudly.


def test_a_type_without_a_description_for_a_field_is_refused() -> None:
    class Source(BaseModel):
        """A source."""

        named: int = Field(description="Described here.")
        unnamed: int

    with pytest.raises(TypeError, match="unnamed"):

        @described(Source)
        @strawberry.type
        class Mirror:
            named: int
            unnamed: int

    @described(Source)
    @strawberry.type
    class Described:
        named: int
        unnamed: int = strawberry.field(description="Described in GraphQL.")

    definition = Described.__strawberry_definition__  # type: ignore[attr-defined]
    assert definition.description == "A source."
    assert [f.description for f in definition.fields] == [
        "Described here.",
        "Described in GraphQL.",
    ]


def test_arguments_must_exist_and_be_described_once() -> None:
    with pytest.raises(TypeError, match="has no argument nope"):

        @strawberry.type
        class Unknown:
            @arguments(nope="Nothing.")
            @strawberry.field(description="A field.")
            def field(self, id: uuid.UUID) -> int:
                return 0

    with pytest.raises(TypeError, match="describe field\\(id\\)"):

        @described()
        @strawberry.type
        class Undescribed:
            @strawberry.field(description="A field.")
            def field(self, id: uuid.UUID, first: int | None = None) -> int:
                return 0


def test_an_enum_describes_each_value_once() -> None:
    with pytest.raises(TypeError, match=r"missing: \['b'\]"):

        @described_values(a="A.")
        class Partly(StrEnum):
            """Partly described."""

            a = "a"
            b = "b"

    @described_values(a="The first.", b="The second.")
    class Whole(StrEnum):
        """Wholly described."""

        a = "a"
        b = "b"

    assert enum_meanings(Whole) == ("Wholly described.", {"a": "The first.", "b": "The second."})
    assert Whole.__doc__ == "Wholly described.\n\n- `a`: The first.\n- `b`: The second."


def test_an_update_model_takes_the_descriptions_of_its_create_model() -> None:
    class Create(BaseModel):
        name: str = Field(description="The name.")
        note: str = Field(default="", description="A note.")

    @descriptions_from(Create)
    class Update(BaseModel):
        name: str | None = None
        note: str | None = Field(default=None, description="A new note.")

    properties = Update.model_json_schema()["properties"]
    assert properties["name"]["description"] == "The name."
    assert properties["note"]["description"] == "A new note."
