"""Reports and the moderation log over the API."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.common import Input, descriptions_from
from app.models.contributions.enums import ModerationAction, ReportStatus
from app.models.contributions.fields import Reason


class ReportCreate(Input):
    reason: Reason = Field(description="What is wrong with the contribution.")


class ReportResolve(Input):
    """A convenor's answer to a report."""

    status: ReportStatus = Field(
        description="How the report is settled: `resolved` or `dismissed`."
    )
    note: Annotated[str, StringConstraints(max_length=5000)] = Field(
        default="", description="What was done, for the record."
    )
    hide: bool = Field(default=False, description="Also hide the reported contribution.")


@descriptions_from(ReportCreate)
class ReportPublic(BaseModel):
    """A report of a contribution to the domain's convenors."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The report's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    contribution_id: uuid.UUID = Field(description="The reported contribution's id.")
    reporter_id: uuid.UUID | None = Field(
        description="Who reported it; null if an integration (an API key) did."
    )
    reason: str
    status: ReportStatus = Field(description="Where the report stands.")
    resolved_by_id: uuid.UUID | None = Field(
        description="Who resolved or dismissed it; null while it is open."
    )
    resolution_note: str = Field(description="What was done, for the record.")
    created_at: datetime = Field(description="When it was reported.")
    resolved_at: datetime | None = Field(
        description="When it was resolved or dismissed; null while it is open."
    )


class ModerationInput(Input):
    reason: Annotated[str, StringConstraints(max_length=5000)] = Field(
        default="", description="Why, for the moderation log."
    )


class ModerationEventPublic(BaseModel):
    """One entry of a contribution's moderation log."""

    model_config = ConfigDict(from_attributes=True)

    actor_id: uuid.UUID | None = Field(
        description="Who did it; null for an integration (an API key) or the operator's console."
    )
    action: ModerationAction = Field(description="What was done.")
    reason: str = Field(description="Why, as they gave it.")
    at: datetime = Field(description="When it was done.")
