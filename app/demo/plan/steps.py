"""The steps of the demo's year. Each has a moment (`at`) and is carried out by `replay` at
that moment."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.demo import cast
from app.demo.people import Person


@dataclass
class Step:
    at: datetime


@dataclass
class NewPerson(Step):
    person: Person


@dataclass
class NewDomain(Step):
    domain: cast.Domain
    fields: dict[str, Any]


@dataclass
class UpdateDomain(Step):
    slug: str
    by: str
    fields: dict[str, Any]


@dataclass
class Join(Step):
    """The person's own act: join an open domain, ask to join one that asks, or accept an
    invitation."""

    slug: str
    who: str


@dataclass
class Invite(Step):
    slug: str
    by: str
    who: str


@dataclass
class Approve(Step):
    slug: str
    by: str
    who: str


@dataclass
class SetRoles(Step):
    slug: str
    by: str
    who: str
    roles: list[str]


@dataclass
class Leave(Step):
    slug: str
    who: str


@dataclass
class Schedule(Step):
    """A gathering or a series; its occurrences are known as `key#0`, `key#1`..."""

    slug: str
    by: str
    key: str
    fields: dict[str, Any]
    hosts: list[str] = field(default_factory=list)
    rotation: list[str] = field(default_factory=list)


@dataclass
class Rsvp(Step):
    gathering: str
    who: str
    response: str


@dataclass
class CheckIn(Step):
    gathering: str
    who: str


@dataclass
class Attend(Step):
    gathering: str
    by: str
    who: list[str]


@dataclass
class Summarise(Step):
    gathering: str
    by: str
    summary: str
    decisions: list[str]
    follow_ups: list[str]


@dataclass
class Post(Step):
    """A published contribution (written in bulk, with its events, like the service)."""

    key: str
    slug: str
    author: str
    kind: str
    title: str | None
    body: str
    topic: str = ""
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    parent: str | None = None
    recipients: list[str] = field(default_factory=list)
    gathering: str | None = None


@dataclass
class Endorse(Step):
    post: str
    who: str
    kind: str
    note: str = ""


@dataclass
class Accept(Step):
    question: str
    answer: str
    by: str


@dataclass
class Curate(Step):
    post: str
    by: str


@dataclass
class Edit(Step):
    post: str
    by: str
    body: str


@dataclass
class NewCollection(Step):
    key: str
    slug: str
    by: str
    title: str
    description: str
    items: list[tuple[str, str]]  # (post, note)


@dataclass
class ValueStory(Step):
    slug: str
    by: str
    cycle: str
    title: str
    story: str
    posts: list[str]


@dataclass
class Report(Step):
    key: str
    post: str
    by: str
    reason: str


@dataclass
class Resolve(Step):
    report: str
    by: str
    status: str
    note: str
    hide: bool
