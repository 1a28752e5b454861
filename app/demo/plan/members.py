"""Who joins which domain when, and how: memberships over the year, and everyone's account."""

from datetime import timedelta

from app.demo import cast
from app.demo.people import BY_KEY
from app.demo.plan.rules import CHARTERS, P
from app.demo.plan.steps import Approve, Invite, Join, Leave, NewDomain, NewPerson, SetRoles
from app.demo.plan.year import Span, Year


def memberships(year: Year, d: cast.Domain) -> None:
    rng = year.rng = year.draw("members", d.slug)
    founded = year.day(d.founded, 10)
    year.person(d.convenor, founded - timedelta(days=3))
    year.add(NewDomain(founded, d, CHARTERS[d.slug]))
    year.spans[(d.slug, d.convenor)] = Span(founded)
    invite = CHARTERS[d.slug].get("join_policy") == "invite"
    asks_from = year.asks_from().get(d.slug)
    ranges = {
        P.core: (d.founded - 1, d.founded - 20),
        P.active: (d.founded - 8, 220),
        P.occasional: (d.founded - 15, 140),
        P.peripheral: (d.founded - 25, 75),
        P.newcomer: (55, 14),
        P.drifting: (d.founded - 5, d.founded - 50),
        P.left: (d.founded - 5, d.founded - 60),
        P.requested: (3, 3),
        P.invited: (5, 5),
    }
    convenors = [d.convenor, *d.co_convenors]
    for key, profile in d.roster.items():
        if key == d.convenor:
            continue
        hi, lo = ranges[profile]
        joined = year.day(rng.uniform(lo, hi), rng.uniform(8, 21))
        year.person(key, joined - timedelta(hours=rng.uniform(2, 200)))
        if invite:
            year.add(Invite(joined, d.slug, d.convenor, key))
            if profile == P.invited:
                continue
            joined += timedelta(hours=rng.uniform(1, 30))
            year.add(Join(joined, d.slug, key))
        else:
            year.add(Join(joined, d.slug, key))
            if asks_from is not None and joined > asks_from[0]:
                if profile == P.requested:
                    continue
                by = next(
                    (c for c in reversed(convenors) if year.member(d.slug, c, joined)),
                    d.convenor,
                )
                joined += timedelta(hours=rng.uniform(2, 40))
                year.add(Approve(joined, d.slug, by, key))
        span = Span(joined)
        if profile == P.left:
            span.end = year.day(rng.uniform(70, 150), rng.uniform(8, 21))
            year.add(Leave(span.end, d.slug, key))
        year.spans[(d.slug, key)] = span
    for key in [*d.co_convenors, *d.core, *d.brokers]:
        if key == d.convenor or (d.slug, key) not in year.spans:
            continue
        roles = ["member"]
        roles += ["core"] if key in d.core or key in d.co_convenors else []
        roles += ["convenor"] if key in d.co_convenors else []
        roles += ["knowledge_broker"] if key in d.brokers else []
        moment = year.spans[(d.slug, key)].start + timedelta(hours=1)
        year.add(SetRoles(moment, d.slug, d.convenor, key, roles))


def profiles_of_people(year: Year) -> None:
    for key, moment in year.created.items():
        year.add(NewPerson(moment, BY_KEY[key]))
