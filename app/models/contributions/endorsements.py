"""Endorsements and value-creation stories over the API."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.common import Input, descriptions_from
from app.models.contributions.enums import EndorsementKind, ValueCycle
from app.models.contributions.fields import MAX_BODY, Title


class EndorsementInput(Input):
    """An endorsement: a contribution helped you, or you applied it in your practice."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "applied", "note": "Used the script on my ward; calmer talks."}]
        }
    )

    kind: EndorsementKind = Field(description="What the endorsement says.")
    note: Annotated[str, StringConstraints(max_length=10_000)] = Field(
        default="",
        description="What it did for you. On an `applied` endorsement a note also records an "
        "`applied` value story.",
    )


@descriptions_from(EndorsementInput)
class EndorsementPublic(BaseModel):
    """A person's endorsement of a contribution."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The endorsement's id.")
    contribution_id: uuid.UUID = Field(description="The endorsed contribution's id.")
    person_id: uuid.UUID = Field(description="Who endorsed it.")
    kind: EndorsementKind
    note: str = Field(description="What it did for them.")
    created_at: datetime = Field(description="When they endorsed it.")


class ValueStoryCreate(Input):
    """A value-creation story: what the community's activity was worth, and in which cycle
    of value."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cycle": "realized",
                    "title": "Fewer crisis calls",
                    "story": "After adopting the family-meeting guide, weekend calls halved.",
                    "contribution_ids": [],
                }
            ]
        }
    )

    cycle: ValueCycle = Field(description="The cycle of value the story records.")
    title: Title = Field(description="The story's title.")
    story: Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY)] = Field(
        description="The story itself."
    )
    contribution_ids: Annotated[list[uuid.UUID], Field(max_length=50)] = Field(
        default=[], description="The contributions it tells of (at most 50)."
    )


@descriptions_from(ValueStoryCreate)
class ValueStoryPublic(BaseModel):
    """A value-creation story: what the community's activity was worth, and in which cycle
    of value."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The story's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    author_id: uuid.UUID | None = Field(
        description="Who recorded it; null if an integration (an API key) did."
    )
    cycle: ValueCycle
    title: str
    story: str
    contribution_ids: list[uuid.UUID]
    endorsement_id: uuid.UUID | None = Field(
        description="The `applied` endorsement whose note recorded it; null for a story "
        "recorded on its own."
    )
    created_at: datetime = Field(description="When it was recorded.")
