"""REST and GraphQL are two doors onto the same services: the same reads give the same data."""

from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Role
from app.models.people import Person
from tests.factories import add_member, auth, gql, make_domain, make_person
from tests.support import assert_same, gql_ok

DOMAIN_FIELDS = """uuid slug name purpose description goals boundaries themes visibility joinPolicy
  maxActiveMembers lifecycleStage timezone codeOfConduct createdAt updatedAt archivedAt
  version parent { uuid } invitation { invitedAt invitedById invitedByName roles }"""
MEMBERSHIP_FIELDS = """uuid domainId personId status roles createdAt updatedAt joinedAt leftAt
  conductAcceptedAt version"""
PERSON_FIELDS = "uuid displayName bio expertise timezone createdAt updatedAt version"


async def _community(session: AsyncSession) -> tuple[Person, list[Person]]:
    amara = await make_person(session, display_name="Amara", expertise=["pain"], bio="Nurse")
    parent = await make_domain(session, amara, name="Nursing")
    domain = await make_domain(
        session,
        amara,
        name="Palliative Care",
        purpose="Share what works.",
        goals=["Meet monthly"],
        themes=["pain", "families"],
        visibility="private",
        join_policy="request",
        max_active_members=40,
        lifecycle_stage="coalescing",
        timezone="Europe/Amsterdam",
        parent_slug=parent.slug,
    )
    others = [await make_person(session, display_name=f"Member {i}") for i in range(5)]
    for i, person in enumerate(others):
        roles = [Role.member, Role.core] if i % 2 else None
        await add_member(
            session, domain, person, roles=roles, status="invited" if i == 4 else "active"
        )
    return amara, others


def _rest_parent(rest: dict[str, Any]) -> dict[str, Any] | None:
    parent_id = rest.pop("parent_id")
    return {"uuid": parent_id} if parent_id else None


async def test_domain(client: AsyncClient, session: AsyncSession) -> None:
    amara, _ = await _community(session)
    rest = (await client.get("/api/v1/domains/palliative-care", headers=auth(amara))).json()
    graph = gql_ok(
        await gql(client, f'{{ domain(slug: "palliative-care") {{ {DOMAIN_FIELDS} }} }}', as_=amara)
    )["domain"]
    assert graph["parent"] == _rest_parent(rest)
    assert_same(rest, graph)


async def test_domains_list(client: AsyncClient, session: AsyncSession) -> None:
    amara, _ = await _community(session)
    rest = (await client.get("/api/v1/domains", headers=auth(amara))).json()["items"]
    graph = gql_ok(await gql(client, f"{{ domains {{ nodes {{ {DOMAIN_FIELDS} }} }} }}", as_=amara))
    nodes = graph["domains"]["nodes"]
    assert [d["id"] for d in rest] == [d["uuid"] for d in nodes]
    for r, g in zip(rest, nodes, strict=True):
        assert g["parent"] == _rest_parent(r)
        assert_same(r, g)


async def _rest_pages(client: AsyncClient, url: str, viewer: Person) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(url, params=params, headers=auth(viewer))).json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def _graph_pages(
    client: AsyncClient, query: str, path: list[str], viewer: Person, **variables: Any
) -> list[list[dict[str, Any]]]:
    pages, after = [], None
    while True:
        data: Any = gql_ok(await gql(client, query, {**variables, "after": after}, as_=viewer))
        for key in path:
            data = data[key]
        pages.append(data["nodes"])
        if not data["pageInfo"]["hasNextPage"]:
            return pages
        after = data["pageInfo"]["endCursor"]


async def test_members_page_by_page(client: AsyncClient, session: AsyncSession) -> None:
    amara, _ = await _community(session)
    rest = await _rest_pages(client, "/api/v1/domains/palliative-care/members", amara)
    query = f"""query($after: String) {{ domain(slug: "palliative-care") {{
      members(first: 2, after: $after) {{ nodes {{ {MEMBERSHIP_FIELDS} }}
        pageInfo {{ hasNextPage endCursor }} }} }} }}"""
    graph = await _graph_pages(client, query, ["domain", "members"], amara)
    assert [len(p) for p in rest] == [len(p) for p in graph] == [2, 2, 2]
    for rest_page, graph_page in zip(rest, graph, strict=True):
        for r, g in zip(rest_page, graph_page, strict=True):
            assert_same(r, g)


