"""The permission matrix of the foundation, route by route and actor by actor.

`MATRIX_ROWS` is the single source: the test below checks every cell against the running
service, and `python -m tests.routers.test_permissions` prints it as the Markdown table
the README carries. A cell is one status, or `(public, private)` where the domain's
visibility matters; `N_A` where the actor cannot be the subject of the row. Each cell is
checked against a fresh world: one domain (open join policy) with a convenor and two
members, someone invited to it, plus an outsider, a platform admin, and a read and a
write API key."""

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.base import utcnow
from app.models.domains import Domain
from app.models.memberships import Membership, MembershipEvent
from app.models.people import AccountToken, AccountTokenPurpose, ApiKey, Person, RefreshToken
from app.services.people.auth import new_api_key, sha256
from tests.factories import auth, bearer

ACTORS = (
    "anonymous",
    "outsider",
    "invitee",
    "member",
    "convenor",
    "admin",
    "read key",
    "write key",
)

Cell = int | tuple[int, int] | None

V = "/api/v1"
D = "/domains/{slug}"
M = "/domains/{slug}/members"
P = "/people/{person_id}"
HIDE = (403, 404)  # outsiders see a public domain but may not act in it; a private one is not there
SEEN = (200, 404)
JOIN = (201, 404)  # an outsider joins an open public domain; a private one is not there
N_A = None

