"""Writing the demo's repertoire in batches.

The bulk of the repertoire (some 550 contributions and 450 endorsements) would take
several seconds through the services one at a time, so it is written in batches, between
those steps, with exactly what the services write for it: the contribution as
`create_contribution` builds it (its input validated by the same model), the question's
answer count, first answer and version as an answer leaves them, the endorsement counters
and version as `endorse` bumps them, the applied-with-a-note value story, and one event and
audit row per change (`contribution.created`, `contribution.answered`,
`endorsement.created`, `value_story.created`) through `bulk_events.record_many`."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo.plan import steps as P
from app.models.contributions import (
    Contribution,
    ContributionCreate,
    ContributionPublic,
    Endorsement,
    EndorsementKind,
    EndorsementPublic,
    ValueStory,
    ValueStoryPublic,
)
from app.services.actors import SYSTEM, Actor
from app.services.changes import bulk as bulk_events
from app.services.changes.bulk import Change
from app.services.contributions import endorsements
from app.services.contributions.events import dump

_TABLE: Any = Contribution.__table__  # type: ignore[attr-defined]
_COLUMNS = [c.name for c in _TABLE.columns if c.name != "search"]

# What `_answer_published` and `refresh_answer_count` do to the question when an answer is
# published: the first answer by someone other than the asker is recorded, the visible
# answers are recounted, and the ORM's version counter moves on.
_ANSWERED = sa.text(
    """
    UPDATE contributions q
    SET first_answer_at = CASE
            WHEN q.first_answer_at IS NULL AND q.author_id IS DISTINCT FROM :author
            THEN CAST(:at AS timestamptz) ELSE q.first_answer_at END,
        answer_count = (
            SELECT count(*) FROM contributions a
            WHERE a.parent_id = q.id AND a.kind = 'answer' AND a.status = 'published'
              AND a.hidden_at IS NULL AND a.created_at <= CAST(:at AS timestamptz)),
        helpful_count = q.helpful_count + :helpful,
        applied_count = q.applied_count + :applied,
        version = q.version + 1 + :helpful + :applied
    WHERE q.id = :question
    RETURNING q.*
    """
)

# What `bump_counter` does for each endorsement, for many at once.
_BUMP = sa.text(
    """
    UPDATE contributions c
    SET helpful_count = c.helpful_count + b.helpful,
        applied_count = c.applied_count + b.applied,
        version = c.version + b.helpful + b.applied
    FROM unnest(CAST(:ids AS uuid[]), CAST(:helpful AS int[]), CAST(:applied AS int[]))
         AS b(id, helpful, applied)
    WHERE c.id = b.id
    """
)


class Known:
    """What the replay has created so far, by the plan's keys."""

    def __init__(self) -> None:
        self.actors: dict[str, Actor] = {}
        self.domain_ids: dict[str, uuid.UUID] = {}
        self.gatherings: dict[str, uuid.UUID] = {}
        self.posts: dict[str, uuid.UUID] = {}
        self.targets: dict[uuid.UUID, Contribution] = {}  # as created (domain, title, kind)

    def person(self, key: str) -> uuid.UUID:
        return self.actors[key].require_person()


