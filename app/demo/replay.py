"""Carrying out the demo's plan, step by step in order of time, each at its own moment.

Every step that shapes the community (people, domains, memberships and roles, gatherings,
RSVPs, attendance, summaries, accepted answers, curation, collections, value stories,
edits, reports) goes through the service a client would call, with the clock set to the
step's moment (`replayed_at`): the rows, versions, events and audit entries are the
service's own, dated then.

The bulk of the repertoire is written in batches between those steps (see `batches`)."""

import uuid
from collections.abc import Sequence
from datetime import timedelta

import orjson
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo.batches import Known, write_batch
from app.demo.people import Person
from app.demo.plan import steps as P
from app.models.base import replayed_at
from app.models.contributions import (
    CollectionCreate,
    CollectionItemInput,
    ContributionUpdate,
    ReportCreate,
    ReportResolve,
    ValueCycle,
    ValueStoryCreate,
)
from app.models.domains import DomainCreate, DomainUpdate
from app.models.gatherings import Gathering, GatheringCreate, RsvpResponse, SummaryInput
from app.models.memberships import MembershipCreate, MembershipUpdate
from app.models.people import PersonCreate
from app.services.actors import SYSTEM, Actor
from app.services.contributions import curation, endorsements, moderation
from app.services.contributions import service as contributions
from app.services.domains import service as domains
from app.services.gatherings import attendance, rsvps, scheduling
from app.services.memberships import lifecycle as memberships
from app.services.people import service as people
from app.services.people.auth import Passwords

DEMO_PASSWORD = "demo-password"

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


class Replay(Known):
    def __init__(self, session: AsyncSession, passwords: Passwords) -> None:
        super().__init__()
        self.session = session
        self.passwords = OneHash(passwords)
        self.reports: dict[str, uuid.UUID] = {}
        self.pending: list[P.Post | P.Endorse] = []
        self.profiles: list[Person] = []
        self.service_steps = 0
        self.bulk_rows = 0

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
        await write_batch(self.session, self, batch)
