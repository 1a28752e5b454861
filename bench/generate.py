"""Generate a large community (and a large platform) for the view benchmarks.

    python bench/generate.py --database-url postgresql://postgres@127.0.0.1:5432/cop_api_bench

`--scale large`: one domain, `bench-large`, with 2,000 members, 50,000 interactions
(contributions of every kind and endorsements) and 200 gatherings with attendance.
`--scale cross`: 20 more domains (`bench-cross-01`...) shared by 20,000 people, with
500,000 interactions and 2,000 gatherings. `--scale both` (the default) makes both.

Activity spreads over the 365 days before now, so the default 180-day window holds about
half of it. People differ in how much they do (a heavy-tailed propensity) and mostly
interact within affinity groups, as real communities do. Rows go in with COPY.
The database is created and migrated if needed; `--fresh` drops it first."""

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import async_url
from app.dbadmin import create_database, migrate

ADMIN_EMAIL = "bench-admin@bench.cop"
THEMES = [
    "pain management",
    "family conversations",
    "self-care",
    "care plans",
    "handovers",
    "ethics",
    "training",
    "tools",
]
TAGS = ["night shift", "sbar", "checklists", "grief", "dosing", "rota", "mentoring", "audit"]
TOP_KINDS = ["story", "lesson", "question", "resource", "success", "challenge", "practice"]
TOP_WEIGHTS = [20, 15, 25, 15, 8, 7, 10]
DAY = timedelta(days=1)


@dataclass
class Plan:
    slug: str
    people: list[uuid.UUID]
    groups: int
    interactions: int
    gatherings: int
    extra_members: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Rows:
    people: list[tuple[Any, ...]] = field(default_factory=list)
    domains: list[tuple[Any, ...]] = field(default_factory=list)
    memberships: list[tuple[Any, ...]] = field(default_factory=list)
    series: list[tuple[Any, ...]] = field(default_factory=list)
    gatherings: list[tuple[Any, ...]] = field(default_factory=list)
    attendance: list[tuple[Any, ...]] = field(default_factory=list)
    contributions: list[tuple[Any, ...]] = field(default_factory=list)
    endorsements: list[tuple[Any, ...]] = field(default_factory=list)
    value_stories: list[tuple[Any, ...]] = field(default_factory=list)


COLUMNS = {
    "people": ("id", "email", "display_name", "is_platform_admin"),
    "domains": (
        "id",
        "slug",
        "name",
        "purpose",
        "themes",
        "visibility",
        "join_policy",
        "lifecycle_stage",
    ),
    "memberships": ("id", "domain_id", "person_id", "status", "roles", "joined_at", "created_at"),
    "gathering_series": ("id", "domain_id", "dtstart", "timezone", "duration_minutes"),
    "gatherings": (
        "id",
        "series_id",
        "domain_id",
        "sequence_index",
        "original_start",
        "start_at",
        "duration_minutes",
        "timezone",
        "title",
        "theme",
        "modality",
        "host_ids",
        "status",
        "created_at",
    ),
    "attendance": ("id", "gathering_id", "person_id", "source", "created_at"),
    "contributions": (
        "id",
        "domain_id",
        "author_id",
        "kind",
        "title",
        "body",
        "tags",
        "themes",
        "parent_id",
        "recipient_ids",
        "status",
        "curated_at",
        "created_at",
        "updated_at",
    ),
    "endorsements": ("id", "contribution_id", "person_id", "kind", "created_at"),
    "value_stories": ("id", "domain_id", "author_id", "cycle", "title", "story", "created_at"),
}
TABLE_OF = {
    "people": "people",
    "domains": "domains",
    "memberships": "memberships",
    "series": "gathering_series",
    "gatherings": "gatherings",
    "attendance": "attendance",
    "contributions": "contributions",
    "endorsements": "endorsements",
    "value_stories": "value_stories",
}


def when(rng: random.Random, now: datetime) -> datetime:
    """A moment in the last year, a little more likely recently (the community grows)."""
    return now - timedelta(days=365) * (1 - rng.random() ** 0.8)


def pick(
    rng: random.Random, population: Sequence[uuid.UUID], weights: Sequence[float]
) -> uuid.UUID:
    return rng.choices(population, weights)[0]