async def write_batch(session: AsyncSession, known: Known, batch: list[P.Post | P.Endorse]) -> None:
    """Write contributions and endorsements, in order of time, as the services would have
    written them one by one."""
    conn = await session.connection()
    new_posts: list[dict[str, Any]] = []
    new_endorsements: list[dict[str, Any]] = []
    later: list[tuple[str, Any]] = []  # what follows each insert, in order of time
    changes: list[Change] = []
    stories: list[dict[str, Any]] = []
    for item in batch:
        if isinstance(item, P.Post):
            contribution = _contribution(known, item)
            known.posts[item.key] = contribution.id
            known.targets[contribution.id] = contribution
            new_posts.append({name: getattr(contribution, name) for name in _COLUMNS})
            later.append(("post", (item, contribution)))
        else:
            endorsement = Endorsement(
                contribution_id=known.posts[item.post],
                person_id=known.person(item.who),
                kind=item.kind,
                note=item.note,
                created_at=item.at,
            )
            new_endorsements.append(endorsement.model_dump())
            later.append(("endorsement", (item, endorsement)))
    if new_posts:
        await conn.execute(sa.insert(_TABLE), new_posts)
    if new_endorsements:
        await conn.execute(sa.insert(Endorsement.__table__), new_endorsements)  # type: ignore[attr-defined]
    # Endorsement counters are bumped as `endorse` bumps them; they are added up and
    # written together, except where an answer's event shows the question: there the
    # question's own bumps so far go into the same update, so its payload is exact.
    bumps: dict[uuid.UUID, list[int]] = {}  # contribution -> [helpful, applied]
    for what, value in later:
        if what == "post":
            post, contribution = value
            actor = known.actors[post.author]
            changes.append(
                _change(
                    "contribution.created",
                    "contribution",
                    contribution.id,
                    dump(contribution),
                    actor,
                    post.at,
                    contribution.domain_id,
                )
            )
            if post.kind == "answer":
                question_id = known.posts[post.parent or ""]
                helpful, applied = bumps.pop(question_id, [0, 0])
                question = (
                    await conn.execute(
                        _ANSWERED,
                        {
                            "author": actor.person_id,
                            "at": post.at,
                            "question": question_id,
                            "helpful": helpful,
                            "applied": applied,
                        },
                    )
                ).one()
                payload = ContributionPublic.model_validate(question).model_dump(mode="json")
                changes.append(
                    _change(
                        "contribution.answered",
                        "contribution",
                        question.id,
                        payload,
                        actor,
                        post.at,
                        question.domain_id,
                    )
                )
        else:
            nod, endorsement = value
            actor = known.actors[nod.who]
            counts = bumps.setdefault(endorsement.contribution_id, [0, 0])
            counts[0 if nod.kind == EndorsementKind.helpful else 1] += 1
            target = known.targets[endorsement.contribution_id]
            changes.append(
                _change(
                    "endorsement.created",
                    "endorsement",
                    endorsement.id,
                    EndorsementPublic.model_validate(endorsement).model_dump(mode="json"),
                    actor,
                    nod.at,
                    target.domain_id,
                )
            )
            story = endorsements.applied_story(target, endorsement)
            if story is not None:
                story.created_at = nod.at
                stories.append(story.model_dump())
                changes.append(
                    _change(
                        "value_story.created",
                        "value_story",
                        story.id,
                        ValueStoryPublic.model_validate(story).model_dump(mode="json"),
                        actor,
                        nod.at,
                        target.domain_id,
                    )
                )
    if bumps:
        ids = list(bumps)
        await conn.execute(
            _BUMP,
            {
                "ids": ids,
                "helpful": [bumps[i][0] for i in ids],
                "applied": [bumps[i][1] for i in ids],
            },
        )
    if stories:
        await conn.execute(sa.insert(ValueStory.__table__), stories)  # type: ignore[attr-defined]
    await bulk_events.record_many(session, SYSTEM, None, changes)
    await session.commit()


def _contribution(known: Known, post: P.Post) -> Contribution:
    """The row `create_contribution` would insert for this post."""
    data = ContributionCreate.model_validate(
        {
            "kind": post.kind,
            "title": post.title,
            "body": post.body,
            "url": post.url,
            "tags": post.tags,
            "themes": post.themes,
            "parent_id": known.posts[post.parent] if post.parent else None,
            "recipient_ids": [known.person(k) for k in post.recipients],
            "gathering_id": known.gatherings[post.gathering] if post.gathering else None,
        }
    )
    return Contribution(
        **data.model_dump(exclude={"url"}),
        url=str(data.url) if data.url else None,
        domain_id=known.domain_ids[post.slug],
        author_id=known.person(post.author),
        created_at=post.at,
        updated_at=post.at,
    )


def _change(
    type_: str,
    resource_type: str,
    resource_id: uuid.UUID,
    payload: dict[str, Any],
    actor: Actor,
    at: datetime,
    domain_id: uuid.UUID,
) -> Change:
    return Change(
        type_, resource_type, resource_id, payload, actor=actor, at=at, domain_id=domain_id
    )
