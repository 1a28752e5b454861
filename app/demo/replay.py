"""Carrying out the demo's plan, step by step in order of time, each at its own moment.

Every step that shapes the community (people, domains, memberships and roles, gatherings,
RSVPs, attendance, summaries, accepted answers, curation, collections, value stories,
edits, reports) goes through the service a client would call, with the clock set to the
step's moment (`replayed_at`): the rows, versions, events and audit entries are the
service's own, dated then.

The bulk of the repertoire (some 550 contributions and 450 endorsements) would take
several seconds through the services one at a time, so it is written in batches, between
those steps, with exactly what the services write for it: the contribution as
`create_contribution` builds it (its input validated by the same model), the question's
answer count, first answer and version as an answer leaves them, the endorsement counters
and version as `endorse` bumps them, the applied-with-a-note value story, and one event and
audit row per change (`contribution.created`, `contribution.answered`,
`endorsement.created`, `value_story.created`) through `bulk_events.record_many`."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo import cast
from app.demo import plan as P
from app.models.base import replayed_at
from app.models.contributions import (
    CollectionCreate,
    CollectionItemInput,
    Contribution,
    ContributionCreate,
    ContributionPublic,
    ContributionUpdate,
    Endorsement,
    EndorsementKind,
    EndorsementPublic,
    ReportCreate,
    ReportResolve,
    ValueCycle,
    ValueStory,
    ValueStoryCreate,
    ValueStoryPublic,
)
from app.models.domains import DomainCreate, DomainUpdate
from app.models.gatherings import Gathering, GatheringCreate, RsvpResponse, SummaryInput
from app.models.memberships import MembershipCreate, MembershipUpdate
from app.models.people import PersonCreate
from app.services.actors import SYSTEM, Actor
from app.services.changes import bulk as bulk_events
from app.services.changes.bulk import Change
from app.services.contributions import curation, endorsements, moderation
from app.services.contributions import service as contributions
from app.services.contributions.events import dump
from app.services.domains import service as domains
from app.services.gatherings import attendance, rsvps, scheduling
from app.services.memberships import service as memberships
from app.services.people import service as people
from app.services.people.auth import Passwords

DEMO_PASSWORD = "demo-password"

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

_PROFILES = sa.text(
    """
    UPDATE people p
    SET bio = v.bio, timezone = v.timezone, share_participation = v.shares,
        expertise = ARRAY(SELECT jsonb_array_elements_text(CAST(v.expertise AS jsonb)))
    FROM unnest(CAST(:ids AS uuid[]), CAST(:bios AS text[]), CAST(:expertise AS text[]),
                CAST(:timezones AS text[]), CAST(:shares AS boolean[]))
         AS v(id, bio, expertise, timezone, shares)
    WHERE p.id = v.id
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

FLUSH_EVERY = timedelta(days=21)


class OneHash(Passwords):
    """Every demo person has the same password: hash it once (argon2 takes a CPU for tens
    of milliseconds) and give everyone that hash."""

    def __init__(self, passwords: Passwords) -> None:
        self.__dict__.update(passwords.__dict__)
        self._known: dict[str, str] = {}

    async def hash(self, password: str) -> str:
        if password not in self._known:
            self._known[password] = await super().hash(password)
        return self._known[password]