# Paths are under /api/v1. In member and people paths {person_id} is another active member.
# fmt: off
MATRIX_ROWS: list[tuple[str, str, str, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell]] = [
    # method   path                  what               anon out  invited member conv admin key:r w
    ("POST",   "/auth/register",     "sign up",          201, 201,  201, 201, 201, 201, 201, 201),
    ("POST",   "/auth/token",        "log in",           200, 200,  200, 200, 200, 200, 200, 200),
    ("POST",   "/auth/refresh",      "refresh tokens",   200, 200,  200, 200, 200, 200, 200, 200),
    ("POST",   "/auth/verify-email", "verify an email",  200, 200,  200, 200, 200, 200, 200, 200),
    ("POST", "/auth/verify-email/resend", "mail a link", 401, 409, 409, 409, 409, 409, 403, 403),
    ("POST",   "/auth/password-reset", "ask for a reset", 202, 202, 202, 202, 202, 202, 202, 202),
    ("POST", "/auth/password-reset/confirm", "reset", 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET",    "/people/me",         "my profile",       401, 200,  200, 200, 200, 200, 403, 403),
    ("PATCH",  "/people/me",         "edit my profile",  401, 200,  200, 200, 200, 200, 403, 403),
    ("GET",    "/people",            "list people",      401, 200,  200, 200, 200, 200, 200, 200),
    ("GET",    P,                    "a profile",        401, 404,  404, 200, 200, 200, 200, 200),
    ("GET",    P + "/memberships",   "their memberships", 401, 404, 404, 200, 200, 200, 200, 200),
    ("POST",   P + "/verify-email", "vouch for an email", 401, 403, 403, 403, 403, 200, 403, 403),
    ("POST",   "/api-keys",          "create a key",     401, 403,  403, 403, 403, 201, 403, 403),
    ("GET",    "/api-keys",          "list keys",        401, 403,  403, 403, 403, 200, 403, 403),
    ("PATCH",  "/api-keys/{key_id}", "change its limit", 401, 403,  403, 403, 403, 200, 403, 403),
    ("DELETE", "/api-keys/{key_id}", "revoke a key",     401, 403,  403, 403, 403, 200, 403, 403),
    ("POST",   "/domains",           "create a domain",  401, 201,  201, 201, 201, 201, 403, 201),
    ("GET",    "/domains",           "list domains",     200, 200,  200, 200, 200, 200, 200, 200),
    ("GET",    D,                    "read the domain",  SEEN, SEEN, 200, 200, 200, 200, 200, 200),
    ("PATCH",  D,                    "change it",        401, HIDE, HIDE, 403, 200, 200, 403, 200),
    ("DELETE", D,                    "archive it",       401, HIDE, HIDE, 403, 200, 200, 403, 200),
    ("GET",    M,                    "list members",     401, HIDE, HIDE, 200, 200, 200, 200, 200),
    ("POST",   M,                    "join (open)",      401, JOIN, 201, 409, 409, 201, 403, 422),
    ("POST",   M,                    "invite someone",   401, HIDE, HIDE, 403, 201, 201, 403, 201),
    ("GET",    M + "/{person_id}",   "read a membership", 401, HIDE, HIDE, 200, 200, 200, 200, 200),
    ("PATCH",  M + "/{person_id}",   "change roles",     401, HIDE, HIDE, 403, 200, 200, 403, 200),
    ("DELETE", M + "/{person_id}",   "remove a member",  401, HIDE, HIDE, 403, 200, 200, 403, 200),
    ("DELETE", M + "/{me}",          "leave (yourself)", 401, 404,  200, 200, 409, 404, N_A, N_A),
]
# fmt: on

BODIES: dict[str, dict[str, Any]] = {
    "edit my profile": {"bio": "Hello"},
    "create a key": {"name": "sync"},
    "change its limit": {"rate_limit_per_minute": 6000},
    "create a domain": {"name": "New domain"},
    "change it": {"purpose": "Changed"},
    "join (open)": {},
    "invite someone": {"person_id": "{newcomer}"},
    "change roles": {"roles": ["core"]},
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    case: str
    expect: dict[str, Cell]

    @property
    def route(self) -> str:
        return f"{self.method} {V}{self.path}"

    @property
    def body(self) -> dict[str, Any] | None:
        return BODIES.get(self.case)

    @property
    def per_domain(self) -> bool:
        """Rows that depend on the domain run against a public and a private one."""
        return "{slug}" in self.path or "{person_id}" in self.path or self.path == "/domains"


MATRIX = [
    Row(method, path, case, dict(zip(ACTORS, cells, strict=True)))
    for method, path, case, *cells in MATRIX_ROWS
]

# Whether the private domain appears in GET /domains for each actor (public ones always do).
PRIVATE_LISTED = {
    "anonymous": False,
    "outsider": False,
    "invitee": True,
    "member": True,
    "convenor": True,
    "admin": True,
    "read key": True,
    "write key": True,
}


def matrix_markdown() -> str:
    def cell(value: Cell) -> str:
        if value is None:
            return "n/a"
        if isinstance(value, tuple):
            return f"{value[0]} / {value[1]}" if value[0] != value[1] else str(value[0])
        return str(value)

    lines = [
        "| route | what | " + " | ".join(ACTORS) + " |",
        "|---|---|" + "---|" * len(ACTORS),
    ]
    for r in MATRIX:
        cells = " | ".join(cell(r.expect[a]) for a in ACTORS)
        lines.append(f"| `{r.method} {r.path}` | {r.case} | {cells} |")
    lines += [
        "",
        "`a / b`: the status for a public / a private domain (one number: the same for both).",
        "The member and the convenor belong to the domain, as does the person whose profile",
        "or membership is read; the invitee has a pending invitation to it; the outsider and",
        "the platform admin do not belong. API keys are platform-wide service accounts with no",
        "person behind them. A private domain answers 404 on every route to whoever may not",
        "see it, and `GET /domains` lists it only for its members and invitees, platform",
        "admins and API keys. An invitee sees the domain's card and answers their invitation",
        "(join: accept; leave: decline), nothing more. Writes by a read key are 403",
        "`insufficient-scope`; acting as a person with a key is 403 `person-required`.",
    ]
    return "\n".join(lines)


@dataclass
class World:
    """One domain with its people and keys; built fresh for every actor in a single commit."""

    domain: Domain
    people: dict[str, Person]
    keys: dict[str, str]
    spare_key_id: uuid.UUID
    refresh_token: str
    account_tokens: dict[str, str]
    password: str = "correct horse battery"
    login_email: str = field(default="")


_seq = itertools.count(1)
_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_PASSWORD_HASH = _CHEAP.hash("correct horse battery")


async def build_world(session: AsyncSession, visibility: str) -> World:
    n = next(_seq)
    people = {
        role: Person(
            email=f"{role}-{n}@example.org",
            display_name=f"{role.title()} {n}",
            is_platform_admin=role == "admin",
            password_hash=_PASSWORD_HASH if role == "login" else None,
            email_verified_at=utcnow(),
        )
        for role in (
            "outsider",
            "invitee",
            "member",
            "convenor",
            "admin",
            "peer",
            "newcomer",
            "login",
        )
    }
    session.add_all(people.values())
    await session.flush()
    domain = Domain(
        slug=f"domain-{n}", name=f"Domain {n}", visibility=visibility, join_policy="open"
    )
    session.add(domain)
    await session.flush()
    now = utcnow()
    memberships = [
        Membership(
            domain_id=domain.id,
            person_id=people[role].id,
            status="active",
            roles=["member", "convenor"] if role == "convenor" else ["member"],
            joined_at=now,
        )
        for role in ("convenor", "member", "peer")
    ]
    invitation = Membership(
        domain_id=domain.id, person_id=people["invitee"].id, status="invited", roles=["member"]
    )
    keys: dict[str, str] = {}
    key_rows: list[ApiKey] = []
    for name, scopes in (("read key", ["read"]), ("write key", ["write"]), ("spare", ["read"])):
        secret, prefix, key_hash = new_api_key()
        keys[name] = secret
        key_rows.append(ApiKey(name=name, prefix=prefix, key_hash=key_hash, scopes=scopes))
    refresh = f"refresh-{uuid.uuid4()}"
    session.add_all([*memberships, invitation, *key_rows])
    session.add(
        RefreshToken(
            person_id=people["login"].id,
            token_hash=sha256(refresh),
            expires_at=now.replace(year=now.year + 1),
        )
    )
    account_tokens = {purpose: f"{purpose}-{uuid.uuid4()}" for purpose in AccountTokenPurpose}
    session.add_all(
        AccountToken(
            person_id=people["login"].id,
            purpose=purpose,
            token_hash=sha256(secret),
            expires_at=now.replace(year=now.year + 1),
        )
        for purpose, secret in account_tokens.items()
    )
    await session.flush()
    session.add_all(
        MembershipEvent(membership_id=m.id, kind="joined", status="active", roles=m.roles)
        for m in memberships
    )
    session.add(
        MembershipEvent(
            membership_id=invitation.id,
            kind="invited",
            status="invited",
            roles=invitation.roles,
            actor_id=people["convenor"].id,
        )
    )
    await session.commit()
    return World(
        domain=domain,
        people=people,
        keys=keys,
        spare_key_id=key_rows[-1].id,
        refresh_token=refresh,
        account_tokens=account_tokens,
        login_email=people["login"].email,
    )


def headers_for(world: World, actor: str) -> dict[str, str]:
    if actor == "anonymous":
        return {}
    if actor in world.keys:
        return bearer(world.keys[actor])
    return auth(world.people[actor])


async def call(client: AsyncClient, world: World, r: Row, actor: str) -> Any:
    me = world.people.get(actor)
    path = V + r.path.format(
        slug=world.domain.slug,
        person_id=world.people["peer"].id,
        me=me.id if me else uuid.uuid4(),
        key_id=world.spare_key_id,
    )
    headers = headers_for(world, actor)
    if r.path == "/auth/register":
        email = f"new-{uuid.uuid4()}@example.org"
        sign_up = {"email": email, "password": "long enough", "display_name": "N"}
        return await client.post(path, json=sign_up, headers=headers)
    if r.path == "/auth/token":
        form = {"username": world.login_email, "password": world.password}
        return await client.post(path, data=form, headers=headers)
    if r.path == "/auth/refresh":
        return await client.post(path, json={"refresh_token": world.refresh_token}, headers=headers)
    if r.path == "/auth/verify-email":
        token = world.account_tokens[AccountTokenPurpose.verify_email]
        return await client.post(path, json={"token": token}, headers=headers)
    if r.path == "/auth/password-reset":
        return await client.post(path, json={"email": world.login_email}, headers=headers)
    if r.path == "/auth/password-reset/confirm":
        token = world.account_tokens[AccountTokenPurpose.reset_password]
        body = {"token": token, "new_password": "another long one"}
        return await client.post(path, json=body, headers=headers)
    body = r.body
    if body is not None and body.get("person_id") == "{newcomer}":
        body = {**body, "person_id": str(world.people["newcomer"].id)}
    params = {"limit": 100} if r.method == "GET" and r.path == "/domains" else None
    return await client.request(r.method, path, json=body, headers=headers, params=params)


CASES = [
    pytest.param(r, visibility, id=f"{r.method} {r.path} [{r.case}] {visibility}")
    for r in MATRIX
    for visibility in (("public", "private") if r.per_domain else ("public",))
]


@pytest.mark.parametrize(("r", "visibility"), CASES)
async def test_permission_matrix(
    client: AsyncClient, session: AsyncSession, r: Row, visibility: str
) -> None:
    wrong: list[str] = []
    world = await build_world(session, visibility)
    for actor in ACTORS:
        cell = r.expect[actor]
        if cell is None:
            continue
        expected = cell if isinstance(cell, int) else cell[visibility == "private"]
        if r.method != "GET":  # a write may change what the next actor meets
            world = await build_world(session, visibility)
        response = await call(client, world, r, actor)
        if response.status_code != expected:
            wrong.append(
                f"{actor}: expected {expected}, got {response.status_code} {response.text}"
            )
            continue
        if expected == 404 and r.per_domain:
            assert response.json()["type"] == "/problems/not-found"
        if r.method == "GET" and r.path == "/domains":
            listed = world.domain.slug in {d["slug"] for d in response.json()["items"]}
            if listed != (visibility == "public" or PRIVATE_LISTED[actor]):
                wrong.append(f"{actor}: listed={listed} for a {visibility} domain")
    assert not wrong, f"{r.route} ({r.case}, {visibility}):\n" + "\n".join(wrong)


FOUNDATION_TAGS = {"auth", "people", "api keys", "domains", "memberships"}


def test_the_matrix_covers_every_foundation_route(app: Any) -> None:
    operations = {
        f"{method.upper()} {path}"
        for path, ops in app.openapi()["paths"].items()
        for method, op in ops.items()
        if FOUNDATION_TAGS & set(op.get("tags", []))
    }
    covered = {r.route.replace("{me}", "{person_id}") for r in MATRIX}
    assert operations - covered == set()
    assert covered - operations == set()


if __name__ == "__main__":
    print(matrix_markdown())
