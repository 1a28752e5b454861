"""The state of the plan as it is drawn, shared by its phases."""

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.demo import cast
from app.demo.people import Profile
from app.demo.plan.rules import STYLES, P, affinities
from app.demo.plan.steps import Post, Step

SEED = 20_24_06


@dataclass
class Span:
    start: datetime
    end: datetime | None = None

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


class Year:
    """The year being planned: its origin, the steps so far, and what they have made (who
    is a member when, the posts, who attended what); and the helpers every phase uses."""

    def __init__(self, origin: datetime) -> None:
        self.origin = origin.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        self.rng = random.Random(SEED)
        self.steps: list[tuple[datetime, int, Step]] = []
        self.spans: dict[tuple[str, str], Span] = {}
        self.created: dict[str, datetime] = {}
        self.posts: dict[str, Post] = {}
        self.by_domain: dict[str, list[Post]] = defaultdict(list)
        self.endorsed: set[tuple[str, str, str]] = set()
        self.attended: dict[str, tuple[str, datetime, list[str]]] = {}
        # slug -> (key, start, host, nominal start): the start falls on a weekday, up to
        # four days from the nominal one, which is always the same distance from the origin.
        self.occurrences: dict[str, list[tuple[str, datetime, str, datetime]]] = defaultdict(list)
        self.counter = 0

    def day(self, days_ago: float, hour: float = 12.0) -> datetime:
        """`days_ago` days before the origin, `hour - 12` hours off: every moment keeps
        the same distance from the origin, whatever the time of day the demo is loaded,
        so that views over windows ending now always see the same history."""
        return self.origin - timedelta(days=days_ago) + timedelta(hours=hour - 12)

    def past(self, moment: datetime) -> bool:
        return moment < self.origin - timedelta(hours=1)

    def add(self, step: Step) -> Step:
        self.counter += 1
        self.steps.append((step.at, self.counter, step))
        return step

    def key(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def person(self, key: str, moment: datetime) -> None:
        if key not in self.created or moment < self.created[key]:
            self.created[key] = moment

    def member(self, slug: str, key: str, moment: datetime) -> bool:
        span = self.spans.get((slug, key))
        return span is not None and span.covers(moment)

    def members_at(self, slug: str, moment: datetime) -> list[str]:
        return [k for (s, k), span in self.spans.items() if s == slug and span.covers(moment)]

    def asks_from(self) -> dict[str, tuple[datetime, str]]:
        """Domains that let anyone in at first, then ask newcomers to request: from when,
        and who changed it."""
        return {cast.NURSES.slug: (self.day(200, 9), "amara")}

    @staticmethod
    def draw(*keys: object) -> random.Random:
        """A generator for one decision about these things, the same whatever else was
        decided before it. Gatherings fall on a weekday, so their dates move by up to three
        days with the day the demo is loaded: decisions about them must not shift the rest."""
        return random.Random(f"{SEED}:" + ":".join(map(str, keys)))

    def steady_member(self, slug: str, key: str, nominal: datetime) -> bool:
        """A member for five days either side of a gathering's nominal start: true whatever
        day it actually falls on."""
        span = self.spans.get((slug, key))
        return (
            span is not None
            and span.covers(nominal - timedelta(days=5))
            and span.covers(nominal + timedelta(days=5))
        )

    def scheduled(self, slug: str, people: list[str], wanted: datetime) -> datetime:
        """When a gathering is scheduled: `wanted`, or once its scheduler and hosts are
        members (with their roles) if that is later."""
        starts = [self.spans[(slug, k)].start + timedelta(hours=2) for k in people]
        return max([wanted, *starts])

    def post(self, **values: Any) -> Post:
        post = Post(key=self.key("post"), **values)
        self.posts[post.key] = post
        self.by_domain[post.slug].append(post)
        self.add(post)
        return post

    def profile(self, d: cast.Domain, key: str, moment: datetime) -> Profile:
        profile = d.roster.get(key, P.core)
        if profile == P.drifting and moment > self.day(200):
            return P.peripheral
        return profile

    def pick(self, options: dict[str, float]) -> str | None:
        total = sum(options.values())
        if total <= 0:
            return None
        x = self.rng.uniform(0, total)
        for key, weight in options.items():
            x -= weight
            if x <= 0:
                return key
        return next(iter(options))

    def responder(
        self, d: cast.Domain, moment: datetime, exclude: Iterable[str], topic: str
    ) -> str | None:
        style = STYLES[d.slug]
        skip = set(exclude)
        options = {}
        for key in self.members_at(d.slug, moment):
            if key in skip:
                continue
            weight = style.weights.get(self.profile(d, key, moment), 0.0)
            if d is cast.NURSES and topic in ("pain", "wounds"):
                weight *= 5 if topic in affinities(key) else 0.4
            if weight > 0:
                options[key] = weight
        return self.pick(options)