async def test_members_as_a_plain_member(client: AsyncClient, session: AsyncSession) -> None:
    """A member sees active members only, through either door."""
    _, others = await _community(session)
    viewer = others[0]
    rest = (
        await client.get("/api/v1/domains/palliative-care/members", headers=auth(viewer))
    ).json()["items"]
    graph = gql_ok(
        await gql(
            client,
            f"""{{ domain(slug: "palliative-care") {{
                  members {{ nodes {{ {MEMBERSHIP_FIELDS} }} }} }} }}""",
            as_=viewer,
        )
    )["domain"]["members"]["nodes"]
    assert len(rest) == 5  # the convenor and four active members; not the invitation
    assert [r["id"] for r in rest] == [g["uuid"] for g in graph]
    for r, g in zip(rest, graph, strict=True):
        assert_same(r, g)


async def test_person_and_me(client: AsyncClient, session: AsyncSession) -> None:
    amara, others = await _community(session)
    viewer = others[1]
    rest = (await client.get(f"/api/v1/people/{amara.id}", headers=auth(viewer))).json()
    graph = gql_ok(
        await gql(client, f'{{ person(id: "{amara.id}") {{ {PERSON_FIELDS} }} }}', as_=viewer)
    )["person"]
    assert_same(rest, graph)

    rest_me = (await client.get("/api/v1/people/me", headers=auth(amara))).json()
    graph_me = gql_ok(
        await gql(client, f"{{ me {{ {PERSON_FIELDS} email emailVerifiedAt }} }}", as_=amara)
    )["me"]
    assert_same(
        rest_me,
        graph_me,
        skip=frozenset({"is_platform_admin", "is_active", "share_participation"}),
    )


async def test_people_list(client: AsyncClient, session: AsyncSession) -> None:
    amara, _ = await _community(session)
    rest = await _rest_pages(client, "/api/v1/people", amara)
    query = f"""query($after: String) {{ people(first: 2, after: $after) {{
      nodes {{ {PERSON_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    graph = await _graph_pages(client, query, ["people"], amara)
    flat_rest = [p for page in rest for p in page]
    flat_graph = [p for page in graph for p in page]
    assert len(flat_rest) == 5  # not the invitee: a convenor sees them once they accept
    assert [p["id"] for p in flat_rest] == [p["uuid"] for p in flat_graph]
    for r, g in zip(flat_rest, flat_graph, strict=True):
        assert_same(r, g)


async def test_person_memberships(client: AsyncClient, session: AsyncSession) -> None:
    amara, others = await _community(session)
    # Yourself; a fellow member. Someone only invited is not seen at all (404 through both
    # doors): an invitation does not show the convenor who they are.
    invitee = others[4]
    problem = await client.get(f"/api/v1/people/{invitee.id}/memberships", headers=auth(amara))
    assert problem.status_code == 404
    nobody = await gql(client, f'{{ person(id: "{invitee.id}") {{ id }} }}', as_=amara)
    assert [e["extensions"]["code"] for e in nobody["errors"]] == ["NOT_FOUND"]
    for viewer, person, seen in [(amara, amara, 2), (others[0], amara, 1)]:
        rest = (
            await client.get(f"/api/v1/people/{person.id}/memberships", headers=auth(viewer))
        ).json()["items"]
        graph = gql_ok(
            await gql(
                client,
                f"""{{ person(id: "{person.id}") {{
                      memberships {{ nodes {{ {MEMBERSHIP_FIELDS} }} }} }} }}""",
                as_=viewer,
            )
        )["person"]["memberships"]["nodes"]
        assert len(rest) == seen, (viewer.display_name, person.display_name)
        assert [r["id"] for r in rest] == [g["uuid"] for g in graph]
        for r, g in zip(rest, graph, strict=True):
            assert_same(r, g)


async def test_membership_detail(client: AsyncClient, session: AsyncSession) -> None:
    amara, others = await _community(session)
    person = others[1]
    rest = (
        await client.get(
            f"/api/v1/domains/palliative-care/members/{person.id}", headers=auth(amara)
        )
    ).json()
    graph = gql_ok(
        await gql(
            client,
            f"""{{ membership(slug: "palliative-care", personId: "{person.id}") {{
                  {MEMBERSHIP_FIELDS} history {{ kind status roles actorId at }} }} }}""",
            as_=amara,
        )
    )["membership"]
    history = rest.pop("history")
    assert_same(rest, graph)
    assert len(history) == len(graph["history"]) == 1
    for r, g in zip(history, graph["history"], strict=True):
        assert_same(r, g)