def domain(rows: Rows, plan: Plan, rng: random.Random, now: datetime) -> None:
    """One domain's members, gatherings and interactions."""
    domain_id = uuid.uuid4()
    rows.domains.append(
        (
            domain_id,
            plan.slug,
            plan.slug.replace("-", " ").title(),
            "Share what works and learn from each other.",
            THEMES,
            "public",
            "open",
            "maturing",
        )
    )
    members = plan.people + plan.extra_members
    propensity = [rng.paretovariate(1.3) for _ in members]
    group = {p: i % plan.groups for i, p in enumerate(members)}
    by_group: dict[int, list[int]] = {}
    for i, p in enumerate(members):
        by_group.setdefault(group[p], []).append(i)
    for i, p in enumerate(members):
        roles = ["member", "convenor"] if i < 3 else ["member", "core"] if i < 20 else ["member"]
        joined = now - timedelta(days=rng.uniform(30, 730))
        rows.memberships.append((uuid.uuid4(), domain_id, p, "active", roles, joined, joined))

    def someone(near: uuid.UUID | None = None) -> uuid.UUID:
        if near is not None and rng.random() < 0.8:
            local = by_group[group[near]]
            return members[local[int(rng.random() ** 2 * len(local))]]
        return pick(rng, members, propensity)

    # Gatherings: one series per affinity group, spread over the year.
    per_series = max(1, -(-plan.gatherings // plan.groups))
    made = 0
    for g in range(plan.groups):
        series_id = uuid.uuid4()
        first = now - timedelta(days=360) + timedelta(days=rng.uniform(0, 10))
        rows.series.append((series_id, domain_id, first, "UTC", 90))
        local = [members[i] for i in by_group[g]]
        local_weights = [propensity[i] for i in by_group[g]]
        for k in range(per_series):
            if made >= plan.gatherings:
                break
            made += 1
            start = first + timedelta(days=k * 360 / per_series)
            host = pick(rng, local, local_weights)
            status = "completed" if start < now else "scheduled"
            gathering_id = uuid.uuid4()
            rows.gatherings.append(
                (
                    gathering_id,
                    series_id,
                    domain_id,
                    k,
                    start,
                    start,
                    90,
                    "UTC",
                    f"Group {g} gathering {k}",
                    rng.choice(THEMES),
                    "online",
                    [host],
                    status,
                    first,
                )
            )
            if start >= now:
                continue
            size = min(len(local), rng.randint(8, 40))
            came = {host}
            while len(came) < size:
                came.add(pick(rng, local, local_weights) if rng.random() < 0.9 else someone())
            rows.attendance.extend(
                (uuid.uuid4(), gathering_id, p, "host", start + DAY) for p in came
            )

    # Interactions, in time order so that a reply always follows what it replies to.
    moments = sorted(when(rng, now) for _ in range(plan.interactions * 21 // 20))
    before = len(rows.contributions) + len(rows.endorsements)
    items: list[tuple[uuid.UUID, uuid.UUID, str]] = []  # (id, author, kind)
    questions: list[tuple[uuid.UUID, uuid.UUID, str]] = []
    endorsed: set[tuple[uuid.UUID, uuid.UUID, str]] = set()
    for at in moments:
        if len(rows.contributions) + len(rows.endorsements) - before >= plan.interactions:
            break
        roll = rng.random()
        author = pick(rng, members, propensity)
        cid = uuid.uuid4()
        if roll < 0.2 or len(items) < 10:
            kind = rng.choices(TOP_KINDS, TOP_WEIGHTS)[0]
            themes = rng.sample(THEMES, rng.choice([0, 1, 1, 2]))
            tags = rng.sample(TAGS, rng.choice([0, 1, 2]))
            curated = at + DAY if kind != "question" and rng.random() < 0.1 else None
            rows.contributions.append(
                (
                    cid,
                    domain_id,
                    author,
                    kind,
                    f"A {kind}",
                    "",
                    tags,
                    themes,
                    None,
                    [],
                    "published",
                    curated,
                    at,
                    at,
                )
            )
            items.append((cid, author, kind))
            if kind == "question":
                questions.append((cid, author, kind))
        elif roll < 0.65:
            pool = questions if rng.random() < 0.4 and questions else items
            parent_id, parent_author, _ = pool[-1 - int(rng.random() ** 3 * min(len(pool), 400))]
            author = someone(parent_author)
            if author == parent_author:
                author = pick(rng, members, propensity)
            kind = "answer" if pool is questions else "reply"
            rows.contributions.append(
                (
                    cid,
                    domain_id,
                    author,
                    kind,
                    None,
                    "",
                    [],
                    [],
                    parent_id,
                    [],
                    "published",
                    None,
                    at,
                    at,
                )
            )
            if kind == "answer":
                items.append((cid, author, kind))
        elif roll < 0.75:
            recipients = list({someone(author) for _ in range(rng.randint(1, 3))} - {author})
            if not recipients:
                continue
            rows.contributions.append(
                (
                    cid,
                    domain_id,
                    author,
                    "appreciation",
                    "Thank you",
                    "",
                    [],
                    [],
                    None,
                    recipients,
                    "published",
                    None,
                    at,
                    at,
                )
            )
        else:
            target, target_author, _ = items[-1 - int(rng.random() ** 2 * min(len(items), 800))]
            endorser = someone(target_author)
            kind = "applied" if rng.random() < 0.25 else "helpful"
            if endorser == target_author or (target, endorser, kind) in endorsed:
                continue
            endorsed.add((target, endorser, kind))
            rows.endorsements.append((cid, target, endorser, kind, at))
    for _ in range(plan.interactions // 150):
        at = when(rng, now)
        cycle = rng.choice(["immediate", "potential", "applied", "realized", "reframing"])
        rows.value_stories.append(
            (
                uuid.uuid4(),
                domain_id,
                pick(rng, members, propensity),
                cycle,
                "Value",
                "It helped.",
                at,
            )
        )


def build(scales: set[str], seed: int, now: datetime, *, admin: bool) -> Rows:
    rng = random.Random(seed)
    rows = Rows()
    if admin:
        rows.people.append((uuid.uuid4(), ADMIN_EMAIL, "Bench Admin", True))
    if "large" in scales:
        people = [uuid.uuid4() for _ in range(2000)]
        rows.people.extend(
            (p, f"large-{i}@bench.cop", f"Large member {i}", False) for i, p in enumerate(people)
        )
        domain(rows, Plan("bench-large", people, 25, 50_000, 200), rng, now)
    if "cross" in scales:
        people = [uuid.uuid4() for _ in range(20_000)]
        rows.people.extend(
            (p, f"cross-{i}@bench.cop", f"Cross member {i}", False) for i, p in enumerate(people)
        )
        home = [people[i::20] for i in range(20)]
        extra: list[list[uuid.UUID]] = [[] for _ in range(20)]
        for i, p in enumerate(people):
            others = [d for d in range(20) if d != i % 20]
            for d in rng.sample(
                others, 2 if rng.random() < 0.05 else 1 if rng.random() < 0.3 else 0
            ):
                extra[d].append(p)
        for d in range(20):
            domain(
                rows,
                Plan(f"bench-cross-{d + 1:02d}", home[d], 12, 25_000, 100, extra[d]),
                rng,
                now,
            )
    return rows


async def insert(url: str, rows: Rows) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with conn.transaction():
            for name, table in TABLE_OF.items():
                records = getattr(rows, name)
                if records:
                    started = time.perf_counter()
                    await conn.copy_records_to_table(
                        table, records=records, columns=list(COLUMNS[table])
                    )
                    print(
                        f"  {table}: {len(records):,} rows in {time.perf_counter() - started:.1f} s"
                    )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def present(url: str) -> tuple[bool, set[str]]:
    """Whether the admin exists, and which scales are already loaded."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        admin = await conn.fetchval("SELECT count(*) FROM people WHERE email = $1", ADMIN_EMAIL)
        slugs = {r[0] for r in await conn.fetch("SELECT slug FROM domains")}
    finally:
        await conn.close()
    scales = {
        s for s, slug in (("large", "bench-large"), ("cross", "bench-cross-01")) if slug in slugs
    }
    return bool(admin), scales


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/cop_api_bench"
    )
    parser.add_argument("--scale", choices=["large", "cross", "both"], default="both")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    args = parser.parse_args()
    url = async_url(args.database_url)
    asyncio.run(create_database(url, drop_first=args.fresh))
    migrate(url)
    has_admin, loaded = asyncio.run(present(url))
    wanted = {"large", "cross"} if args.scale == "both" else {args.scale}
    if not wanted - loaded:
        sys.exit("That benchmark data is already there; use --fresh to make it again.")
    started = time.perf_counter()
    rows = build(wanted - loaded, args.seed, datetime.now(UTC), admin=not has_admin)
    interactions = len(rows.contributions) + len(rows.endorsements)
    print(
        f"generated {len(rows.people):,} people, {len(rows.domains)} domains, "
        f"{interactions:,} interactions, {len(rows.gatherings):,} gatherings, "
        f"{len(rows.attendance):,} attendances in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    asyncio.run(insert(url, rows))
    print(f"inserted in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
