"""What members post over the year: questions, stories and the rest of the repertoire,
the answers and replies they draw, and thanks."""

from collections import defaultdict
from datetime import timedelta
from typing import Any

from app.demo import cast, content
from app.demo.plan.rules import CAPS, KIND_WEIGHTS, MONTH, STYLES, P
from app.demo.plan.steps import Accept, Post
from app.demo.plan.year import Year


def repertoire(year: Year, d: cast.Domain) -> None:
    rng = year.rng = year.draw("repertoire", d.slug)
    rep = content.REPERTOIRES[d.slug]
    style = STYLES[d.slug]
    pools: list[tuple[str, Any]] = [
        *(("question", e) for e in rep.questions),
        *(("story", e) for e in rep.stories),
        *(("lesson", e) for e in rep.lessons),
        *(("practice", e) for e in rep.practices),
        *(("success", e) for e in rep.successes),
        *(("challenge", e) for e in rep.challenges),
        *(("resource", e) for e in rep.resources),
    ]
    rng.shuffle(pools)
    # Later months are busier: the community grows.
    moments = sorted(
        year.day(2 + (d.founded - 6) * rng.random() ** 1.3, rng.uniform(7, 22)) for _ in pools
    )
    posted: dict[str, int] = defaultdict(int)
    replies = iter(rng.sample(rep.replies, len(rep.replies)) * 200)
    answers = {t: iter(list(bodies) * 200) for t, bodies in rep.answers.items()}
    for (kind, entry), moment in zip(pools, moments, strict=True):
        options = {}
        for key in year.members_at(d.slug, moment):
            profile = year.profile(d, key, moment)
            if posted[key] >= CAPS.get(profile, 0):
                continue
            if profile == P.peripheral and moment > year.day(180):
                continue
            weight = (
                KIND_WEIGHTS.get(profile, {}).get(kind, 0) * style.weights.get(profile, 0.0) ** 0.5
            )
            if weight > 0:
                options[key] = weight
        author = year.pick(options)
        if author is None:
            continue
        posted[author] += 1
        if kind == "resource":
            topic, title, body, url, tags = entry
        else:
            topic, title, body, tags = entry
            url = None
        theme = rep.themes.get(topic, "")
        post = year.post(
            at=moment,
            slug=d.slug,
            author=author,
            kind=kind,
            title=title,
            body=body,
            topic=topic,
            url=url,
            tags=list(tags),
            themes=[theme] if theme else [],
        )
        _responses(year, d, post, answers, replies)
    _appreciations(year, d)


def _responses(
    year: Year,
    d: cast.Domain,
    post: Post,
    answers: dict[str, Any],
    replies: Any,
) -> None:
    rng = year.rng
    style = STYLES[d.slug]
    if post.kind == "question":
        if rng.random() > style.answered:
            return
        count = rng.randint(*style.answers)
        responders: list[str] = []
        moment = post.at
        first: Post | None = None
        for _ in range(count):
            moment += timedelta(hours=rng.uniform(*style.answer_hours))
            if not year.past(moment):
                break
            who = year.responder(d, moment, [post.author, *responders], post.topic)
            if who is None:
                continue
            responders.append(who)
            topic = post.topic if post.topic in answers else next(iter(answers))
            answer = year.post(
                at=moment,
                slug=d.slug,
                author=who,
                kind="answer",
                title=None,
                body=next(answers[topic]),
                parent=post.key,
            )
            first = first or answer
            if rng.random() < style.thanks:
                thanks = moment + timedelta(hours=rng.uniform(1, 12))
                if year.past(thanks) and year.member(d.slug, post.author, thanks):
                    year.post(
                        at=thanks,
                        slug=d.slug,
                        author=post.author,
                        kind="reply",
                        title=None,
                        body="Thank you, that helps.",
                        parent=answer.key,
                    )
        if first is not None and rng.random() < style.accepts:
            moment = first.at + timedelta(hours=rng.uniform(3, 60))
            if year.past(moment) and year.member(d.slug, post.author, moment):
                year.add(Accept(moment, post.key, first.key, post.author))
        return
    low, high = style.replies
    if post.kind in ("resource", "practice", "success"):
        low, high = min(low, 1), min(high, 1)
    moment = post.at
    seen = [post.author]
    for _ in range(rng.randint(low, high)):
        moment += timedelta(hours=rng.uniform(2, 48))
        if not year.past(moment):
            break
        who = year.responder(d, moment, seen, post.topic)
        if who is None:
            continue
        seen.append(who)
        reply = year.post(
            at=moment,
            slug=d.slug,
            author=who,
            kind="reply",
            title=None,
            body=next(replies),
            parent=post.key,
        )
        # In a community the author answers back; in a network, rarely.
        back = moment + timedelta(hours=rng.uniform(1, 20))
        if (
            rng.random() < style.thanks / 2
            and year.past(back)
            and year.member(d.slug, post.author, back)
        ):
            year.post(
                at=back,
                slug=d.slug,
                author=post.author,
                kind="reply",
                title=None,
                body=next(replies),
                parent=reply.key,
            )


