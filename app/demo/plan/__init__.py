"""The demo's year, planned before anything is written: every step and its moment, drawn
from a random generator with a fixed seed. Moments are relative to `origin` (the hour the
demo is loaded), so the same community comes out of every run, only dated from then.

Nothing here touches the database: `replay` carries the steps out, in order of time."""

from datetime import datetime

from app.demo import cast
from app.demo.plan.conversations import from_gatherings, keep_regulars_busy, repertoire
from app.demo.plan.gatherings import attendance, gatherings
from app.demo.plan.members import memberships, profiles_of_people
from app.demo.plan.recognition import (
    collections_and_stories,
    curation,
    endorsements,
    moderation_and_edits,
)
from app.demo.plan.steps import Step, UpdateDomain
from app.demo.plan.year import Year


def plan_year(origin: datetime) -> list[Step]:
    year = Year(origin)
    year.person("admin", year.day(410, 9))
    for d in cast.DOMAINS:
        memberships(year, d)
    for slug, (moment, by) in year.asks_from().items():
        changes = {"lifecycle_stage": "maturing", "join_policy": "request"}
        year.add(UpdateDomain(moment, slug, by, changes))
    year.add(
        UpdateDomain(
            year.day(150, 9), cast.OPEN_DATA.slug, "ines", {"lifecycle_stage": "coalescing"}
        )
    )
    gatherings(year)
    attendance(year)
    for d in cast.DOMAINS:
        repertoire(year, d)
        from_gatherings(year, d)
        keep_regulars_busy(year, d)
    moderation_and_edits(year)
    for d in cast.DOMAINS:
        endorsements(year, d)
    curation(year, cast.NURSES, "lars", 0.3)
    curation(year, cast.WOUNDS, "hannah", 0.5)
    curation(year, cast.OPEN_DATA, "ines", 0.15)
    collections_and_stories(year)
    profiles_of_people(year)
    return [step for _, _, step in sorted(year.steps, key=lambda s: (s[0], s[1]))]
