"""Every query and every nested field, read through the GraphQL endpoint."""

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Role
from app.models.people import Person
from tests.factories import add_member, gql, make_domain, make_person
from tests.support import gql_ok, only_error

ME = """{ me { uuid email displayName bio expertise timezone
  memberships { nodes { status roles domain { slug } } } } }"""


async def test_me(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(
        session, display_name="Amara", bio="Hospice nurse", expertise=["pain"], timezone="UTC"
    )
    await make_domain(session, amara, name="Bedside Care")
    me = gql_ok(await gql(client, ME, as_=amara))["me"]
    assert me == {
        "uuid": str(amara.id),
        "email": amara.email,
        "displayName": "Amara",
        "bio": "Hospice nurse",
        "expertise": ["pain"],
        "timezone": "UTC",
        "memberships": {
            "nodes": [
                {
                    "status": "active",
                    "roles": ["member", "convenor"],
                    "domain": {"slug": "bedside-care"},
                }
            ]
        },
    }


PERSON = "query($id: UUID!) { person(id: $id) { uuid displayName email } }"


async def test_person_email_only_for_self_and_admins(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session, display_name="Amara")
    mei = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    domain = await make_domain(session, amara)
    await add_member(session, domain, mei)

    seen_by_mei = gql_ok(await gql(client, PERSON, {"id": str(amara.id)}, as_=mei))["person"]
    assert seen_by_mei == {"uuid": str(amara.id), "displayName": "Amara", "email": None}
    by_self = gql_ok(await gql(client, PERSON, {"id": str(amara.id)}, as_=amara))["person"]
    assert by_self["email"] == amara.email
    by_admin = gql_ok(await gql(client, PERSON, {"id": str(amara.id)}, as_=admin))["person"]
    assert by_admin["email"] == amara.email


async def test_person_outside_your_domains_is_not_found(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    stranger = await make_person(session)
    body = await gql(client, PERSON, {"id": str(stranger.id)}, as_=amara)
    assert only_error(body)["extensions"]["code"] == "NOT_FOUND"
    assert body["data"] == {"person": None}


PEOPLE = """query($q: String, $expertise: String) {
  people(q: $q, expertise: $expertise) { nodes { id displayName } } }"""


async def test_people_lists_who_you_may_see_and_filters(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session, display_name="Amara")
    mei = await make_person(session, display_name="Mei", bio="night shift", expertise=["triage"])
    await make_person(session, display_name="Stranger", expertise=["triage"])
    domain = await make_domain(session, amara)
    await add_member(session, domain, mei)

    async def names(**variables: str) -> list[str]:
        data = gql_ok(await gql(client, PEOPLE, variables, as_=amara))
        return [p["displayName"] for p in data["people"]["nodes"]]

    assert await names() == ["Amara", "Mei"]
    assert await names(expertise="triage") == ["Mei"]
    assert await names(q="night") == ["Mei"]
    assert await names(q="Stranger") == []


DOMAIN = """query($slug: String!) { domain(slug: $slug) {
  id slug name purpose description goals boundaries themes visibility joinPolicy
  maxActiveMembers lifecycleStage timezone createdAt updatedAt archivedAt parent { slug } } }"""


async def test_domain_by_slug(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    parent = await make_domain(session, amara, name="Nursing")
    await make_domain(
        session,
        amara,
        name="Palliative Care",
        purpose="Share what works at the bedside.",
        description="Monthly calls.",
        goals=["Meet monthly"],
        boundaries="Registered nurses.",
        themes=["pain", "families"],
        join_policy="request",
        max_active_members=40,
        lifecycle_stage="coalescing",
        timezone="Europe/Amsterdam",
        parent_slug=parent.slug,
    )
    domain = gql_ok(await gql(client, DOMAIN, {"slug": "palliative-care"}))["domain"]
    assert domain["slug"] == "palliative-care"
    assert domain["purpose"] == "Share what works at the bedside."
    assert domain["description"] == "Monthly calls."
    assert domain["goals"] == ["Meet monthly"]
    assert domain["boundaries"] == "Registered nurses."
    assert domain["themes"] == ["pain", "families"]
    assert (domain["visibility"], domain["joinPolicy"]) == ("public", "request")
    assert (domain["maxActiveMembers"], domain["lifecycleStage"]) == (40, "coalescing")
    assert domain["timezone"] == "Europe/Amsterdam"
    assert domain["archivedAt"] is None
    assert domain["parent"] == {"slug": "nursing"}


DOMAINS = """query($q: String, $theme: String, $visibility: Visibility, $mine: Boolean! = false,
  $stage: LifecycleStage, $parent: String) {
  domains(q: $q, theme: $theme, visibility: $visibility, mine: $mine, lifecycleStage: $stage,
          parent: $parent) { nodes { slug } } }"""


async def test_domains_shows_what_you_may_see_and_filters(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    await make_domain(session, amara, name="Wound Care", themes=["skin"], purpose="Dressings")
    await make_domain(session, amara, name="Quiet Room", visibility="private")
    await make_domain(session, mei, name="Night Shift", lifecycle_stage="maturing")
    sub = await make_domain(session, mei, name="Night Shift North", parent_slug="night-shift")
    assert sub.parent_id is not None

    async def slugs(viewer: Person | None = None, **variables: object) -> list[str]:
        data = gql_ok(await gql(client, DOMAINS, variables, as_=viewer))
        return [d["slug"] for d in data["domains"]["nodes"]]

    assert await slugs() == ["wound-care", "night-shift", "night-shift-north"]
    assert await slugs(amara) == ["wound-care", "quiet-room", "night-shift", "night-shift-north"]
    assert await slugs(amara, q="dressings") == ["wound-care"]
    assert await slugs(amara, theme="skin") == ["wound-care"]
    assert await slugs(amara, visibility="private") == ["quiet-room"]
    assert await slugs(amara, mine=True) == ["wound-care", "quiet-room"]
    assert await slugs(amara, stage="maturing") == ["night-shift"]
    assert await slugs(amara, parent="night-shift") == ["night-shift-north"]


MEMBERSHIP = """query($slug: String!, $personId: UUID!) {
  membership(slug: $slug, personId: $personId) {
    status roles joinedAt leftAt person { uuid } domain { slug }
    history { kind status roles } } }"""


async def test_membership_with_history(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, amara, name="Wound Care")
    await add_member(session, domain, mei, roles=[Role.member, Role.core])
    body = await gql(client, MEMBERSHIP, {"slug": "wound-care", "personId": str(mei.id)}, as_=amara)
    membership = gql_ok(body)["membership"]
    assert membership["status"] == "active"
    assert membership["roles"] == ["member", "core"]
    assert membership["person"] == {"uuid": str(mei.id)}
    assert membership["domain"] == {"slug": "wound-care"}
    assert membership["history"] == [
        {"kind": "joined", "status": "active", "roles": ["member", "core"]}
    ]


API_KEYS = "{ apiKeys { nodes { name prefix scopes key revokedAt } } }"


async def test_api_keys_for_admins(client: AsyncClient, session: AsyncSession) -> None:
    admin = await make_person(session, is_platform_admin=True)
    created = gql_ok(
        await gql(
            client,
            'mutation { createApiKey(input: {name: "LMS sync", scopes: [read, write]}) { key } }',
            as_=admin,
        )
    )
    assert created["createApiKey"]["key"].startswith("cop_")
    keys = gql_ok(await gql(client, API_KEYS, as_=admin))["apiKeys"]["nodes"]
    assert len(keys) == 1
    # The secret is shown once, when the key is created; never when listed.
    assert keys[0]["key"] is None
    assert keys[0]["name"] == "LMS sync"
    assert keys[0]["scopes"] == ["read", "write"]
    assert created["createApiKey"]["key"].startswith(f"cop_{keys[0]['prefix']}_")


MEMBERS = """query($slug: String!, $status: MembershipStatus, $role: Role) {
  domain(slug: $slug) { members(status: $status, role: $role) {
    nodes { status roles person { displayName } } } } }"""


async def test_domain_members_with_filters(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session, display_name="Amara")
    mei = await make_person(session, display_name="Mei")
    kofi = await make_person(session, display_name="Kofi")
    domain = await make_domain(session, amara, name="Wound Care")
    await add_member(session, domain, mei, roles=[Role.member, Role.knowledge_broker])
    await add_member(session, domain, kofi, status="invited")

    async def members(viewer: Person, **variables: str) -> list[tuple[str, str]]:
        body = await gql(client, MEMBERS, {"slug": "wound-care", **variables}, as_=viewer)
        nodes = gql_ok(body)["domain"]["members"]["nodes"]
        return [(n["person"] and n["person"]["displayName"], n["status"]) for n in nodes]

    # A convenor sees invitations, but not who holds one until they accept; a member sees
    # active members only.
    assert await members(amara) == [("Amara", "active"), ("Mei", "active"), (None, "invited")]
    assert await members(mei) == [("Amara", "active"), ("Mei", "active")]
    assert await members(amara, status="invited") == [(None, "invited")]
    assert await members(amara, role="knowledge_broker") == [("Mei", "active")]
    assert await members(amara, role="convenor") == [("Amara", "active")]


async def test_parent_that_you_may_not_see_is_null(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    outsider = await make_person(session)
    await make_domain(session, amara, name="Quiet Room", visibility="private")
    await make_domain(session, amara, name="Open Corner", parent_slug="quiet-room")
    body = await gql(client, DOMAIN, {"slug": "open-corner"}, as_=outsider)
    assert gql_ok(body)["domain"]["parent"] is None
    body = await gql(client, DOMAIN, {"slug": "open-corner"}, as_=amara)
    assert gql_ok(body)["domain"]["parent"] == {"slug": "quiet-room"}


PERSON_MEMBERSHIPS = """query($id: UUID!) { person(id: $id) {
  memberships { nodes { status domain { slug } person { displayName } } } } }"""


async def test_person_memberships_only_where_you_share_a_domain(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session, display_name="Mei")
    shared = await make_domain(session, amara, name="Wound Care")
    await add_member(session, shared, mei)
    await make_domain(session, mei, name="Mei Private", visibility="private")
    await make_domain(session, mei, name="Mei Public")

    body = await gql(client, PERSON_MEMBERSHIPS, {"id": str(mei.id)}, as_=amara)
    nodes = gql_ok(body)["person"]["memberships"]["nodes"]
    assert nodes == [
        {"status": "active", "domain": {"slug": "wound-care"}, "person": {"displayName": "Mei"}}
    ]
    body = await gql(client, PERSON_MEMBERSHIPS, {"id": str(mei.id)}, as_=mei)
    slugs = [n["domain"]["slug"] for n in gql_ok(body)["person"]["memberships"]["nodes"]]
    assert slugs == ["wound-care", "mei-private", "mei-public"]


async def test_membership_person_domain_and_history_nested(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session, display_name="Amara")
    mei = await make_person(session, display_name="Mei")
    domain = await make_domain(session, amara, name="Wound Care")
    await add_member(session, domain, mei)
    body = await gql(
        client,
        """{ domain(slug: "wound-care") { members { nodes {
             person { displayName email } domain { slug } history { kind actorId } } } } }""",
        as_=amara,
    )
    nodes = gql_ok(body)["domain"]["members"]["nodes"]
    assert nodes == [
        {
            "person": {"displayName": "Amara", "email": amara.email},
            "domain": {"slug": "wound-care"},
            "history": [{"kind": "joined", "actorId": str(amara.id)}],
        },
        {
            "person": {"displayName": "Mei", "email": None},
            "domain": {"slug": "wound-care"},
            "history": [{"kind": "joined", "actorId": None}],
        },
    ]
