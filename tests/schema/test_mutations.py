"""Every mutation, through the GraphQL endpoint, checked against what is then stored."""

from httpx import AsyncClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Membership
from app.models.people import ApiKey, Person
from tests.factories import add_member, gql, make_domain, make_person
from tests.support import gql_ok, only_error

REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  ... on Person { id email displayName timezone expertise } } }"""
LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken tokenType expiresIn } }"""
REFRESH = """mutation($token: String!) { refreshToken(refreshToken: $token) {
  accessToken refreshToken } }"""


async def test_register_login_refresh(client: AsyncClient, session: AsyncSession) -> None:
    registered = gql_ok(
        await gql(
            client,
            REGISTER,
            {
                "input": {
                    "email": "Ada@Example.org",
                    "password": "correct horse battery",
                    "displayName": "Ada",
                    "timezone": "Europe/London",
                    "expertise": ["Analytics"],
                }
            },
        )
    )["register"]
    assert registered["email"] == "ada@example.org"
    assert registered["timezone"] == "Europe/London"
    assert registered["expertise"] == ["analytics"]

    pair = gql_ok(
        await gql(client, LOGIN, {"email": "ada@example.org", "password": "correct horse battery"})
    )["login"]
    assert pair["tokenType"] == "bearer"
    assert pair["expiresIn"] > 0
    headers = {"Authorization": f"Bearer {pair['accessToken']}"}
    me = gql_ok(await gql(client, "{ me { id } }", headers=headers))["me"]
    assert me["id"] == registered["id"]

    fresh = gql_ok(await gql(client, REFRESH, {"token": pair["refreshToken"]}))["refreshToken"]
    assert fresh["refreshToken"] != pair["refreshToken"]
    headers = {"Authorization": f"Bearer {fresh['accessToken']}"}
    assert (
        gql_ok(await gql(client, "{ me { id } }", headers=headers))["me"]["id"] == registered["id"]
    )
    # A retry moments later gets the same successor; once that is used, nothing.
    again = gql_ok(await gql(client, REFRESH, {"token": pair["refreshToken"]}))["refreshToken"]
    assert again["refreshToken"] == fresh["refreshToken"]
    gql_ok(await gql(client, REFRESH, {"token": fresh["refreshToken"]}))
    late = await gql(client, REFRESH, {"token": pair["refreshToken"]})
    assert only_error(late)["extensions"]["code"] == "UNAUTHENTICATED"


UPDATE_ME = """mutation($input: PersonUpdateInput!) { updateMe(input: $input) {
  displayName bio expertise timezone } }"""


async def test_update_me(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session, display_name="Amara", bio="old")
    body = await gql(
        client,
        UPDATE_ME,
        {
            "input": {
                "bio": "Hospice nurse",
                "expertise": ["Pain", "pain"],
                "timezone": "Asia/Tokyo",
            }
        },
        as_=amara,
    )
    assert gql_ok(body)["updateMe"] == {
        "displayName": "Amara",
        "bio": "Hospice nurse",
        "expertise": ["pain"],
        "timezone": "Asia/Tokyo",
    }
    await session.refresh(amara)
    assert (amara.bio, amara.timezone) == ("Hospice nurse", "Asia/Tokyo")


CREATE_KEY = """mutation($input: ApiKeyInput!) { createApiKey(input: $input) {
  uuid name scopes key revokedAt } }"""
REVOKE_KEY = "mutation($id: UUID!) { revokeApiKey(id: $id) { id revokedAt } }"


async def test_api_key_lifecycle(client: AsyncClient, session: AsyncSession) -> None:
    admin = await make_person(session, is_platform_admin=True)
    amara = await make_person(session)
    await make_domain(session, amara, name="Quiet Room", visibility="private")
    created = gql_ok(
        await gql(client, CREATE_KEY, {"input": {"name": "LMS", "scopes": ["read"]}}, as_=admin)
    )["createApiKey"]
    assert created["scopes"] == ["read"]
    stored = await session.get(ApiKey, created["uuid"])
    assert stored is not None
    assert stored.key_hash not in created["key"]  # stored hashed, not as the secret

    # The key is a service account: it reads everything, private domains included.
    key_headers = {"Authorization": f"Bearer {created['key']}"}
    slugs = gql_ok(await gql(client, "{ domains { nodes { slug } } }", headers=key_headers))
    assert slugs["domains"]["nodes"] == [{"slug": "quiet-room"}]

    revoked = gql_ok(await gql(client, REVOKE_KEY, {"id": created["uuid"]}, as_=admin))[
        "revokeApiKey"
    ]
    assert revoked["revokedAt"] is not None
    refused = await gql(client, "{ domains { nodes { slug } } }", headers=key_headers)
    assert only_error(refused)["extensions"]["code"] == "UNAUTHENTICATED"


CREATE_DOMAIN = """mutation($input: DomainCreateInput!) { createDomain(input: $input) {
  slug name goals themes visibility joinPolicy maxActiveMembers lifecycleStage timezone
  parent { slug } members { nodes { roles person { uuid } } } } }"""


