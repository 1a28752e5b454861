"""Optimistic concurrency: a client that read version N of a resource may say "change it
only if it is still at N" (REST `If-Match: "N"`, GraphQL `expectedVersion: N`).

REST's If-Match may name several versions (`If-Match: "3", "4"`): the write happens if
the resource is at any of them (RFC 9110, 13.1.1).

Services compare inside the write transaction, after the row is locked, so that no other
writer can slip in between the comparison and the change."""

from collections.abc import Set
from typing import Protocol

from app.errors import PreconditionFailed

Expected = int | Set[int] | None
"""What a write requires of the current version: None (no condition), one version, or a
set of versions any of which will do (an empty set never matches)."""


class HasVersion(Protocol):
    @property
    def version(self) -> int: ...


def check_version(resource: HasVersion, expected: Expected, noun: str) -> None:
    """Raise PreconditionFailed unless `expected` is None (no condition) or names the
    current version. Call it with the row locked (or re-read after taking the lock)."""
    if expected is None:
        return
    if isinstance(expected, int):
        if expected == resource.version:
            return
        wanted = str(expected)
    else:
        if resource.version in expected:
            return
        wanted = " or ".join(str(v) for v in sorted(expected)) or "any version you named"
    raise PreconditionFailed(
        f"The {noun} changed since you read it: it is at version {resource.version}, "
        f"not {wanted}. Read it again, then retry with its current ETag.",
        extra={"current_version": resource.version},
    )
