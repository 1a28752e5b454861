"""The views over GraphQL: the same services and the same figures as REST."""

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth, gql, make_person
from tests.support import error_codes, gql_ok
from tests.views.support import World

PAST = datetime.now(UTC) - timedelta(days=20)

NETWORK = """query($slug: String!) { domain(slug: $slug) {
  networkView(layers: ["reply", "appreciation"]) {
    metrics { nodeCount edgeCount density transitivity reciprocity mainCore { k size } }
    nodes { id displayName degree betweenness participationLevel broker }
    links { source target weight layers { layer weight } } }
  communityView { community { contributors contributorAbsenceFactor } }
  comparison { quadrant networkScore { value } communityScore { value }
               recommendations { figure advice } }
  comparisonHistory { points { since } } } }"""


async def test_views_match_rest(client: AsyncClient, session: AsyncSession) -> None:
    world = await World.create(session, 4, names=list("ABCD"))
    a, b, c, d = world.people
    for u, v in [(a, b), (b, c), (c, a), (d, a)]:
        await world.reply(u, v, at=PAST)
    await world.appreciate(b, a, at=PAST)

    body = await gql(client, NETWORK, {"slug": world.domain.slug}, as_=a)
    data = gql_ok(body)["domain"]
    rest = (
        await client.get(
            f"/api/v1/domains/{world.domain.slug}/views/network",
            params={"layers": "reply,appreciation"},
            headers=auth(a),
        )
    ).json()
    graph = data["networkView"]
    assert graph["metrics"]["nodeCount"] == rest["metrics"]["node_count"] == 5
    assert graph["metrics"]["edgeCount"] == rest["metrics"]["edge_count"]
    assert graph["metrics"]["density"] == rest["metrics"]["density"]
    assert graph["metrics"]["reciprocity"] == rest["metrics"]["reciprocity"]
    assert {n["id"]: n["betweenness"] for n in graph["nodes"]} == {
        n["id"]: n["betweenness"] for n in rest["nodes"]
    }
    assert len(graph["links"]) == len(rest["links"])
    assert data["comparison"]["quadrant"] in {"community", "network", "both", "fragmented", None}
    assert data["communityView"]["community"]["contributors"] >= 1


async def test_outsiders_get_errors_not_views(client: AsyncClient, session: AsyncSession) -> None:
    world = await World.create(session, 2, visibility="private")
    outsider = await make_person(session)
    body = await gql(
        client,
        """query($slug: String!) { domain(slug: $slug) {
             networkView { metrics { nodeCount } } } }""",
        {"slug": world.domain.slug},
        as_=outsider,
    )
    assert error_codes(body) == ["NOT_FOUND"]
    bad = await gql(
        client,
        """query($slug: String!) { domain(slug: $slug) { networkView(layers: ["nope"]) {
             metrics { nodeCount } } } }""",
        {"slug": world.domain.slug},
        as_=world.convenor,
    )
    assert error_codes(bad) == ["BAD_USER_INPUT"]