def _appreciations(year: Year, d: cast.Domain) -> None:
    """Appreciation is part of the practice: kudos with a thread of replies."""
    Thanks = tuple[int, str, list[str], str, str, list[str]]
    plan: dict[str, list[Thanks]] = {
        cast.NURSES.slug: [
            (
                150,
                "amara",
                ["lars"],
                "Thank you, Lars",
                "For keeping our library tidy and findable.",
                ["grace", "joseph", "tomas", "sofia", "mei"],
            ),
            (
                220,
                "priya",
                ["rosa", "daniel"],
                "To the night team",
                "For getting the breakthrough count going on every handover.",
                ["amara"],
            ),
            (
                60,
                "tomas",
                ["priya"],
                "Thank you, Priya",
                "Your answer about stopping treatment got me through a very hard week.",
                ["amara"],
            ),
            (
                30,
                "hannah",
                ["amara", "priya"],
                "Thank you for the annual gathering",
                "A day I will remember.",
                ["grace", "olu"],
            ),
            (
                100,
                "grace",
                ["mei"],
                "Mei, thank you",
                "For sitting with my patient's family on your day off.",
                ["priya"],
            ),
        ],
        cast.CIRCLE.slug: [
            (
                90,
                "rosa",
                ["priya"],
                "Thank you for holding this circle",
                "It is the only place I can bring the cases that scare me.",
                ["mei", "daniel"],
            ),
        ],
        cast.WOUNDS.slug: [
            (
                120,
                "olu",
                ["hannah"],
                "Thank you, Hannah",
                "The dressing selector saved me hours.",
                ["kwame"],
            ),
        ],
        cast.OPEN_DATA.slug: [
            (40, "samir", ["ines"], "Thanks, Inès", "For keeping these meetups going.", []),
        ],
    }
    for days, author, recipients, title, body, repliers in plan[d.slug]:
        moment = year.day(days, 19)
        people = [author, *recipients]
        if not all(year.member(d.slug, k, moment) for k in people):
            continue
        thanks = year.post(
            at=moment,
            slug=d.slug,
            author=author,
            kind="appreciation",
            title=title,
            body=body,
            recipients=recipients,
        )
        for i, who in enumerate(repliers):
            later = moment + timedelta(hours=2 + 5 * i)
            if year.member(d.slug, who, later):
                year.post(
                    at=later,
                    slug=d.slug,
                    author=who,
                    kind="reply",
                    title=None,
                    body="Hear, hear!" if i % 2 else "Seconded, with all my heart.",
                    parent=thanks.key,
                )


def from_gatherings(year: Year, d: cast.Domain) -> None:
    """What someone wrote up in the week after a gathering they came to names it."""
    for gkey, (slug, nominal, came) in year.attended.items():
        if slug != d.slug:
            continue
        for post in year.by_domain[d.slug]:
            if (
                post.parent is None
                and post.gathering is None
                and post.kind in ("story", "lesson", "practice", "challenge", "question")
                and post.author in came
                and nominal + timedelta(days=4) <= post.at <= nominal + timedelta(days=12)
            ):
                post.gathering = gkey
                break


def keep_regulars_busy(year: Year, d: cast.Domain) -> None:
    """The core contribute in almost every month and the active in at least three of
    the last six: where chance left a month empty, they reply to something recent."""
    rng = year.rng = year.draw("regulars", d.slug)
    replies = content.REPERTOIRES[d.slug].replies
    for key, profile in d.roster.items():
        wanted = {P.core: 6, P.active: 3}.get(profile)
        if wanted is None:
            continue
        months = [(year.day(MONTH * (m + 1) - 1), year.day(MONTH * m + 1)) for m in range(12)]
        mine = [p for p in year.by_domain[d.slug] if p.author == key]
        for m, (lo, hi) in enumerate(months):
            if profile == P.active and m >= 6:
                break
            if any(lo <= p.at < hi for p in mine):
                continue
            if (
                profile == P.active
                and sum(1 for lo2, hi2 in months[:6] if any(lo2 <= p.at < hi2 for p in mine))
                >= wanted
            ):
                continue
            moment = lo + (hi - lo) * rng.uniform(0.2, 0.9)
            if not year.member(d.slug, key, moment):
                continue
            targets = [
                p
                for p in year.by_domain[d.slug]
                if p.parent is None
                and p.author != key
                and p.at < moment
                and p.kind != "appreciation"
            ]
            if not targets:
                continue
            target = max(targets[-6:], key=lambda p: rng.random())
            mine.append(
                year.post(
                    at=moment,
                    slug=d.slug,
                    author=key,
                    kind="reply",
                    title=None,
                    body=rng.choice(replies),
                    parent=target.key,
                )
            )
