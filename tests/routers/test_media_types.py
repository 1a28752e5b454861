"""A body in a media type the operation does not read is 415 (RFC 9110 15.5.16), not a
422 that blames its fields: JSON operations read `application/json` and the `+json`
types (JSON merge patch among them), the token endpoint a form, the members import CSV
or JSON. The contract documents 415 on exactly the operations that take a body."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.main import create_app
from tests.factories import SECRET, auth, make_domain, make_person
from tests.support import API, ok, problem


def unsupported(response: Any, sent: str) -> None:
    body = problem(response, 415, "unsupported-media-type")
    assert body["errors"][0]["field"] == "Content-Type"
    assert sent in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"name": "Plain"}'),
        ("application/x-www-form-urlencoded", b"name=Form"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="name"'),
        ("application/xml", b"<domain><name>X</name></domain>"),
        ("", b'{"name": "No type"}'),
    ],
)
async def test_a_json_operation_refuses_other_media_types(
    client: AsyncClient, session: AsyncSession, content_type: str, content: bytes
) -> None:
    person = await make_person(session)
    headers = {**auth(person), "Content-Type": content_type}
    response = await client.post(f"{API}/domains", content=content, headers=headers)
    unsupported(response, content_type.split(";")[0] or "none")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"],
)
async def test_json_and_json_based_types_are_read(
    client: AsyncClient, session: AsyncSession, content_type: str
) -> None:
    person = await make_person(session)
    domain = await make_domain(session, person)
    response = await client.patch(
        f"{API}/domains/{domain.slug}",
        content=b'{"purpose": "Merge-patched"}',
        headers={**auth(person), "Content-Type": content_type},
    )
    assert ok(response)["purpose"] == "Merge-patched"


async def test_an_empty_body_is_judged_by_the_operation_not_its_type(
    client: AsyncClient, session: AsyncSession
) -> None:
    """No body, whatever its declared type: nothing to refuse for its media type. An
    operation whose body is optional runs; one that needs it says so (422)."""
    person = await make_person(session)
    headers = {**auth(person), "Content-Type": "text/plain"}
    response = await client.post(f"{API}/domains", content=b"", headers=headers)
    problem(response, 422, "validation-error")


async def test_the_token_endpoint_reads_a_form_only(client: AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/token",
        content=b"--x\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    unsupported(response, "multipart/form-data")
    response = await client.post(f"{API}/auth/token", data={"username": "x@example.org"})
    problem(response, 422, "validation-error")  # a form, but without its password


async def test_the_members_import_reads_csv_or_json(
    client: AsyncClient, session: AsyncSession
) -> None:
    person = await make_person(session)
    domain = await make_domain(session, person)
    response = await client.post(
        f"{API}/domains/{domain.slug}/members/import",
        content=b"ada@example.org",
        headers={**auth(person), "Content-Type": "text/plain"},
    )
    problem(response, 415, "unsupported-media-type")


def test_the_contract_documents_415_where_a_body_is_read() -> None:
    spec = create_app(Settings(environment="test", secret_key=SECRET)).openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            takes_body = "requestBody" in operation
            assert ("415" in operation["responses"]) == takes_body, (method, path)
