"""What a domain export holds: one section per table, nested where rows belong to a
parent row, and how each column is carried.

Every column is exported as it is stored, except:
- `id`: kept in the document (references point at it) and replaced on import;
- the column tying a row to its domain or its parent row (implied by where it sits);
- references (`refs`): to a person (an entry of the document's `people`) or to another
  row of the document; an import maps them to the new ids.
A column added to one of these tables later is exported and imported with no change
here; a new reference column must be named in `refs` (a test checks that)."""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.models.contributions import (
    Collection,
    CollectionItem,
    Contribution,
    ContributionRevision,
    ContributionStatus,
    Endorsement,
    ModerationEvent,
    Report,
    ValueStory,
)
from app.models.domains import Domain
from app.models.gatherings import Attendance, Gathering, GatheringSeries, Rsvp
from app.models.memberships import Membership, MembershipEvent

FORMAT = "cop-api.domain"
VERSION = 1
PERSON = "person"

# People as a domain export carries them: profile fields, never credentials or
# platform-wide flags. How to reach someone (their email) and their id in the
# organisation's directory are in an export by a platform admin or an admin key only.
PERSON_FIELDS = (
    "id",
    "email",
    "external_id",
    "display_name",
    "bio",
    "expertise",
    "timezone",
    "share_participation",
)
ADMIN_ONLY_PERSON_FIELDS = frozenset({"email", "external_id"})


@dataclass(frozen=True, eq=False)  # hashed by identity: sections are constants
class Section:
    key: str  # the list's name in the document
    model: Any  # the SQLModel table
    kind: str  # what references to its rows call it
    link: str  # the column that ties a row to its domain or to its parent row
    order_by: tuple[str, ...]
    refs: Mapping[str, str] = field(default_factory=dict)  # column -> PERSON or a kind
    children: tuple["Section", ...] = ()
    omit: frozenset[str] = frozenset()  # columns that are not data
    # Which rows are exported (None: all), as a condition on the table.
    only: Callable[[Any], Any] | None = None
    # References without which a row is not exported, when they point at a row the export
    # leaves out (a reply to a draft). A non-nullable reference always counts as one.
    requires: frozenset[str] = frozenset()

    @property
    def table(self) -> Any:
        return self.model.__table__

    def columns(self) -> list[Any]:
        """The columns written to the document, in table order."""
        skip = {self.link, "domain_id", *self.omit}
        return [c for c in self.table.columns if c.name not in skip]

    def self_refs(self) -> list[str]:
        """References to rows of the same section: set after all its rows exist."""
        return [name for name, kind in self.refs.items() if kind == self.kind]


DOMAIN_REFS = {"created_by_id": PERSON}
DOMAIN_OMIT = frozenset({"parent_id"})  # carried as `parent_slug`

SECTIONS: tuple[Section, ...] = (
    Section(
        "members",
        Membership,
        "membership",
        "domain_id",
        ("created_at", "id"),
        refs={"person_id": PERSON},
        children=(
            Section(
                "history",
                MembershipEvent,
                "membership_event",
                "membership_id",
                ("at", "id"),
                refs={"actor_id": PERSON},
            ),
        ),
    ),
    Section(
        "gathering_series",
        GatheringSeries,
        "gathering_series",
        "domain_id",
        ("created_at", "id"),
        refs={"created_by_id": PERSON, "rotation_host_ids": PERSON},
        children=(
            Section(
                "gatherings",
                Gathering,
                "gathering",
                "series_id",
                ("original_start", "id"),
                refs={"host_ids": PERSON, "summary_by_id": PERSON, "created_by_id": PERSON},
                children=(
                    Section(
                        "rsvps",
                        Rsvp,
                        "rsvp",
                        "gathering_id",
                        ("created_at", "id"),
                        refs={"person_id": PERSON},
                    ),
                    Section(
                        "attendance",
                        Attendance,
                        "attendance",
                        "gathering_id",
                        ("created_at", "id"),
                        refs={"person_id": PERSON, "recorded_by_id": PERSON},
                    ),
                ),
            ),
        ),
    ),
    Section(
        "contributions",
        Contribution,
        "contribution",
        "domain_id",
        ("created_at", "id"),
        refs={
            "author_id": PERSON,
            "curated_by_id": PERSON,
            "recipient_ids": PERSON,
            "gathering_id": "gathering",
            "parent_id": "contribution",
            "accepted_answer_id": "contribution",
        },
        omit=frozenset({"search"}),  # a trigger derives it
        # A draft is its author's alone, not the domain's: no export holds one.
        only=lambda table: table.c.status != ContributionStatus.draft.value,
        requires=frozenset({"parent_id"}),
        children=(
            Section(
                "revisions",
                ContributionRevision,
                "contribution_revision",
                "contribution_id",
                ("at", "id"),
                refs={"editor_id": PERSON},
            ),
            Section(
                "endorsements",
                Endorsement,
                "endorsement",
                "contribution_id",
                ("created_at", "id"),
                refs={"person_id": PERSON},
            ),
            Section(
                "moderation",
                ModerationEvent,
                "moderation_event",
                "contribution_id",
                ("at", "id"),
                refs={"actor_id": PERSON},
            ),
        ),
    ),
    Section(
        "collections",
        Collection,
        "collection",
        "domain_id",
        ("created_at", "id"),
        refs={"created_by_id": PERSON},
        children=(
            Section(
                "items",
                CollectionItem,
                "collection_item",
                "collection_id",
                ("position", "id"),
                refs={"contribution_id": "contribution"},
            ),
        ),
    ),
    Section(
        "value_stories",
        ValueStory,
        "value_story",
        "domain_id",
        ("created_at", "id"),
        refs={
            "author_id": PERSON,
            "contribution_ids": "contribution",
            "endorsement_id": "endorsement",
        },
    ),
    Section(
        "reports",
        Report,
        "report",
        "domain_id",
        ("created_at", "id"),
        refs={
            "contribution_id": "contribution",
            "reporter_id": PERSON,
            "resolved_by_id": PERSON,
        },
    ),
)

# Tables that hold no part of a domain's own record: the event and audit logs (the
# history of this instance), webhooks, credentials, calendar tokens, import jobs.
NOT_EXPORTED = frozenset(
    {
        "people",
        "domains",
        "api_keys",
        "refresh_tokens",
        "feed_tokens",
        "events",
        "audit_log",
        "webhook_subscriptions",
        "webhook_deliveries",
        "import_jobs",
    }
)


def walk(sections: tuple[Section, ...] = SECTIONS) -> Iterator[Section]:
    """Every section, parents before their children, in import order."""
    for section in sections:
        yield section
        yield from walk(section.children)


def domain_columns() -> list[Any]:
    return [c for c in Domain.__table__.columns if c.name not in DOMAIN_OMIT]  # type: ignore[attr-defined]
