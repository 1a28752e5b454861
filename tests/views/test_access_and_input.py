"""Who may see the views, and clear 4xx answers to bad input."""

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Invalid
from app.services.views.params import view_params
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API

VIEWS = ["network", "community", "comparison", "comparison/history"]


async def test_private_domains_are_404_and_public_ones_members_only(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    outsider = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    private = await make_domain(session, convenor, visibility="private")
    public = await make_domain(session, convenor)
    await add_member(session, private, member)
    await add_member(session, public, member)
    for view in VIEWS:
        r = await client.get(f"{API}/domains/{private.slug}/views/{view}", headers=auth(outsider))
        assert r.status_code == 404, (view, r.text)
        r = await client.get(f"{API}/domains/{private.slug}/views/{view}")
        assert r.status_code == 404
        r = await client.get(f"{API}/domains/no-such-domain/views/{view}", headers=auth(member))
        assert r.status_code == 404
        r = await client.get(f"{API}/domains/{public.slug}/views/{view}", headers=auth(outsider))
        assert r.status_code == 403, (view, r.text)
        for person in (member, admin):
            r = await client.get(f"{API}/domains/{private.slug}/views/{view}", headers=auth(person))
            assert r.status_code == 200, (view, r.text)
    assert (await client.get(f"{API}/views/network")).status_code == 401
    r = await client.get(f"{API}/views/network", headers=auth(outsider))
    assert r.status_code == 200 and r.json()["domains"] == [] and r.json()["nodes"] == []


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        (
            {"since": "2025-06-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
            "since",
            "window_order",
        ),
        (
            {"since": "2010-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
            "since",
            "window_too_long",
        ),
        ({"layers": "reply,gossip"}, "layers", "unknown_layer"),
        ({"layers": "membership"}, "layers", "layer_scope"),
        ({"since": "0001-01-02T00:00:00Z", "until": "0001-02-01T00:00:00Z"}, "since", "window"),
    ],
)
async def test_bad_windows_and_layers(
    client: AsyncClient, session: AsyncSession, params: dict[str, str], field: str, code: str
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    r = await client.get(
        f"{API}/domains/{domain.slug}/views/network", params=params, headers=auth(convenor)
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"] == "/problems/validation-error"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]


async def test_other_bad_input(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    base = f"{API}/domains/{domain.slug}/views"
    headers = auth(convenor)
    for url, params in [
        (f"{base}/network", {"min_coattendance": "0"}),
        (f"{base}/network", {"format": "csv"}),
        (f"{base}/network", {"since": "yesterday"}),
        (f"{base}/community", {"since": "2025-06-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}),
        (f"{base}/comparison/history", {"interval": "fortnight"}),
        (
            f"{base}/comparison/history",
            {"since": "2016-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
        ),
        (f"{API}/views/network", {"min_shared_domains": "0"}),
    ]:
        r = await client.get(url, params=params, headers=headers)
        assert r.status_code == 422, (url, params, r.text)


def test_the_service_checks_what_graphql_will_send() -> None:
    """GraphQL calls the same parser, so its inputs get the same answers."""
    with pytest.raises(Invalid) as caught:
        view_params(layers=["reply", "nope"], min_coattendance=0)
    assert [e.field for e in caught.value.errors] == ["min_coattendance"]
    with pytest.raises(Invalid):
        view_params(layers=["nope"])
    assert view_params(layers=["endorsement, reply"]).layers == ("reply", "endorsement")
    defaults = view_params()
    assert (defaults.until - defaults.since).days == 180
    assert defaults.until.minute == 0 and defaults.until.second == 0
