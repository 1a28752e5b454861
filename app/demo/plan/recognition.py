"""What members make of what is posted: endorsements, curation, collections and value
stories; and moderation and edits."""

from datetime import timedelta

from app.demo import cast
from app.demo.plan.rules import APPLIED_NOTES, STYLES
from app.demo.plan.steps import (
    Curate,
    Edit,
    Endorse,
    NewCollection,
    Post,
    Report,
    Resolve,
    ValueStory,
)
from app.demo.plan.year import Year


def endorsements(year: Year, d: cast.Domain) -> None:
    rng = year.rng = year.draw("endorsements", d.slug)
    style = STYLES[d.slug]
    for post in list(year.by_domain[d.slug]):
        if post.kind in ("reply", "appreciation"):
            continue
        count = rng.randint(*style.helpful)
        if post.kind == "answer":
            count = rng.randint(0, max(1, count // 2))
        moment = post.at
        for _ in range(count):
            moment += timedelta(hours=rng.uniform(3, 120))
            if not year.past(moment):
                break
            who = year.responder(d, moment, [post.author], post.topic)
            if who is None or (post.key, who, "helpful") in year.endorsed:
                continue
            year.endorsed.add((post.key, who, "helpful"))
            year.add(Endorse(moment, post.key, who, "helpful"))
        if post.kind in ("resource", "practice", "lesson", "story", "success") and (
            rng.random() < style.applied
        ):
            for _ in range(rng.randint(1, 2)):
                moment = post.at + timedelta(days=rng.uniform(4, 40))
                if not year.past(moment):
                    continue
                who = year.responder(d, moment, [post.author], post.topic)
                if who is None or (post.key, who, "applied") in year.endorsed:
                    continue
                year.endorsed.add((post.key, who, "applied"))
                note = rng.choice(APPLIED_NOTES) if rng.random() < 0.5 else ""
                year.add(Endorse(moment, post.key, who, "applied", note))


def curation(year: Year, d: cast.Domain, curator: str, share: float) -> None:
    rng = year.rng = year.draw("curation", d.slug)
    for post in year.by_domain[d.slug]:
        if post.kind not in ("resource", "practice", "lesson", "story", "success"):
            continue
        if rng.random() > share:
            continue
        moment = post.at + timedelta(days=rng.uniform(1, 6))
        if year.past(moment) and year.member(d.slug, curator, moment):
            year.add(Curate(moment, post.key, curator))


def _find(year: Year, slug: str, title: str) -> Post | None:
    return next((p for p in year.by_domain[slug] if p.title == title), None)


def _answer_to(year: Year, question: Post | None) -> Post | None:
    if question is None:
        return None
    return next(
        (
            p
            for p in year.by_domain[question.slug]
            if p.parent == question.key and p.kind == "answer"
        ),
        None,
    )


def _collect(
    year: Year,
    days: int,
    slug: str,
    by: str,
    title: str,
    description: str,
    items: list[tuple[Post | None, str]],
) -> None:
    moment = year.day(days, 11)
    chosen = [(p.key, note) for p, note in items if p is not None and p.at < moment]
    year.add(NewCollection(moment, year.key("collection"), slug, by, title, description, chosen))


def collections_and_stories(year: Year) -> None:
    n = cast.NURSES.slug
    template = _find(year, n, "Family meeting template")
    tell = _find(year, n, "Ask-tell-ask for bad news")
    huddle = _find(year, n, "Two-minute huddle before every family meeting")
    answer = _answer_to(
        year, _find(year, n, "How do you open a conversation about stopping treatment?")
    )
    _collect(
        year,
        80,
        n,
        "lars",
        "Family conversations kit",
        "Start here before your first family meeting.",
        [
            (template, "Start here."),
            (huddle, "Before every meeting."),
            (tell, "For the conversation itself."),
            (answer, "Words that worked."),
        ],
    )
    starter = [
        _find(year, n, t)
        for t in (
            "Last days of life handover sheet",
            "Debrief cards",
            "Mouth care leaflet for families",
            "Write the plan for the night nurse, not the consultant",
            "Opioid conversion chart (pocket card)",
        )
    ]
    _collect(
        year,
        25,
        n,
        "lars",
        "Starter pack for new members",
        "Five things every newcomer asks for in their first month.",
        [(p, "") for p in starter],
    )
    w = cast.WOUNDS.slug
    essentials = [p for p in year.by_domain[w] if p.kind in ("resource", "practice")]
    _collect(
        year,
        50,
        w,
        "hannah",
        "Wound care essentials",
        "The references we reach for.",
        [(p, "") for p in essentials[:5]],
    )
    o = cast.OPEN_DATA.slug
    before = [
        _find(year, o, t)
        for t in (
            "Open data publishing checklist",
            "README template for datasets",
            "Statistical disclosure control primer",
        )
    ]
    _collect(
        year,
        30,
        o,
        "ines",
        "Before you publish",
        "Read these before your first release.",
        [(p, "") for p in before],
    )
    stories = [
        (
            n,
            "amara",
            40,
            "realized",
            "Fewer crisis calls",
            "Since the family meeting template spread, weekend crisis calls halved.",
            [template],
        ),
        (
            n,
            "grace",
            120,
            "immediate",
            "A clinic that sent me home lighter",
            "I brought a case I could not let go of; I left with three things to try.",
            [],
        ),
        (
            n,
            "joseph",
            70,
            "potential",
            "Colleagues I can call",
            "I now know who to phone about syringe drivers at 2 a.m.",
            [],
        ),
        (
            n,
            "priya",
            20,
            "reframing",
            "We stopped measuring pain only by scores",
            "The clinic changed what we count as a good day for a patient.",
            [],
        ),
        (
            cast.CIRCLE.slug,
            "priya",
            35,
            "realized",
            "No constipation admissions",
            "Laxatives with the first opioid: none this quarter.",
            [],
        ),
        (
            o,
            "ines",
            15,
            "realized",
            "Audit data published with the nurses' help",
            "A question from a nurse turned into a dataset the region now uses.",
            [],
        ),
    ]
    for slug, by, days, cycle, title, story, posts in stories:
        moment = year.day(days, 16)
        if year.member(slug, by, moment):
            year.add(
                ValueStory(
                    moment,
                    slug,
                    by,
                    cycle,
                    title,
                    story,
                    [p.key for p in posts if p is not None and p.at < moment],
                )
            )


def moderation_and_edits(year: Year) -> None:
    n = cast.NURSES.slug
    moment = year.day(33, 21)
    story = next(
        p
        for p in reversed(year.by_domain[n])
        if p.kind == "story" and p.at < moment - timedelta(days=2)
    )
    who = next(k for k in ("felix", "liam", "anna", "david") if year.member(n, k, moment))
    slip = year.post(
        at=moment,
        slug=n,
        author=who,
        kind="reply",
        title=None,
        body="We had the same with Mrs J. Harrow in bay 4 at St Mary's; her "
        "daughter still phones the ward.",
        parent=story.key,
    )
    report = year.key("report")
    year.add(
        Report(
            moment + timedelta(hours=9),
            report,
            slip.key,
            "grace",
            "Names a patient and a ward.",
        )
    )
    year.add(
        Resolve(
            moment + timedelta(hours=13),
            report,
            "amara",
            "resolved",
            "Hidden: it identified a patient. I have written to the author.",
            True,
        )
    )
    o = cast.OPEN_DATA.slug
    moment = year.day(20, 10)
    question = next(
        p for p in reversed(year.by_domain[o]) if p.kind == "question" and p.at < moment
    )
    report = year.key("report")
    year.add(Report(moment, report, question.key, "zoe", "Looks like an advert."))
    year.add(
        Resolve(
            moment + timedelta(hours=30),
            report,
            "ines",
            "dismissed",
            "A genuine question; the product name is incidental.",
            False,
        )
    )
    edited = 0
    for post in year.by_domain[n]:
        if post.kind in ("practice", "lesson") and edited < 4:
            moment = post.at + timedelta(days=2)
            if year.past(moment) and year.member(n, post.author, moment):
                edited += 1
                year.add(
                    Edit(
                        moment,
                        post.key,
                        post.author,
                        post.body + "\n\nUpdated after the clinic: see the "
                        "comments for what other wards changed.",
                    )
                )