class Replay:
    def __init__(self, session: AsyncSession, passwords: Passwords) -> None:
        self.session = session
        self.passwords = OneHash(passwords)
        self.actors: dict[str, Actor] = {}
        self.domain_ids: dict[str, uuid.UUID] = {}
        self.gatherings: dict[str, uuid.UUID] = {}
        self.posts: dict[str, uuid.UUID] = {}
        self.targets: dict[uuid.UUID, Contribution] = {}  # as created (domain, title, kind)
        self.reports: dict[str, uuid.UUID] = {}
        self.pending: list[P.Post | P.Endorse] = []
        self.profiles: list[cast.Person] = []
        self.service_steps = 0
        self.bulk_rows = 0

    def person(self, key: str) -> uuid.UUID:
        return self.actors[key].require_person()

    async def run(self, steps: Sequence[P.Step]) -> None:
        for step in steps:
            if isinstance(step, P.Post | P.Endorse):
                self.pending.append(step)
                continue
            # The repertoire is written before a step that needs it, and at least every
            # few weeks of the year, so that the log stays close to the order of time.
            if self.needs_pending(step) or (
                self.pending and step.at - self.pending[0].at > FLUSH_EVERY
            ):
                await self.flush()
            # The services load rows afresh: nothing is kept from an earlier step.
            self.session.expunge_all()
            with replayed_at(step.at):
                await self.carry_out(step)
            self.service_steps += 1
        await self.flush()
        await self.fill_in_profiles()

    async def fill_in_profiles(self) -> None:
        """Everyone's bio, expertise, time zone and choice to share their participation,
        as the operator's console fills them in (no one edits their own: no audit entry),
        in one statement."""
        people_ = [p for p in self.profiles if p.key in self.actors]
        conn = await self.session.connection()
        await conn.execute(
            _PROFILES,
            {
                "ids": [self.person(p.key) for p in people_],
                "bios": [p.bio for p in people_],
                "expertise": [orjson.dumps(list(p.expertise)).decode() for p in people_],
                "timezones": [p.timezone for p in people_],
                "shares": [p.shares_participation for p in people_],
            },
        )
        await self.session.commit()

    def needs_pending(self, step: P.Step) -> bool:
        """Whether the step refers to a contribution not written yet."""
        match step:
            case P.Accept(question=q, answer=a):
                wanted = [q, a]
            case P.Curate(post=post) | P.Edit(post=post) | P.Report(post=post):
                wanted = [post]
            case P.NewCollection(items=items):
                wanted = [post for post, _ in items]
            case P.ValueStory(posts=posts):
                wanted = posts
            case _:
                return False
        return any(key not in self.posts for key in wanted)

    # The steps that go through the services.

    async def carry_out(self, step: P.Step) -> None:
        s = self.session
        match step:
            case P.NewPerson(person=person):
                made = await people.create_person(
                    s,
                    self.passwords,
                    SYSTEM,
                    PersonCreate(
                        email=person.email,
                        display_name=person.name,
                        password=DEMO_PASSWORD,
                        is_platform_admin=person.admin,
                    ),
                )
                self.actors[person.key] = Actor(
                    person_id=made.id, is_platform_admin=person.admin, email_verified=True
                )
                self.profiles.append(person)
            case P.NewDomain(domain=d, fields=fields):
                domain = await domains.create_domain(
                    s, self.actors[d.convenor], DomainCreate(**fields, slug=d.slug)
                )
                self.domain_ids[d.slug] = domain.id
            case P.UpdateDomain(slug=slug, by=by, fields=fields):
                await domains.update_domain(s, self.actors[by], slug, DomainUpdate(**fields))
            case P.Join(slug=slug, who=who):
                await memberships.join_or_invite(
                    s, self.actors[who], slug, MembershipCreate(accept_code_of_conduct=True)
                )
            case P.Invite(slug=slug, by=by, who=who):
                await memberships.join_or_invite(
                    s, self.actors[by], slug, MembershipCreate(person_id=self.person(who))
                )
            case P.Approve(slug=slug, by=by, who=who):
                await memberships.update_membership(
                    s, self.actors[by], slug, self.person(who), MembershipUpdate(status="active")
                )
            case P.SetRoles(slug=slug, by=by, who=who, roles=roles):
                await memberships.update_membership(
                    s,
                    self.actors[by],
                    slug,
                    self.person(who),
                    MembershipUpdate.model_validate({"roles": roles}),
                )
            case P.Leave(slug=slug, who=who):
                await memberships.end_membership(s, self.actors[who], slug, self.person(who))
            case P.Schedule(
                slug=slug, by=by, key=key, fields=fields, hosts=hosts, rotation=rotation
            ):
                first = await scheduling.create_gathering(
                    s,
                    self.actors[by],
                    slug,
                    GatheringCreate.model_validate(
                        {
                            **fields,
                            "host_ids": [self.person(h) for h in hosts],
                            "rotation_host_ids": [self.person(h) for h in rotation],
                        }
                    ),
                )
                occurrences = await s.exec(
                    select(Gathering.id)
                    .where(col(Gathering.series_id) == first.series_id)
                    .order_by(col(Gathering.sequence_index))
                )
                for i, gathering_id in enumerate(occurrences):
                    self.gatherings[f"{key}#{i}"] = gathering_id
            case P.Rsvp(gathering=g, who=who, response=response):
                await rsvps.set_rsvp(
                    s, self.actors[who], self.gatherings[g], RsvpResponse(response)
                )
            case P.CheckIn(gathering=g, who=who):
                await attendance.check_in(s, self.actors[who], self.gatherings[g])
            case P.Attend(gathering=g, by=by, who=who):
                await attendance.record_attendance(
                    s, self.actors[by], self.gatherings[g], [self.person(k) for k in who]
                )
            case P.Summarise(
                gathering=g, by=by, summary=summary, decisions=decisions, follow_ups=follow_ups
            ):
                await attendance.write_summary(
                    s,
                    self.actors[by],
                    self.gatherings[g],
                    SummaryInput(summary=summary, decisions=decisions, follow_ups=follow_ups),
                )
            case P.Accept(question=q, answer=a, by=by):
                await contributions.accept_answer(s, self.actors[by], self.posts[q], self.posts[a])
            case P.Curate(post=post, by=by):
                await curation.set_curated(s, self.actors[by], self.posts[post], True)
            case P.Edit(post=post, by=by, body=body):
                await contributions.update_contribution(
                    s, self.actors[by], self.posts[post], ContributionUpdate(body=body)
                )
            case P.NewCollection(
                slug=slug, by=by, title=title, description=description, items=items
            ):
                collection = await curation.create_collection(
                    s,
                    self.actors[by],
                    slug,
                    CollectionCreate(title=title, description=description),
                )
                for post, note in items:
                    self.session.expunge_all()
                    await curation.put_item(
                        s,
                        self.actors[by],
                        collection.id,
                        CollectionItemInput(contribution_id=self.posts[post], note=note),
                    )
            case P.ValueStory(slug=slug, by=by, cycle=cycle, title=title, story=story, posts=posts):
                await endorsements.create_value_story(
                    s,
                    self.actors[by],
                    slug,
                    ValueStoryCreate(
                        cycle=ValueCycle(cycle),
                        title=title,
                        story=story,
                        contribution_ids=[self.posts[p] for p in posts],
                    ),
                )
            case P.Report(key=key, post=post, by=by, reason=reason):
                report = await moderation.report(
                    s, self.actors[by], self.posts[post], ReportCreate(reason=reason)
                )
                self.reports[key] = report.id
            case P.Resolve(report=reported, by=by, status=status, note=note, hide=hide):
                await moderation.resolve_report(
                    s,
                    self.actors[by],
                    self.reports[reported],
                    ReportResolve.model_validate({"status": status, "note": note, "hide": hide}),
                )
            case _:
                raise AssertionError(f"no way to replay {step!r}")

    # The repertoire, in batches.

    async def flush(self) -> None:
        """Write the contributions and endorsements gathered since the last service step,
        in order of time, as the services would have written them one by one."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        self.bulk_rows += len(batch)
        conn = await self.session.connection()
        new_posts: list[dict[str, Any]] = []
        new_endorsements: list[dict[str, Any]] = []
        later: list[tuple[str, Any]] = []  # what follows each insert, in order of time
        changes: list[Change] = []
        stories: list[dict[str, Any]] = []
        for item in batch:
            if isinstance(item, P.Post):
                contribution = self.contribution(item)
                self.posts[item.key] = contribution.id
                self.targets[contribution.id] = contribution
                new_posts.append({name: getattr(contribution, name) for name in _COLUMNS})
                later.append(("post", (item, contribution)))
            else:
                endorsement = Endorsement(
                    contribution_id=self.posts[item.post],
                    person_id=self.person(item.who),
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
                actor = self.actors[post.author]
                changes.append(
                    self.change(
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
                    question_id = self.posts[post.parent or ""]
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
                        self.change(
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
                actor = self.actors[nod.who]
                counts = bumps.setdefault(endorsement.contribution_id, [0, 0])
                counts[0 if nod.kind == EndorsementKind.helpful else 1] += 1
                target = self.targets[endorsement.contribution_id]
                changes.append(
                    self.change(
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
                        self.change(
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
        await bulk_events.record_many(self.session, SYSTEM, None, changes)
        await self.session.commit()

    def contribution(self, post: P.Post) -> Contribution:
        """The row `create_contribution` would insert for this post."""
        data = ContributionCreate.model_validate(
            {
                "kind": post.kind,
                "title": post.title,
                "body": post.body,
                "url": post.url,
                "tags": post.tags,
                "themes": post.themes,
                "parent_id": self.posts[post.parent] if post.parent else None,
                "recipient_ids": [self.person(k) for k in post.recipients],
                "gathering_id": self.gatherings[post.gathering] if post.gathering else None,
            }
        )
        return Contribution(
            **data.model_dump(exclude={"url"}),
            url=str(data.url) if data.url else None,
            domain_id=self.domain_ids[post.slug],
            author_id=self.person(post.author),
            created_at=post.at,
            updated_at=post.at,
        )

    @staticmethod
    def change(
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