async def test_create_domain_makes_you_convenor(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Nursing")
    body = await gql(
        client,
        CREATE_DOMAIN,
        {
            "input": {
                "name": "Palliative Care Nurses",
                "goals": ["Meet monthly", "Meet monthly"],
                "themes": ["pain"],
                "visibility": "private",
                "joinPolicy": "invite",
                "maxActiveMembers": 12,
                "lifecycleStage": "coalescing",
                "timezone": "Europe/Amsterdam",
                "parentSlug": "nursing",
                "purpose": None,
            }
        },
        as_=amara,
    )
    domain = gql_ok(body)["createDomain"]
    assert domain["slug"] == "palliative-care-nurses"
    assert domain["goals"] == ["Meet monthly"]
    assert (domain["visibility"], domain["joinPolicy"]) == ("private", "invite")
    assert (domain["maxActiveMembers"], domain["lifecycleStage"]) == (12, "coalescing")
    assert domain["parent"] == {"slug": "nursing"}
    assert domain["members"]["nodes"] == [
        {"roles": ["member", "convenor"], "person": {"uuid": str(amara.id)}}
    ]


UPDATE_DOMAIN = """mutation($slug: String!, $input: DomainUpdateInput!) {
  updateDomain(slug: $slug, input: $input) {
    slug name lifecycleStage maxActiveMembers parent { slug } } }"""


async def test_update_domain(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Nursing")
    await make_domain(session, amara, name="Wound Care", max_active_members=10)
    body = await gql(
        client,
        UPDATE_DOMAIN,
        {
            "slug": "wound-care",
            "input": {
                "name": "Wound & Skin Care",
                "slug": "wound-skin",
                "lifecycleStage": "maturing",
                "maxActiveMembers": None,
                "parentSlug": "nursing",
            },
        },
        as_=amara,
    )
    assert gql_ok(body)["updateDomain"] == {
        "slug": "wound-skin",
        "name": "Wound & Skin Care",
        "lifecycleStage": "maturing",
        "maxActiveMembers": None,
        "parent": {"slug": "nursing"},
    }
    # null clears the parent
    body = await gql(
        client, UPDATE_DOMAIN, {"slug": "wound-skin", "input": {"parentSlug": None}}, as_=amara
    )
    assert gql_ok(body)["updateDomain"]["parent"] is None


async def test_archive_domain_hides_it_but_keeps_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, amara, name="Wound Care")
    await add_member(session, domain, mei)
    body = await gql(
        client, 'mutation { archiveDomain(slug: "wound-care") { archivedAt } }', as_=amara
    )
    assert gql_ok(body)["archiveDomain"]["archivedAt"] is not None
    listed = gql_ok(await gql(client, "{ domains { nodes { slug } } }", as_=amara))
    assert listed["domains"]["nodes"] == []
    # Its convenor can still read it; a member no longer can.
    query = '{ domain(slug: "wound-care") { slug archivedAt } }'
    assert gql_ok(await gql(client, query, as_=amara))["domain"]["slug"] == "wound-care"
    assert only_error(await gql(client, query, as_=mei))["extensions"]["code"] == "NOT_FOUND"
    await session.refresh(domain)
    assert domain.archived_at is not None


JOIN = "mutation($slug: String!) { joinDomain(slug: $slug) { status roles history { kind } } }"
UPDATE_MEMBERSHIP = """mutation($slug: String!, $personId: UUID!, $input: MembershipUpdateInput!) {
  updateMembership(slug: $slug, personId: $personId, input: $input) {
    status roles history { kind } } }"""
END = """mutation($slug: String!, $personId: UUID!) {
  endMembership(slug: $slug, personId: $personId) { status leftAt history { kind } } }"""
INVITE = """mutation($slug: String!, $personId: UUID!, $roles: [Role!]) {
  inviteMember(slug: $slug, personId: $personId, roles: $roles) { status roles } }"""


async def test_join_open_domain_leave_and_rejoin(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    await make_domain(session, amara, name="Wound Care")
    joined = gql_ok(await gql(client, JOIN, {"slug": "wound-care"}, as_=mei))["joinDomain"]
    assert joined == {"status": "active", "roles": ["member"], "history": [{"kind": "joined"}]}

    left = gql_ok(await gql(client, END, {"slug": "wound-care", "personId": str(mei.id)}, as_=mei))[
        "endMembership"
    ]
    assert left["status"] == "left"
    assert left["leftAt"] is not None

    rejoined = gql_ok(await gql(client, JOIN, {"slug": "wound-care"}, as_=mei))["joinDomain"]
    assert rejoined["status"] == "active"
    assert [h["kind"] for h in rejoined["history"]] == ["joined", "left", "rejoined"]


async def test_request_then_approval(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    await make_domain(session, amara, name="Wound Care", join_policy="request")
    asked = gql_ok(await gql(client, JOIN, {"slug": "wound-care"}, as_=mei))["joinDomain"]
    assert asked["status"] == "requested"
    approved = gql_ok(
        await gql(
            client,
            UPDATE_MEMBERSHIP,
            {"slug": "wound-care", "personId": str(mei.id), "input": {"status": "active"}},
            as_=amara,
        )
    )["updateMembership"]
    assert approved["status"] == "active"
    assert [h["kind"] for h in approved["history"]] == ["requested", "approved"]


async def test_invite_accept_and_change_roles(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    await make_domain(session, amara, name="Wound Care", join_policy="invite")
    invited = gql_ok(
        await gql(
            client,
            INVITE,
            {"slug": "wound-care", "personId": str(mei.id), "roles": ["core"]},
            as_=amara,
        )
    )["inviteMember"]
    assert invited == {"status": "invited", "roles": ["member", "core"]}

    accepted = gql_ok(
        await gql(
            client,
            UPDATE_MEMBERSHIP,
            {"slug": "wound-care", "personId": str(mei.id), "input": {"status": "active"}},
            as_=mei,
        )
    )["updateMembership"]
    assert accepted["status"] == "active"

    promoted = gql_ok(
        await gql(
            client,
            UPDATE_MEMBERSHIP,
            {
                "slug": "wound-care",
                "personId": str(mei.id),
                "input": {"roles": ["convenor", "knowledge_broker"]},
            },
            as_=amara,
        )
    )["updateMembership"]
    assert promoted["roles"] == ["member", "convenor", "knowledge_broker"]
    assert [h["kind"] for h in promoted["history"]] == ["invited", "joined", "roles_changed"]


async def test_convenor_removes_a_member(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, amara, name="Wound Care")
    await add_member(session, domain, mei)
    removed = gql_ok(
        await gql(client, END, {"slug": "wound-care", "personId": str(mei.id)}, as_=amara)
    )["endMembership"]
    assert removed["status"] == "removed"
    stored = (
        await session.exec(select(Membership).where(col(Membership.person_id) == mei.id))
    ).one()
    await session.refresh(stored)
    assert stored.status == "removed"


async def test_register_stores_a_hash_not_the_password(
    client: AsyncClient, session: AsyncSession
) -> None:
    gql_ok(
        await gql(
            client,
            REGISTER,
            {
                "input": {
                    "email": "k@example.org",
                    "password": "s3cret-pass-phrase",
                    "displayName": "K",
                }
            },
        )
    )
    person = (await session.exec(select(Person).where(col(Person.email) == "k@example.org"))).one()
    assert person.password_hash is not None
    assert person.password_hash.startswith("$argon2")


CONDUCT = "Be kind. What is shared here stays here."


async def test_code_of_conduct_is_accepted_on_joining(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    kofi = await make_person(session)
    body = await gql(
        client,
        """mutation($c: String!) { createDomain(input: {name: "Wound Care", codeOfConduct: $c}) {
             codeOfConduct } }""",
        {"c": CONDUCT},
        as_=amara,
    )
    assert gql_ok(body)["createDomain"]["codeOfConduct"] == CONDUCT

    refused = await gql(client, JOIN, {"slug": "wound-care"}, as_=mei)
    error = only_error(refused)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fieldErrors"][0]["field"] == "acceptCodeOfConduct"
    joined = await gql(
        client,
        """mutation { joinDomain(slug: "wound-care", acceptCodeOfConduct: true) {
             status conductAcceptedAt } }""",
        as_=mei,
    )
    assert gql_ok(joined)["joinDomain"]["status"] == "active"
    assert gql_ok(joined)["joinDomain"]["conductAcceptedAt"] is not None

    # An invitee accepts the code when accepting the invitation.
    gql_ok(await gql(client, INVITE, {"slug": "wound-care", "personId": str(kofi.id)}, as_=amara))
    accept = {"slug": "wound-care", "personId": str(kofi.id), "input": {"status": "active"}}
    refused = await gql(client, UPDATE_MEMBERSHIP, accept, as_=kofi)
    assert only_error(refused)["extensions"]["code"] == "BAD_USER_INPUT"
    accept["input"]["acceptCodeOfConduct"] = True  # type: ignore[index]
    assert (
        gql_ok(await gql(client, UPDATE_MEMBERSHIP, accept, as_=kofi))["updateMembership"]["status"]
        == "active"
    )


async def test_code_of_conduct_can_be_changed_not_nulled(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    await make_domain(session, amara, name="Wound Care")
    body = await gql(
        client,
        UPDATE_DOMAIN.replace("parent { slug }", "parent { slug } codeOfConduct"),
        {"slug": "wound-care", "input": {"codeOfConduct": CONDUCT}},
        as_=amara,
    )
    assert gql_ok(body)["updateDomain"]["codeOfConduct"] == CONDUCT
    body = await gql(
        client,
        UPDATE_DOMAIN,
        {"slug": "wound-care", "input": {"codeOfConduct": None}},
        as_=amara,
    )
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fieldErrors"] == [
        {"field": "codeOfConduct", "message": "may not be null", "code": "null"}
    ]
