"""Contributions over REST: each kind and its shape rules, who may contribute, edit and
archive, drafts, the edit history, threads, the list's filters and sorts with keyset
pagination, and appreciations on people's profiles."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import (
    Contribution,
    ContributionKind,
    ContributionRevision,
    ModerationEvent,
)
from app.models.gatherings import GatheringCreate
from app.models.memberships import Role
from app.services.gatherings import scheduling
from tests.factories import (
    Community,
    actor_of,
    add_member,
    auth,
    bearer,
    community,
    contribute,
    item,
    make_domain,
    make_key,
    make_person,
    post,
    set_columns,
)
from tests.support import API, count, fetch, listed, ok, problem


def valid(kind: ContributionKind, c: Community, parent: dict[str, Any]) -> dict[str, Any]:
    """A minimal valid payload for each kind."""
    fields: dict[str, Any] = {"kind": kind.value, "body": f"About {kind.value}"}
    if kind not in (ContributionKind.answer, ContributionKind.reply):
        fields["title"] = f"A {kind.value}"
    if kind == ContributionKind.resource:
        fields["url"] = "https://example.org/template.docx"
    if kind in (ContributionKind.answer, ContributionKind.reply):
        fields["parent_id"] = parent["id"]
    if kind == ContributionKind.appreciation:
        fields["recipient_ids"] = [str(c.bob.id)]
    return fields


async def test_every_kind_can_be_contributed(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.bob, kind="question", title="How?")
    for kind in ContributionKind:
        fields = valid(kind, c, question)
        made = ok(await post(client, c.domain, c.alice, **fields), 201)
        assert made["kind"] == kind.value
        assert made["author_id"] == str(c.alice.id)
        assert made["domain_id"] == str(c.domain.id)
        assert made["status"] == "published"
        assert made["title"] == fields.get("title")
        read = ok(await fetch(client, made["id"], c.bob))
        assert read == made
    assert await count(session, Contribution) == len(ContributionKind) + 1


async def test_fields_are_stored_as_given(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    body = "# Heading\n\n<b>bold</b> and *markdown*, stored as written"
    made = await contribute(
        client,
        c.domain,
        c.alice,
        kind="resource",
        title="  Handover template  ",
        body=body,
        url="http://example.org/t",
        tags=["Handover", "handover", "  Nights "],
        themes=["pain"],
    )
    assert made["title"] == "Handover template"
    assert made["body"] == body
    assert made["url"] == "http://example.org/t"
    assert made["tags"] == ["handover", "nights"]
    assert made["themes"] == ["pain"]
    assert made["edited_at"] is None and made["answer_count"] == 0


async def test_answers_and_replies_need_no_title(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.alice, kind="question", title="Q")
    story = await contribute(client, c.domain, c.alice)
    answer = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    assert answer["title"] is None
    # Replies attach to anything in the same domain, replies included.
    for parent in (question, story, answer):
        reply = await contribute(client, c.domain, c.bob, kind="reply", parent_id=parent["id"])
        assert reply["parent_id"] == parent["id"]
        nested = await contribute(client, c.domain, c.alice, kind="reply", parent_id=reply["id"])
        assert nested["parent_id"] == reply["id"]


async def test_limits_are_inclusive(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    made = await contribute(
        client, c.domain, c.alice, body="x" * 100_000, tags=[f"t{i}" for i in range(20)]
    )
    assert len(made["body"]) == 100_000 and len(made["tags"]) == 20


Case = Callable[[Community, dict[str, Any]], dict[str, Any]]

BAD_INPUT: dict[str, tuple[Case, str]] = {
    "story without a title": (lambda c, x: {"kind": "story", "body": "b"}, "title"),
    "blank title": (lambda c, x: {"kind": "lesson", "title": "   "}, "title"),
    "question without a title": (lambda c, x: {"kind": "question", "body": "?"}, "title"),
    "resource without a url": (lambda c, x: {"kind": "resource", "title": "T"}, "url"),
    "ftp url": (
        lambda c, x: {"kind": "resource", "title": "T", "url": "ftp://example.org/f"},
        "url",
    ),
    "javascript url": (
        lambda c, x: {"kind": "resource", "title": "T", "url": "javascript:alert(1)"},
        "url",
    ),
    "not a url": (lambda c, x: {"kind": "resource", "title": "T", "url": "example"}, "url"),
    "url too long": (
        lambda c, x: {"kind": "resource", "title": "T", "url": "https://e.org/" + "a" * 2100},
        "url",
    ),
    "answer without a parent": (lambda c, x: {"kind": "answer", "body": "b"}, "parent_id"),
    "reply without a parent": (lambda c, x: {"kind": "reply", "body": "b"}, "parent_id"),
    "answer to a story": (
        lambda c, x: {"kind": "answer", "body": "b", "parent_id": x["story"]},
        "parent_id",
    ),
    "answer to an answer": (
        lambda c, x: {"kind": "answer", "body": "b", "parent_id": x["answer"]},
        "parent_id",
    ),
    "answer to another domain's question": (
        lambda c, x: {"kind": "answer", "body": "b", "parent_id": x["elsewhere"]},
        "parent_id",
    ),
    "reply to another domain's contribution": (
        lambda c, x: {"kind": "reply", "body": "b", "parent_id": x["elsewhere"]},
        "parent_id",
    ),
    "reply to nothing": (
        lambda c, x: {"kind": "reply", "body": "b", "parent_id": str(uuid.uuid4())},
        "parent_id",
    ),
    "reply to someone else's draft": (
        lambda c, x: {"kind": "reply", "body": "b", "parent_id": x["draft"]},
        "parent_id",
    ),
    "parent on a story": (
        lambda c, x: {"kind": "story", "title": "T", "parent_id": x["question"]},
        "parent_id",
    ),
    "appreciation without recipients": (
        lambda c, x: {"kind": "appreciation", "title": "Thanks"},
        "recipient_ids",
    ),
    "appreciation of an outsider": (
        lambda c, x: {"kind": "appreciation", "title": "T", "recipient_ids": [str(c.outsider.id)]},
        "recipient_ids",
    ),
    "appreciation of a former member": (
        lambda c, x: {"kind": "appreciation", "title": "T", "recipient_ids": [x["former"]]},
        "recipient_ids",
    ),
    "appreciation of an invitee": (
        lambda c, x: {"kind": "appreciation", "title": "T", "recipient_ids": [x["invitee"]]},
        "recipient_ids",
    ),
    "appreciation of nobody known": (
        lambda c, x: {"kind": "appreciation", "title": "T", "recipient_ids": [str(uuid.uuid4())]},
        "recipient_ids",
    ),
    "recipients on a story": (
        lambda c, x: {"kind": "story", "title": "T", "recipient_ids": [str(c.bob.id)]},
        "recipient_ids",
    ),
    "a theme the domain does not have": (
        lambda c, x: {"kind": "story", "title": "T", "themes": ["pain", "astrology"]},
        "themes",
    ),
    "another domain's gathering": (
        lambda c, x: {"kind": "story", "title": "T", "gathering_id": x["gathering"]},
        "gathering_id",
    ),
    "no such gathering": (
        lambda c, x: {"kind": "story", "title": "T", "gathering_id": str(uuid.uuid4())},
        "gathering_id",
    ),
    "body over 100 kB": (
        lambda c, x: {"kind": "story", "title": "T", "body": "x" * 100_001},
        "body",
    ),
    "21 tags": (
        lambda c, x: {"kind": "story", "title": "T", "tags": [f"t{i}" for i in range(21)]},
        "tags",
    ),
    "a tag too long": (lambda c, x: {"kind": "story", "title": "T", "tags": ["x" * 65]}, "tags.0"),
    "unknown kind": (lambda c, x: {"kind": "rant", "title": "T"}, "kind"),
    "no kind": (lambda c, x: {"title": "T"}, "kind"),
    "created archived": (
        lambda c, x: {"kind": "story", "title": "T", "status": "archived"},
        "status",
    ),
    "title too long": (lambda c, x: {"kind": "story", "title": "T" * 301}, "title"),
}


async def test_bad_input_is_refused_and_nothing_is_written(
    client: AsyncClient, session: AsyncSession
) -> None:
    """One community for every case (setting one up per case would be slow); each case
    is checked on its own and all failures are reported together."""
    c = await community(session)
    other_convenor = await make_person(session)
    other = await make_domain(session, other_convenor)
    await add_member(session, other, c.alice)
    former, invitee = await make_person(session), await make_person(session)
    await add_member(session, c.domain, former, status="left")
    await add_member(session, c.domain, invitee, status="invited")
    gathering = await scheduling.create_gathering(
        session,
        actor_of(other_convenor),
        other.slug,
        GatheringCreate(
            title="Elsewhere",
            start=datetime(2030, 5, 1, 18),
            timezone="Europe/London",
            duration_minutes=60,
        ),
    )
    question = await contribute(client, c.domain, c.bob, kind="question", title="Q?")
    answer = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    context = {
        "question": question["id"],
        "story": (await contribute(client, c.domain, c.bob))["id"],
        "answer": answer["id"],
        "draft": (await contribute(client, c.domain, c.bob, status="draft"))["id"],
        "elsewhere": (await contribute(client, other, c.alice, kind="question", title="Q"))["id"],
        "former": str(former.id),
        "invitee": str(invitee.id),
        "gathering": str(gathering.id),
    }
    before = await count(session, Contribution)
    failures: list[tuple[object, ...]] = []
    for case, (build, field) in BAD_INPUT.items():
        response = await post(client, c.domain, c.alice, **build(c, context))
        fields = {e["field"] for e in response.json().get("errors", [])}
        if response.status_code != 422 or field not in fields:
            failures.append((case, response.status_code, response.text[:300]))
        if await count(session, Contribution) != before:
            failures.append((case, "wrote a row"))
            before = await count(session, Contribution)
    assert failures == []
    parent = ok(await fetch(client, question["id"], c.alice))
    assert parent["answer_count"] == 1


async def test_several_shape_errors_are_reported_together(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    body = problem(
        await post(client, c.domain, c.alice, kind="resource", themes=["nope"]),
        422,
        "validation-error",
    )
    assert {e["field"] for e in body["errors"]} >= {"title", "url", "themes"}


async def test_only_active_members_contribute(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    private = await make_domain(session, c.convenor, visibility="private")
    invitee, former, requester = [await make_person(session) for _ in range(3)]
    await add_member(session, c.domain, invitee, status="invited")
    await add_member(session, c.domain, former, status="left")
    await add_member(session, c.domain, requester, status="requested")
    story = {"kind": "story", "title": "Mine"}
    problem(await post(client, c.domain, c.outsider, **story), 403, "forbidden")
    for person in (invitee, former, requester):
        problem(await post(client, c.domain, person, **story), 403, "forbidden")
    problem(await post(client, private, c.outsider, **story), 404, "not-found")
    problem(await client.post(c.contributions, json=story), 401, "unauthenticated")
    assert await count(session, Contribution) == 0
    # Reading a public domain needs no membership, nor even an account.
    made = await contribute(client, c.domain, c.alice)
    assert ok(await client.get(item(made["id"])))["id"] == made["id"]
    assert await listed(client, c.domain, None) == [made["id"]]
    assert await listed(client, c.domain, c.outsider) == [made["id"]]


async def test_a_private_domain_hides_its_contributions(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session, visibility="private")
    made = await contribute(client, c.domain, c.alice, kind="question", title="Secret")
    for path in ("", "/thread", "/revisions", "/endorsements"):
        problem(await client.get(item(made["id"], path), headers=auth(c.outsider)), 404)
        problem(await client.get(item(made["id"], path)), 404)
    problem(await client.get(c.contributions, headers=auth(c.outsider)), 404)
    problem(await client.patch(item(made["id"]), json={"body": "x"}, headers=auth(c.outsider)), 404)
    problem(await client.delete(item(made["id"]), headers=auth(c.outsider)), 404)
    unknown = await client.get(item(uuid.uuid4()), headers=auth(c.outsider))
    assert (
        problem(unknown, 404)["detail"]
        == problem(await client.get(item(made["id"]), headers=auth(c.outsider)), 404)["detail"]
    )


async def test_authors_edit_their_own_and_every_edit_is_kept(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    made = await contribute(
        client, c.domain, c.alice, kind="lesson", title="v1", body="first", tags=["a"]
    )
    for someone in (c.bob, c.convenor, c.broker):
        problem(
            await client.patch(item(made["id"]), json={"body": "hijack"}, headers=auth(someone)),
            403,
            "forbidden",
        )
    problem(await client.patch(item(made["id"]), json={"body": "x"}), 401)
    assert await count(session, ContributionRevision) == 0

    first = ok(
        await client.patch(
            item(made["id"]), json={"title": "v2", "body": "second"}, headers=auth(c.alice)
        )
    )
    assert (first["title"], first["body"]) == ("v2", "second")
    assert first["edited_at"] is not None
    second = ok(
        await client.patch(
            item(made["id"]),
            json={"tags": ["b"], "themes": ["pain"], "body": "third"},
            headers=auth(c.alice),
        )
    )
    assert second["tags"] == ["b"] and second["themes"] == ["pain"]
    assert second["edited_at"] >= first["edited_at"]
    revisions = ok(await client.get(item(made["id"], "/revisions"), headers=auth(c.bob)))
    assert [(r["title"], r["body"], r["tags"]) for r in revisions] == [
        ("v1", "first", ["a"]),
        ("v2", "second", ["a"]),
    ]
    assert {r["editor_id"] for r in revisions} == {str(c.alice.id)}
    assert revisions[0]["at"] <= revisions[1]["at"]
    current = ok(await fetch(client, made["id"], c.bob))
    assert (current["title"], current["body"]) == ("v2", "third")

    resource = await contribute(client, c.domain, c.alice, kind="resource", url="https://e.org/1")
    moved = ok(
        await client.patch(
            item(resource["id"]), json={"url": "https://e.org/2"}, headers=auth(c.alice)
        )
    )
    assert moved["url"] == "https://e.org/2"
    revisions = ok(await client.get(item(resource["id"], "/revisions"), headers=auth(c.alice)))
    assert [r["url"] for r in revisions] == ["https://e.org/1"]


EDIT_ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "null title": ("story", {"title": None}),
    "null body": ("story", {"body": None}),
    "null tags": ("story", {"tags": None}),
    "resource without url": ("resource", {"url": None}),
    "non-http url": ("resource", {"url": "file:///etc/passwd"}),
    "unknown theme": ("story", {"themes": ["astrology"]}),
    "huge body": ("story", {"body": "x" * 100_001}),
    "too many tags": ("story", {"tags": [f"t{i}" for i in range(21)]}),
    "back to draft": ("story", {"status": "draft"}),
}


async def test_bad_edits_change_nothing(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    failures: list[tuple[object, ...]] = []
    for case, (kind, change) in EDIT_ERRORS.items():
        made = await contribute(client, c.domain, c.alice, kind=kind, body="original")
        response = await client.patch(item(made["id"]), json=change, headers=auth(c.alice))
        if response.status_code != 422:
            failures.append((case, response.status_code, response.text[:300]))
        if ok(await fetch(client, made["id"], c.alice)) != made:
            failures.append((case, "changed"))
    assert failures == []
    assert await count(session, ContributionRevision) == 0


async def test_archiving_keeps_the_contribution(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    kept = await contribute(client, c.domain, c.alice, title="Kept")
    mine = await contribute(client, c.domain, c.alice, title="Mine")
    by_convenor = await contribute(client, c.domain, c.alice, title="By convenor")
    by_broker = await contribute(client, c.domain, c.bob, title="By broker")
    problem(await client.delete(item(kept["id"]), headers=auth(c.bob)), 403, "forbidden")
    problem(await client.delete(item(kept["id"]), headers=auth(c.outsider)), 403, "forbidden")
    assert ok(await fetch(client, kept["id"], c.alice))["status"] == "published"

    assert ok(await client.delete(item(mine["id"]), headers=auth(c.alice)))["status"] == "archived"
    ok(await client.delete(item(by_convenor["id"]), headers=auth(c.convenor)))
    ok(await client.delete(item(by_broker["id"]), headers=auth(c.broker)))
    # Archiving twice is harmless.
    ok(await client.delete(item(mine["id"]), headers=auth(c.alice)))

    archived = {mine["id"], by_convenor["id"], by_broker["id"]}
    for contribution_id in archived:
        read = ok(await fetch(client, contribution_id, c.bob))
        assert read["status"] == "archived" and read["id"] == contribution_id
    assert await listed(client, c.domain, c.bob) == [kept["id"]]
    assert set(await listed(client, c.domain, c.bob, status="archived")) == archived
    assert await count(session, Contribution) == 4
    events = await count(session, ModerationEvent, col(ModerationEvent.action) == "archived")
    assert events == 3
    # Archived content is read-only.
    problem(
        await client.patch(item(mine["id"]), json={"body": "again"}, headers=auth(c.alice)),
        409,
        "contribution-archived",
    )


async def test_archiving_through_patch(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    made = await contribute(client, c.domain, c.alice)
    archive = {"status": "archived"}
    problem(await client.patch(item(made["id"]), json=archive, headers=auth(c.bob)), 403)
    changed = ok(await client.patch(item(made["id"]), json=archive, headers=auth(c.broker)))
    assert changed["status"] == "archived"
    assert await count(session, ContributionRevision) == 0


async def test_drafts_are_seen_by_their_author_only(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    draft = await contribute(client, c.domain, c.alice, status="draft", title="Half done")
    assert draft["status"] == "draft"
    assert ok(await fetch(client, draft["id"], c.alice))["id"] == draft["id"]
    for someone in (c.bob, c.convenor, c.broker, c.outsider):
        problem(await fetch(client, draft["id"], someone), 404)
        assert await listed(client, c.domain, someone, status="draft") == []
    problem(await client.get(item(draft["id"])), 404)
    assert await listed(client, c.domain, c.alice) == []
    assert await listed(client, c.domain, c.alice, status="draft") == [draft["id"]]

    published = ok(
        await client.patch(item(draft["id"]), json={"status": "published"}, headers=auth(c.alice))
    )
    assert published["status"] == "published"
    assert await listed(client, c.domain, c.bob) == [draft["id"]]


async def test_a_thread_holds_answers_and_replies_in_order(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.alice, kind="question", title="Q")
    first = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    reply = await contribute(client, c.domain, c.alice, kind="reply", parent_id=first["id"])
    second = await contribute(client, c.domain, c.broker, kind="answer", parent_id=question["id"])
    hidden = await contribute(client, c.domain, c.bob, kind="reply", parent_id=second["id"])
    draft = await contribute(
        client, c.domain, c.bob, kind="reply", parent_id=question["id"], status="draft"
    )
    ok(await client.post(item(hidden["id"], "/hide"), json={}, headers=auth(c.convenor)))

    def shape(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
        return [(r["id"], r["depth"]) for r in rows]

    as_member = ok(await client.get(item(question["id"], "/thread"), headers=auth(c.alice)))
    assert shape(as_member) == [
        (question["id"], 0),
        (first["id"], 1),
        (reply["id"], 2),
        (second["id"], 1),
    ]
    as_convenor = ok(await client.get(item(question["id"], "/thread"), headers=auth(c.convenor)))
    assert (hidden["id"], 2) in shape(as_convenor)
    as_author = ok(await client.get(item(question["id"], "/thread"), headers=auth(c.bob)))
    assert (draft["id"], 1) in shape(as_author)
    below = ok(await client.get(item(first["id"], "/thread"), headers=auth(c.alice)))
    assert shape(below) == [(first["id"], 0), (reply["id"], 1)]


async def _gathering(session: AsyncSession, c: Community) -> uuid.UUID:
    made = await scheduling.create_gathering(
        session,
        actor_of(c.convenor),
        c.domain.slug,
        GatheringCreate(
            title="Case clinic",
            start=datetime(2030, 5, 1, 18),
            timezone="Europe/London",
            duration_minutes=60,
        ),
    )
    return made.id


async def test_list_filters(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    gathering_id = await _gathering(session, c)
    story = await contribute(
        client,
        c.domain,
        c.alice,
        tags=["Handover"],
        themes=["pain"],
        gathering_id=str(gathering_id),
    )
    lesson = await contribute(
        client, c.domain, c.bob, kind="lesson", tags=["nights"], themes=["family conversations"]
    )
    waiting = await contribute(client, c.domain, c.bob, kind="question", title="Waiting?")
    answered = await contribute(client, c.domain, c.alice, kind="question", title="Answered?")
    answer = await contribute(client, c.domain, c.bob, kind="answer", parent_id=answered["id"])
    ok(await client.put(item(lesson["id"], "/curation"), headers=auth(c.broker)))
    everything = {story["id"], lesson["id"], waiting["id"], answered["id"], answer["id"]}

    async def ids(**params: Any) -> set[str]:
        return set(await listed(client, c.domain, c.outsider, **params))

    assert await ids() == everything
    assert await ids(kind="question") == {waiting["id"], answered["id"]}
    assert await ids(kind="answer") == {answer["id"]}
    assert await ids(tag="handover") == {story["id"]}
    assert await ids(tag="HANDOVER ") == {story["id"]}
    assert await ids(tag="unused") == set()
    assert await ids(theme="pain") == {story["id"]}
    assert await ids(theme="family conversations") == {lesson["id"]}
    assert await ids(author=str(c.bob.id)) == {lesson["id"], waiting["id"], answer["id"]}
    assert await ids(author=str(c.convenor.id)) == set()
    assert await ids(gathering=str(gathering_id)) == {story["id"]}
    assert await ids(curated="true") == {lesson["id"]}
    assert await ids(curated="false") == everything - {lesson["id"]}
    assert await ids(unanswered="true") == {waiting["id"]}
    assert await ids(unanswered="true", author=str(c.alice.id)) == set()
    assert await ids(kind="question", tag="handover") == set()

    base = datetime(2031, 1, 10, tzinfo=UTC)
    await set_columns(session, story["id"], created_at=base - timedelta(days=3))
    await set_columns(session, lesson["id"], created_at=base - timedelta(days=1))
    await set_columns(session, waiting["id"], created_at=base)
    await set_columns(session, answered["id"], created_at=base + timedelta(days=1))
    await set_columns(session, answer["id"], created_at=base + timedelta(days=2))
    after = (base - timedelta(days=2)).isoformat()
    before = (base + timedelta(days=1)).isoformat()
    assert await ids(created_after=after) == everything - {story["id"]}
    assert await ids(created_before=before) == {story["id"], lesson["id"], waiting["id"]}
    assert await ids(created_after=after, created_before=before) == {lesson["id"], waiting["id"]}
    # The window includes its start and excludes its end.
    assert await ids(created_after=base.isoformat(), created_before=before) == {waiting["id"]}


async def test_q_on_the_list_searches_the_domain(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    hit = await contribute(client, c.domain, c.alice, title="Practising handovers")
    await contribute(client, c.domain, c.alice, title="Night shifts", body="nothing relevant")
    other = await make_domain(session, c.convenor)
    await add_member(session, other, c.alice)
    await contribute(client, other, c.alice, title="Practice elsewhere")
    assert await listed(client, c.domain, c.bob, q="practice") == [hit["id"]]
    assert await listed(client, c.domain, c.bob, q="practice", kind="question") == []
    assert await listed(client, c.domain, c.bob, q="   ") != []


BAD_PARAMS: list[dict[str, Any]] = [
    {"kind": "rant"},
    {"sort": "loudest"},
    {"status": "deleted"},
    {"author": "not-a-uuid"},
    {"created_after": "yesterday"},
    {"curated": "perhaps"},
    {"limit": 0},
    {"limit": 101},
    {"cursor": "not-a-cursor"},
]


async def test_bad_list_parameters_are_422(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    await contribute(client, c.domain, c.alice)
    for params in BAD_PARAMS:
        problem(await client.get(c.contributions, params=params), 422, "validation-error")


async def walk(
    client: AsyncClient, url: str, person: Any, limit: int, **params: Any
) -> list[dict[str, Any]]:
    """Every item, following next_cursor and the Link header until the end."""
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=auth(person))
        body = ok(response)
        assert len(body["items"]) <= limit
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        pages += 1
        assert pages < 50
        if cursor is None:
            assert "link" not in response.headers
            return seen
        assert 'rel="next"' in response.headers["link"]


def sort_key(sort: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        stamp = datetime.fromisoformat(r["created_at"])
        if sort == "most_endorsed":
            return (r["helpful_count"] + r["applied_count"], stamp, r["id"])
        if sort == "most_reused":
            return (r["applied_count"], stamp, r["id"])
        return (stamp, r["id"])

    return key


async def test_sorts_page_through_everything_once(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    made = [await contribute(client, c.domain, c.alice, title=f"n{i}") for i in range(9)]
    base = datetime(2031, 1, 1, tzinfo=UTC)
    # Counts with ties, and creation times with ties, so every tie-breaker is needed.
    counts = [(0, 0), (3, 0), (1, 2), (0, 3), (2, 1), (4, 0), (1, 1), (0, 0), (0, 2)]
    for index, (row, (helpful, applied)) in enumerate(zip(made, counts, strict=True)):
        await set_columns(
            session,
            row["id"],
            helpful_count=helpful,
            applied_count=applied,
            created_at=base + timedelta(hours=index // 2),
        )
    tops = {"newest": made[8]["id"], "most_endorsed": made[5]["id"], "most_reused": made[3]["id"]}
    for sort, top in tops.items():
        for limit in (2, 4):
            rows = await walk(client, c.contributions, c.bob, limit, sort=sort)
            ids = [r["id"] for r in rows]
            assert len(ids) == len(set(ids)) == 9, sort
            assert ids == [r["id"] for r in sorted(rows, key=sort_key(sort), reverse=True)], sort
        assert ids[0] == top, sort


async def test_paging_is_stable_while_contributions_arrive(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    older = [await contribute(client, c.domain, c.alice, title=f"o{i}") for i in range(4)]
    first = ok(await client.get(c.contributions, params={"limit": 2}, headers=auth(c.bob)))
    await contribute(client, c.domain, c.alice, title="newcomer")
    rest = ok(
        await client.get(
            c.contributions,
            params={"limit": 10, "cursor": first["next_cursor"]},
            headers=auth(c.bob),
        )
    )
    ids = [r["id"] for r in first["items"] + rest["items"]]
    assert ids == [r["id"] for r in reversed(older)]


async def test_appreciations_show_on_profiles(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    secret = await make_domain(session, c.convenor, visibility="private")
    await add_member(session, secret, c.alice)
    await add_member(session, secret, c.bob)
    public = await contribute(
        client,
        c.domain,
        c.alice,
        kind="appreciation",
        title="Thanks Bob",
        recipient_ids=[str(c.bob.id), str(c.broker.id)],
    )
    private = await contribute(
        client,
        secret,
        c.alice,
        kind="appreciation",
        title="Quiet thanks",
        recipient_ids=[str(c.bob.id)],
    )
    await contribute(
        client,
        c.domain,
        c.alice,
        kind="appreciation",
        title="Not yet",
        status="draft",
        recipient_ids=[str(c.bob.id)],
    )
    hidden = await contribute(
        client,
        c.domain,
        c.alice,
        kind="appreciation",
        title="Hidden",
        recipient_ids=[str(c.bob.id)],
    )
    ok(await client.post(item(hidden["id"], "/hide"), json={}, headers=auth(c.convenor)))
    await contribute(
        client,
        c.domain,
        c.bob,
        kind="appreciation",
        title="To Alice",
        recipient_ids=[str(c.alice.id)],
    )

    def url(person: Any) -> str:
        return f"{API}/people/{person.id}/appreciations"

    def ids(body: dict[str, Any]) -> list[str]:
        return [a["id"] for a in body["items"]]

    assert ids(ok(await client.get(url(c.bob), headers=auth(c.alice)))) == [
        private["id"],
        public["id"],
    ]
    # A colleague from the public domain only sees the public appreciation.
    assert ids(ok(await client.get(url(c.bob), headers=auth(c.broker)))) == [public["id"]]
    assert ids(ok(await client.get(url(c.broker), headers=auth(c.bob)))) == [public["id"]]
    problem(await client.get(url(c.bob)), 401)
    problem(
        await client.get(f"{API}/people/{uuid.uuid4()}/appreciations", headers=auth(c.bob)), 404
    )


async def test_recipients_are_stored_once(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    made = await contribute(
        client,
        c.domain,
        c.alice,
        kind="appreciation",
        recipient_ids=[str(c.bob.id), str(c.bob.id), str(c.broker.id)],
    )
    assert made["recipient_ids"] == [str(c.bob.id), str(c.broker.id)]


async def test_api_keys_need_write_scope(client: AsyncClient, session: AsyncSession) -> None:

    c = await community(session)
    admin = await make_person(session, is_platform_admin=True)
    await add_member(session, c.domain, admin, roles=[Role.member])
    reader = await make_key(session, admin, "read")
    problem(
        await client.post(
            c.contributions, json={"kind": "story", "title": "T"}, headers=bearer(reader)
        ),
        403,
    )
    assert await count(session, Contribution) == 0
    made = await contribute(client, c.domain, c.alice)
    assert ok(await client.get(item(made["id"]), headers=bearer(reader)))["id"] == made["id"]


async def test_contributions_in_an_archived_domain_are_read_only(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    made = await contribute(client, c.domain, c.alice)
    ok(await client.delete(f"{API}/domains/{c.domain.slug}", headers=auth(c.convenor)))
    problem(
        await post(client, c.domain, c.convenor, kind="story", title="T"), 409, "domain-archived"
    )
    problem(await client.patch(item(made["id"]), json={"body": "x"}, headers=auth(c.alice)), 404)
    assert ok(await fetch(client, made["id"], c.convenor))["body"] == made["body"]
    problem(
        await client.patch(item(made["id"]), json={"body": "x"}, headers=auth(c.convenor)),
        409,
        "domain-archived",
    )
    assert await count(session, Contribution) == 1
