"""Collections over the API: contributions put together by a curator, in order."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.common import Input, descriptions_from
from app.models.contributions.fields import CollectionTitle, Description


class CollectionCreate(Input):
    """A new collection: contributions put together by a curator, in order."""

    title: CollectionTitle = Field(description="The collection's title.")
    description: Description = Field(default="", description="What the collection is for.")


@descriptions_from(CollectionCreate)
class CollectionUpdate(Input):
    """Changes to a collection: only the fields sent are changed."""

    title: CollectionTitle | None = None
    description: Description | None = None


class CollectionItemInput(Input):
    """A contribution's place in a collection: added, moved, or given a new note."""

    contribution_id: uuid.UUID = Field(description="The contribution's id.")
    note: Annotated[str, StringConstraints(max_length=5000)] = Field(
        default="", description="Why it is in the collection."
    )
    position: Annotated[int, Field(ge=0, le=10_000)] | None = Field(
        default=None, description="Its 0-based place in the collection (default: at the end)."
    )


@descriptions_from(CollectionItemInput)
class CollectionItemPublic(BaseModel):
    """A contribution in a collection."""

    model_config = ConfigDict(from_attributes=True)

    contribution_id: uuid.UUID
    position: int = Field(description="Its 0-based place in the collection.")
    note: str
    created_at: datetime = Field(description="When it was added.")


@descriptions_from(CollectionCreate)
class CollectionPublic(BaseModel):
    """A collection: contributions put together by a curator, in order."""

    id: uuid.UUID = Field(description="The collection's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    title: str
    description: str
    created_by_id: uuid.UUID | None = Field(
        description="Who created it; null if an integration (an API key) did."
    )
    created_at: datetime = Field(description="When it was created.")
    updated_at: datetime = Field(description="When it, or its items, last changed.")
    version: int = Field(description="Send it back in If-Match (quoted) to change this collection.")
    items: list[CollectionItemPublic] = Field(description="Its contributions, in order.")
