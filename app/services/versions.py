"""Optimistic concurrency: a client that read version N of a resource may say "change it
only if it is still at N" (REST `If-Match: "N"`, GraphQL `expectedVersion: N`).

Services compare inside the write transaction, after the row is locked, so that no other
writer can slip in between the comparison and the change."""

from typing import Protocol

from app.errors import PreconditionFailed

NO_VERSION = 0
"""What an If-Match naming no version of ours (a weak or foreign tag) stands for: versions
start at 1, so it never matches."""


class HasVersion(Protocol):
    @property
    def version(self) -> int: ...


def check_version(resource: HasVersion, expected: int | None, noun: str) -> None:
    """Raise PreconditionFailed unless `expected` is None (no condition) or the current
    version. Call it with the row locked (or re-read after taking the lock)."""
    if expected is None or expected == resource.version:
        return
    raise PreconditionFailed(
        f"The {noun} changed since you read it: it is at version {resource.version}, "
        f"not {expected}. Read it again, then retry with its current ETag.",
        extra={"current_version": resource.version},
    )
