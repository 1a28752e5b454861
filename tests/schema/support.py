"""Helpers for the GraphQL tests."""

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.utils.str_converters import to_camel_case


def ok(body: dict[str, Any]) -> dict[str, Any]:
    """The data of a response that must have no errors."""
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    """The single error of a response that must have exactly one."""
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    error: dict[str, Any] = errors[0]
    return error


def field_errors(error: dict[str, Any]) -> dict[str, str]:
    """fieldErrors as {field: code}."""
    return {e["field"]: e["code"] for e in error["extensions"].get("fieldErrors", [])}


async def count(session: AsyncSession, model: type[SQLModel], *where: Any) -> int:
    result = await session.exec(select(func.count()).select_from(model).where(*where))
    return result.one()


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
