"""The shape of what a domain's members say: a repertoire of entries by kind."""

from dataclasses import dataclass

Entry = tuple[str, str, str, tuple[str, ...]]
Resource = tuple[str, str, str, str, tuple[str, ...]]  # an entry with its url before the tags


@dataclass(frozen=True)
class Repertoire:
    themes: dict[str, str]  # topic -> the domain theme it files under ("" for none)
    questions: tuple[Entry, ...]
    stories: tuple[Entry, ...]
    lessons: tuple[Entry, ...]
    practices: tuple[Entry, ...]
    successes: tuple[Entry, ...]
    challenges: tuple[Entry, ...]
    resources: tuple[Resource, ...]
    answers: dict[str, tuple[str, ...]]  # topic -> bodies
    replies: tuple[str, ...]
