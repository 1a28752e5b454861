"""Helpers for the GraphQL tests."""

from datetime import datetime
from typing import Any

from strawberry.utils.str_converters import to_camel_case


def _same_value(key: str, rest: Any, graph: Any) -> bool:
    if (key == "at" or key.endswith("_at")) and isinstance(rest, str) and isinstance(graph, str):
        return datetime.fromisoformat(rest) == datetime.fromisoformat(graph)
    return bool(rest == graph)


def assert_same(
    rest: dict[str, Any], graph: dict[str, Any], *, skip: frozenset[str] = frozenset()
) -> None:
    """Every field REST returned has the same value in the GraphQL answer (in camelCase;
    REST's `id` is GraphQL's `uuid`, GraphQL's `id` being the global one). Timestamps are
    compared as instants: the two serialise them differently."""
    for key, value in rest.items():
        if key in skip:
            continue
        camel = "uuid" if key == "id" else to_camel_case(key)
        assert camel in graph, f"GraphQL lacks {camel}"
        assert _same_value(key, value, graph[camel]), (key, value, graph[camel])
