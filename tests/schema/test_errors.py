"""Every error path carries a stable extensions.code; none is an internal error."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Role
from app.models.people import Person
from tests.factories import SECRET, add_member, gql, make_domain, make_person, new_id
from tests.support import field_errors, gql_ok, only_error


def code(body: dict[str, Any]) -> str:
    error = only_error(body)
    result: str = error["extensions"]["code"]
    return result


def problem_type(body: dict[str, Any]) -> str:
    result: str = only_error(body)["extensions"]["problemType"]
    return result


# --- NOT_FOUND: a private domain looks exactly like one that does not exist ---------------

HIDDEN = "quiet-room"
MISSING = "no-such-room"

SLUG_OPERATIONS = [
    "query($slug: String!) { domain(slug: $slug) { id } }",
    "query($slug: String!) { domains(parent: $slug) { nodes { id } } }",
    "query($slug: String!, $pid: UUID!) { membership(slug: $slug, personId: $pid) { id } }",
    "mutation($slug: String!) { joinDomain(slug: $slug) { id } }",
    'mutation($slug: String!) { updateDomain(slug: $slug, input: {name: "X"}) { id } }',
    "mutation($slug: String!) { archiveDomain(slug: $slug) { id } }",
    "mutation($slug: String!, $pid: UUID!) { inviteMember(slug: $slug, personId: $pid) { id } }",
    """mutation($slug: String!, $pid: UUID!) {
         updateMembership(slug: $slug, personId: $pid, input: {status: left}) { id } }""",
    "mutation($slug: String!, $pid: UUID!) { endMembership(slug: $slug, personId: $pid) { id } }",
]


def _without_slug(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True).replace(HIDDEN, "SLUG").replace(MISSING, "SLUG")


@pytest.mark.parametrize("operation", SLUG_OPERATIONS)
@pytest.mark.parametrize("who", ["outsider", "anonymous"])
async def test_private_domain_is_indistinguishable_from_a_missing_one(
    client: AsyncClient, session: AsyncSession, operation: str, who: str
) -> None:
    convenor = await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, convenor, name="Quiet Room", visibility="private")
    assert domain.slug == HIDDEN
    viewer = outsider if who == "outsider" else None
    variables = {"pid": str(convenor.id)}
    hidden = await gql(client, operation, {**variables, "slug": HIDDEN}, as_=viewer)
    missing = await gql(client, operation, {**variables, "slug": MISSING}, as_=viewer)
    assert code(hidden) == "NOT_FOUND"
    assert _without_slug(hidden) == _without_slug(missing)


async def test_unknown_membership_and_api_key_are_not_found(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    await make_domain(session, amara, name="Wound Care")
    body = await gql(
        client,
        'query($pid: UUID!) { membership(slug: "wound-care", personId: $pid) { id } }',
        {"pid": new_id()},
        as_=amara,
    )
    assert code(body) == "NOT_FOUND"
    body = await gql(
        client, "mutation($id: UUID!) { revokeApiKey(id: $id) { id } }", {"id": new_id()}, as_=admin
    )
    assert code(body) == "NOT_FOUND"


# --- FORBIDDEN --------------------------------------------------------------------------


async def test_member_may_not_manage_the_domain(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, amara, name="Wound Care")
    await add_member(session, domain, mei)
    body = await gql(
        client,
        'mutation { updateDomain(slug: "wound-care", input: {name: "Mine"}) { id } }',
        as_=mei,
    )
    assert code(body) == "FORBIDDEN"
    body = await gql(client, 'mutation { archiveDomain(slug: "wound-care") { id } }', as_=mei)
    assert code(body) == "FORBIDDEN"
    body = await gql(
        client,
        """mutation($pid: UUID!) { updateMembership(slug: "wound-care", personId: $pid,
             input: {roles: [member]}) { id } }""",
        {"pid": str(amara.id)},
        as_=mei,
    )
    assert code(body) == "FORBIDDEN"


async def test_outsider_may_read_a_public_domain_but_not_its_members(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    outsider = await make_person(session)
    await make_domain(session, amara, name="Wound Care")
    body = await gql(
        client, '{ domain(slug: "wound-care") { slug members { nodes { id } } } }', as_=outsider
    )
    assert body["data"] == {"domain": {"slug": "wound-care", "members": None}}
    error = only_error(body)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"] == ["domain", "members"]


async def test_only_admins_handle_api_keys(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    assert code(await gql(client, "{ apiKeys { nodes { id } } }", as_=amara)) == "FORBIDDEN"
    body = await gql(client, 'mutation { createApiKey(input: {name: "x"}) { id } }', as_=amara)
    assert code(body) == "FORBIDDEN"
    body = await gql(
        client, "mutation($id: UUID!) { revokeApiKey(id: $id) { id } }", {"id": new_id()}, as_=amara
    )
    assert code(body) == "FORBIDDEN"


async def test_invitation_only_domain_refuses_a_join(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    await make_domain(session, amara, name="Wound Care", join_policy="invite")
    body = await gql(client, 'mutation { joinDomain(slug: "wound-care") { id } }', as_=mei)
    assert code(body) == "FORBIDDEN"
    assert problem_type(body) == "/problems/invitation-required"


async def test_api_keys_are_limited_by_scope_and_have_no_self(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    created = gql_ok(
        await gql(
            client,
            'mutation { createApiKey(input: {name: "reader", scopes: [read]}) { key } }',
            as_=admin,
        )
    )
    headers = {"Authorization": f"Bearer {created['createApiKey']['key']}"}
    body = await gql(
        client, 'mutation { createDomain(input: {name: "Bots"}) { id } }', headers=headers
    )
    assert code(body) == "FORBIDDEN"
    assert problem_type(body) == "/problems/insufficient-scope"
    body = await gql(client, "{ me { id } }", headers=headers)
    assert code(body) == "FORBIDDEN"
    assert problem_type(body) == "/problems/person-required"


# --- UNAUTHENTICATED --------------------------------------------------------------------

NEEDS_IDENTITY = [
    "{ me { id } }",
    "{ people { nodes { id } } }",
    'query { person(id: "00000000-0000-0000-0000-000000000000") { id } }',
    "{ apiKeys { nodes { id } } }",
    'mutation { createDomain(input: {name: "X"}) { id } }',
    'mutation { updateMe(input: {bio: "x"}) { id } }',
    'mutation { createApiKey(input: {name: "x"}) { id } }',
]


@pytest.mark.parametrize("operation", NEEDS_IDENTITY)
async def test_no_token_is_unauthenticated(client: AsyncClient, operation: str) -> None:
    assert code(await gql(client, operation)) == "UNAUTHENTICATED"


def _expired_token(person: Person) -> str:
    past = datetime.now(UTC) - timedelta(hours=1)
    claims = {"sub": str(person.id), "typ": "access", "iat": past, "exp": past}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def _foreign_token(person: Person) -> str:
    claims = {"sub": str(person.id), "typ": "access", "exp": datetime.now(UTC) + timedelta(hours=1)}
    return jwt.encode(claims, "another-secret-key-that-is-long-enough-000", algorithm="HS256")


@pytest.mark.parametrize("kind", ["junk", "expired", "foreign", "unknown-key"])
@pytest.mark.parametrize("operation", ["{ me { id } }", "{ domains { nodes { slug } } }"])
async def test_a_bad_token_is_unauthenticated_even_for_public_data(
    client: AsyncClient, session: AsyncSession, kind: str, operation: str
) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Wound Care")
    token = {
        "junk": "not-a-token",
        "expired": _expired_token(amara),
        "foreign": _foreign_token(amara),
        "unknown-key": "cop_deadbeef_nothing",
    }[kind]
    body = await gql(client, operation, headers={"Authorization": f"Bearer {token}"})
    assert code(body) == "UNAUTHENTICATED"
    assert problem_type(body) == "/problems/invalid-token"


async def test_wrong_password_and_bad_refresh_token(
    client: AsyncClient, session: AsyncSession
) -> None:
    await make_person(session, email="amara@example.org")  # no password set
    body = await gql(
        client,
        'mutation { login(email: "amara@example.org", password: "guess-guess") { accessToken } }',
    )
    assert code(body) == "UNAUTHENTICATED"
    assert problem_type(body) == "/problems/invalid-credentials"
    body = await gql(client, 'mutation { refreshToken(refreshToken: "nope") { accessToken } }')
    assert code(body) == "UNAUTHENTICATED"


# --- BAD_USER_INPUT ---------------------------------------------------------------------


async def test_bad_timezone(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    body = await gql(
        client, 'mutation { updateMe(input: {timezone: "Mars/Olympus_Mons"}) { id } }', as_=amara
    )
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "timezone" in field_errors(error)


async def test_bad_slug_and_field_names_in_graphql_spelling(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    body = await gql(
        client,
        """mutation { createDomain(input: {name: "X", slug: "Bad Slug!", maxActiveMembers: 0,
             goals: [""]}) { id } }""",
        as_=amara,
    )
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(field_errors(error)) == {"slug", "maxActiveMembers", "goals.0"}


@pytest.mark.parametrize(
    "operation",
    [
        "{ domains(first: 0) { nodes { id } } }",
        "{ domains(first: 101) { nodes { id } } }",
        "{ people(first: -1) { nodes { id } } }",
        "{ apiKeys(first: 0) { nodes { id } } }",
        "{ me { memberships(first: 0) { nodes { id } } } }",
    ],
)
async def test_page_size_out_of_range(
    client: AsyncClient, session: AsyncSession, operation: str
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    error = only_error(await gql(client, operation, as_=admin))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert field_errors(error) == {"first": "invalid"}


async def test_nested_page_size_out_of_range_nulls_only_that_field(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Wound Care")
    body = await gql(
        client,
        '{ domain(slug: "wound-care") { slug members(first: 0) { nodes { id } } } }',
        as_=amara,
    )
    assert body["data"] == {"domain": {"slug": "wound-care", "members": None}}
    assert field_errors(only_error(body)) == {"first": "invalid"}


async def test_bad_cursor(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Wound Care")
    body = await gql(client, '{ domains(after: "garbage") { nodes { id } } }')
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert field_errors(error) == {"cursor": "invalid"}
    # In a nested connection, the bad cursor fails that field alone, not its batch-mates.
    body = await gql(
        client,
        """{ domain(slug: "wound-care") {
             good: members { nodes { id } } bad: members(after: "garbage") { nodes { id } } } }""",
        as_=amara,
    )
    assert len(body["data"]["domain"]["good"]["nodes"]) == 1
    assert body["data"]["domain"]["bad"] is None
    assert only_error(body)["path"] == ["domain", "bad"]


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        ("query($id: UUID!) { person(id: $id) { id } }", {"id": "not-a-uuid"}),
        ("query($v: Visibility) { domains(visibility: $v) { nodes { id } } }", {"v": "secret"}),
        ("query($n: Int) { domains(first: $n) { nodes { id } } }", {"n": 2**40}),
        ("query($id: UUID!) { person(id: $id) { id } }", {}),
    ],
)
async def test_bad_variables(
    client: AsyncClient, session: AsyncSession, operation: str, variables: dict[str, Any]
) -> None:
    amara = await make_person(session)
    assert code(await gql(client, operation, variables, as_=amara)) == "BAD_USER_INPUT"


async def test_register_with_bad_input(client: AsyncClient) -> None:
    body = await gql(
        client,
        """mutation { register(input: {email: "not-an-email", password: "short",
             displayName: "", timezone: "Nowhere/Land"}) { __typename } }""",
    )
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(field_errors(error)) == {"email", "password", "displayName", "timezone"}


async def test_text_the_database_refuses(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    body = await gql(
        client,
        "mutation($bio: String!) { updateMe(input: {bio: $bio}) { id } }",
        {"bio": "nul \u0000 byte"},
        as_=amara,
    )
    assert code(body) == "BAD_USER_INPUT"


async def test_unknown_parent_is_bad_input(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    body = await gql(
        client,
        'mutation { createDomain(input: {name: "X", parentSlug: "nowhere"}) { id } }',
        as_=amara,
    )
    assert field_errors(only_error(body)) == {"parentSlug": "not_found"}


# --- CONFLICT ---------------------------------------------------------------------------


async def test_domain_full(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    await make_domain(session, amara, name="Wound Care", max_active_members=1)
    body = await gql(client, 'mutation { joinDomain(slug: "wound-care") { id } }', as_=mei)
    assert code(body) == "CONFLICT"
    assert problem_type(body) == "/problems/domain-full"


async def test_last_convenor_cannot_leave_or_step_down(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Wound Care")
    variables = {"pid": str(amara.id)}
    leave = 'mutation($pid: UUID!) { endMembership(slug: "wound-care", personId: $pid) { id } }'
    body = await gql(client, leave, variables, as_=amara)
    assert code(body) == "CONFLICT"
    assert problem_type(body) == "/problems/last-convenor"
    step_down = """mutation($pid: UUID!) {
      updateMembership(slug: "wound-care", personId: $pid, input: {roles: [member]}) { id } }"""
    body = await gql(client, step_down, variables, as_=amara)
    assert problem_type(body) == "/problems/last-convenor"


async def test_second_convenor_lets_the_first_step_down(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, amara, name="Wound Care")
    await add_member(session, domain, mei, roles=[Role.member, Role.convenor])
    leave = 'mutation($pid: UUID!) { endMembership(slug: "wound-care", personId: $pid) { status } }'
    body = await gql(client, leave, {"pid": str(amara.id)}, as_=amara)
    assert gql_ok(body)["endMembership"]["status"] == "left"


async def test_duplicate_slug_email_and_membership(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session, email="amara@example.org")
    await make_domain(session, amara, name="Wound Care")
    await make_domain(session, amara, name="Night Shift")
    body = await gql(
        client,
        'mutation { createDomain(input: {name: "Y", slug: "wound-care"}) { id } }',
        as_=amara,
    )
    assert code(body) == "CONFLICT"
    assert problem_type(body) == "/problems/slug-taken"
    body = await gql(
        client,
        'mutation { updateDomain(slug: "night-shift", input: {slug: "wound-care"}) { id } }',
        as_=amara,
    )
    assert problem_type(body) == "/problems/slug-taken"
    body = await gql(
        client,
        """mutation { register(input: {email: "AMARA@example.org", password: "long enough pass",
             displayName: "Again"}) { __typename } }""",
    )
    assert code(body) == "CONFLICT"
    assert problem_type(body) == "/problems/email-taken"
    body = await gql(client, 'mutation { joinDomain(slug: "wound-care") { id } }', as_=amara)
    assert problem_type(body) == "/problems/already-member"


# --- transport-level client mistakes are never a 500 ------------------------------------


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"query": 42}', "application/json"),
        (b'{"variables": {}}', "application/json"),
        (b'{"query": "{ __typename }", "variables": "nope"}', "application/json"),
        (b"query=%7B__typename%7D", "text/plain"),
    ],
)
async def test_malformed_requests_are_client_errors(
    client: AsyncClient, payload: bytes, content_type: str
) -> None:
    response = await client.post(
        "/graphql", content=payload, headers={"Content-Type": content_type}
    )
    assert 400 <= response.status_code < 500, response.text


async def test_mutation_over_get_is_refused(client: AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": 'mutation { joinDomain(slug: "x") { id } }'}
    )
    assert 400 <= response.status_code < 500, response.text
