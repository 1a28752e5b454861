"""Field types the contribution requests share: each limit written once."""

import uuid
from typing import Annotated

from pydantic import AfterValidator, AnyHttpUrl, Field, StringConstraints, UrlConstraints

from app.models.people import TagList

MAX_BODY = 100_000
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Body = Annotated[str, StringConstraints(max_length=MAX_BODY)]
ThemeList = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]],
    Field(max_length=20),
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Tags = Annotated[TagList, Field(max_length=20)]
CollectionTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Description = Annotated[str, StringConstraints(max_length=10_000)]
# http(s) only, and no longer than the column holds.
Url = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)]


def _once(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


Recipients = Annotated[list[uuid.UUID], Field(max_length=50), AfterValidator(_once)]
