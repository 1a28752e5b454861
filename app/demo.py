"""A small, realistic demo community, built through the services like any client would."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.models.base import utcnow
from app.models.contributions import (
    CollectionCreate,
    CollectionItemInput,
    ContributionCreate,
    EndorsementInput,
    ValueStoryCreate,
)
from app.models.domains import DomainCreate
from app.models.gatherings import (
    AgendaSegment,
    GatheringCreate,
    Modality,
    RsvpResponse,
    SegmentKind,
    SummaryInput,
)
from app.models.memberships import MembershipCreate, MembershipUpdate, Role
from app.models.people import Person, PersonCreate
from app.services import (
    contributions,
    curation,
    domains,
    endorsements,
    gatherings,
    memberships,
    people,
    rsvps,
)
from app.services.actors import SYSTEM, Actor
from app.services.auth import Passwords
from app.services.pagination import PageParams

DEMO_PASSWORD = "demo-password"

PEOPLE = [
    ("admin@demo.cop", "Platform Admin", [], "UTC", True),
    ("amara@demo.cop", "Amara Okafor", ["palliative care", "facilitation"], "Europe/London", False),
    (
        "lars@demo.cop",
        "Lars Jensen",
        ["knowledge management", "care plans"],
        "Europe/Copenhagen",
        False,
    ),
    ("priya@demo.cop", "Priya Raman", ["pain management", "pharmacology"], "Asia/Kolkata", False),
    ("tomas@demo.cop", "Tomás Silva", ["family conversations"], "Europe/Lisbon", False),
    ("mei@demo.cop", "Mei Chen", ["hospice at home", "pain management"], "Asia/Singapore", False),
    ("ines@demo.cop", "Inès Dubois", ["open data", "statistics"], "Europe/Paris", False),
]


@asynccontextmanager
async def with_session(
    url: str, settings: Settings
) -> AsyncIterator[tuple[AsyncSession, Passwords]]:
    engine = create_engine(url, settings)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session, Passwords(settings.password_hash_time_cost)
    finally:
        await engine.dispose()


async def seed_demo(settings: Settings, *, only_if_empty: bool) -> str:
    assert settings.database_url
    async with with_session(settings.database_url, settings) as (session, passwords):
        existing = (
            await session.exec(select(Person).where(col(Person.email) == "amara@demo.cop"))
        ).first()
        if existing is not None:
            return "demo community already present"
        if only_if_empty and (await session.exec(select(Person.id).limit(1))).first():
            return "database not empty; demo not loaded"
        return await _seed(session, passwords)


async def _seed(session: AsyncSession, passwords: Passwords) -> str:
    actors: dict[str, Actor] = {}
    for email, name, expertise, tz, admin in PEOPLE:
        person = await people.create_person(
            session,
            passwords,
            SYSTEM,
            PersonCreate(
                email=email, display_name=name, password=DEMO_PASSWORD, is_platform_admin=admin
            ),
        )
        person.expertise, person.timezone = expertise, tz
        session.add(person)
        await session.commit()
        actors[email.split("@")[0]] = Actor(
            person_id=person.id, is_platform_admin=admin, email_verified=True
        )

    amara, lars, priya, tomas, mei, ines = (
        actors[k] for k in ("amara", "lars", "priya", "tomas", "mei", "ines")
    )
    nurses = await domains.create_domain(
        session,
        amara,
        DomainCreate(
            name="Palliative Care Nurses",
            purpose="Share what works at the bedside so that every patient can die well, "
            "and so that we grow as practitioners together.",
            description="Nurses from hospices, hospitals and home care who meet monthly to "
            "swap stories, solve hard cases and build a shared library of care plans.",
            goals=["Meet monthly", "Build a shared library of care plans", "Mentor newcomers"],
            boundaries="Registered nurses and nursing students working in palliative care.",
            themes=["pain management", "family conversations", "self-care", "care plans"],
            join_policy="request",
            max_active_members=40,
            lifecycle_stage="maturing",
            timezone="Europe/London",
        ),
    )
    for member in (lars, priya, tomas, mei):
        await memberships.join_or_invite(session, member, nurses.slug, MembershipCreate())
        await memberships.update_membership(
            session, amara, nurses.slug, member.require_person(), MembershipUpdate(status="active")
        )
    await memberships.update_membership(
        session,
        amara,
        nurses.slug,
        lars.require_person(),
        MembershipUpdate(roles=[Role.member, Role.knowledge_broker]),
    )
    await memberships.update_membership(
        session,
        amara,
        nurses.slug,
        priya.require_person(),
        MembershipUpdate(roles=[Role.member, Role.core, Role.convenor]),
    )

    circle = await domains.create_domain(
        session,
        priya,
        DomainCreate(
            name="Pain Management Circle",
            purpose="A small, safe circle to work through difficult pain cases.",
            themes=["pain management", "opioids"],
            visibility="private",
            join_policy="invite",
            parent_slug=nurses.slug,
            max_active_members=8,
            lifecycle_stage="coalescing",
            timezone="Europe/London",
        ),
    )
    await memberships.join_or_invite(
        session, priya, circle.slug, MembershipCreate(person_id=mei.person_id)
    )
    await memberships.update_membership(
        session, mei, circle.slug, mei.require_person(), MembershipUpdate(status="active")
    )

    open_data = await domains.create_domain(
        session,
        ines,
        DomainCreate(
            name="Open Data Practitioners",
            purpose="People who publish and reuse public-sector open data, learning from "
            "each other's successes and failures.",
            themes=["data quality", "licensing", "publishing"],
            join_policy="open",
            lifecycle_stage="potential",
            timezone="Europe/Paris",
        ),
    )
    await memberships.join_or_invite(session, tomas, open_data.slug, MembershipCreate())

    await _seed_gatherings(session, nurses.slug, amara, priya, lars, [lars, priya, tomas, mei])
    await _seed_repertoire(session, nurses.slug, amara, lars, priya, tomas, mei)

    return (
        "Demo community loaded. Log in as any of "
        + ", ".join(e for e, *_ in PEOPLE)
        + f" with the password '{DEMO_PASSWORD}' (admin@demo.cop is a platform admin)."
    )


async def _seed_gatherings(
    session: AsyncSession,
    slug: str,
    amara: Actor,
    priya: Actor,
    lars: Actor,
    members: list[Actor],
) -> None:
    """A monthly case clinic that started half a year ago: past sessions with attendance
    and summaries, future ones with RSVPs; hosting rotates between three members."""
    first = (utcnow() - timedelta(days=190)).date()
    clinic = await gatherings.create_gathering(
        session,
        amara,
        slug,
        GatheringCreate(
            title="Monthly case clinic",
            theme="Hard conversations",
            guiding_question="What helped you stay present when a family was in conflict?",
            start=datetime(first.year, first.month, 1, 18, 0),
            timezone="Europe/London",
            duration_minutes=90,
            modality=Modality.hybrid,
            location="St Christopher's Hospice, seminar room 2",
            join_url="https://meet.example.org/case-clinic",  # type: ignore[arg-type]
            capacity=12,
            rrule="FREQ=MONTHLY;BYDAY=1TH;COUNT=12",
            rotation_host_ids=[
                amara.require_person(),
                priya.require_person(),
                lars.require_person(),
            ],
            agenda=[
                AgendaSegment(title="Check-in round", kind=SegmentKind.check_in, minutes=15),
                AgendaSegment(
                    title="A case from the floor", kind=SegmentKind.presentation, minutes=20
                ),
                AgendaSegment(title="Open sharing", kind=SegmentKind.open_sharing, minutes=40),
                AgendaSegment(
                    title="What will you take away?", kind=SegmentKind.reflection, minutes=15
                ),
            ],
        ),
    )
    window = await gatherings.list_domain_gatherings(
        session,
        amara,
        slug,
        PageParams(limit=50),
        start=clinic.start_at - timedelta(days=1),
        end=clinic.start_at + timedelta(days=400),
    )
    now = utcnow()
    people = [m.require_person() for m in members]
    for index, view in enumerate(window.items):
        g = view.gathering
        if g.start_at + timedelta(minutes=g.duration_minutes) < now:
            came = people[: 2 + index % 3]
            await rsvps.record_attendance(session, amara, g.id, came)
            await rsvps.write_summary(
                session,
                amara,
                g.id,
                SummaryInput(
                    summary=f"{len(came) + 1} of us shared cases about families in conflict.",
                    decisions=["Keep the check-in round short"],
                    follow_ups=["Lars adds the family-meeting template to the library"],
                ),
            )
        elif g.start_at > now:
            for member in members[: 3 + index % 2]:
                await rsvps.set_rsvp(session, member, g.id, RsvpResponse.going)


async def _seed_repertoire(
    session: AsyncSession,
    slug: str,
    amara: Actor,
    lars: Actor,
    priya: Actor,
    tomas: Actor,
    mei: Actor,
) -> None:
    def make(**fields: object) -> ContributionCreate:
        return ContributionCreate.model_validate(fields)

    question = await contributions.create_contribution(
        session,
        tomas,
        slug,
        make(
            kind="question",
            title="How do you open a conversation about stopping treatment?",
            body="A family keeps asking for *one more* round. What words have worked for you?",
            tags=["family conversations", "end of treatment"],
            themes=["family conversations"],
        ),
    )
    answer = await contributions.create_contribution(
        session,
        priya,
        slug,
        make(
            kind="answer",
            parent_id=str(question.id),
            body="I start with what they hope for, then what they fear. Practising the "
            "'ask-tell-ask' pattern with a colleague first helps.",
        ),
    )
    await contributions.accept_answer(session, tomas, question.id, answer.id)
    await endorsements.endorse(
        session,
        tomas,
        answer.id,
        EndorsementInput(kind="applied", note="Used ask-tell-ask on nights; the family calmed."),
    )
    resource = await contributions.create_contribution(
        session,
        lars,
        slug,
        make(
            kind="resource",
            title="Family meeting template",
            body="A one-page structure for the first family meeting.",
            url="https://example.org/family-meeting-template",
            tags=["care plans", "templates"],
            themes=["care plans"],
        ),
    )
    for kind, title, body, author in [
        (
            "story",
            "The night shift that changed my practice",
            "A patient asked me to read her the letter from her son...",
            mei,
        ),
        (
            "lesson",
            "Pain scores lie when patients want to go home",
            "We learned to ask about function, not numbers.",
            priya,
        ),
        (
            "practice",
            "Two-minute huddle before every family meeting",
            "Agree on one message and who says it.",
            amara,
        ),
        (
            "success",
            "Our ward cut weekend crisis calls in half",
            "After three months of using the template.",
            lars,
        ),
        (
            "challenge",
            "Supporting staff after several deaths in one week",
            "How do other teams make room for grief?",
            mei,
        ),
    ]:
        await contributions.create_contribution(
            session,
            author,
            slug,
            make(kind=kind, title=title, body=body, tags=["palliative care"]),
        )
    await contributions.create_contribution(
        session,
        amara,
        slug,
        make(
            kind="appreciation",
            title="Thank you, Lars",
            body="For keeping our library tidy and findable.",
            recipient_ids=[str(lars.person_id)],
        ),
    )
    await curation.set_curated(session, lars, resource.id, True)
    await curation.set_curated(session, lars, answer.id, True)
    kit = await curation.create_collection(
        session,
        lars,
        slug,
        CollectionCreate(
            title="Family conversations kit",
            description="Start here before your first family meeting.",
        ),
    )
    for item in (resource.id, answer.id):
        await curation.put_item(session, lars, kit.id, CollectionItemInput(contribution_id=item))
    await endorsements.create_value_story(
        session,
        amara,
        slug,
        ValueStoryCreate(
            cycle="realized",
            title="Fewer crisis calls",
            story="Since the family meeting template spread, weekend crisis calls halved.",
            contribution_ids=[resource.id],
        ),
    )
