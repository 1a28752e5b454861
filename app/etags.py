"""ETags and If-Match (RFC 9110, 8.8.3 and 13.1.1) over resource versions.

A resource's ETag is its version, quoted and strong: `ETag: "7"`. A write that sends
`If-Match: "7"` happens only if the resource is still at version 7; otherwise it is 412.
`If-Match: "6", "7"` happens if it is at either. `If-Match: *` matches any existing
resource. A weak tag (`W/"7"`) never matches, since If-Match compares strongly; neither
does a well-formed tag this service never issued."""

import re
from typing import TypeVar

from fastapi import Response

from app.errors import invalid_field
from app.services.versions import Expected, HasVersion

_TAG = r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"'
_LIST = re.compile(rf"^\s*{_TAG}(?:\s*,\s*{_TAG})*\s*$")
_ONE = re.compile(_TAG)
_VERSION = re.compile(r"^[1-9][0-9]{0,17}$")


V = TypeVar("V", bound=HasVersion)


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, resource: V) -> V:
    """Set `ETag` from the resource's version, and hand the resource back."""
    response.headers["ETag"] = etag(resource.version)
    return resource


def expected_version(if_match: str | None) -> Expected:
    """The versions an If-Match header accepts, or None for no condition (absent, or `*`).
    Tags that can never match (weak, or not a version of ours) are left out, so a header
    naming none of ours becomes the empty set and the service answers 412 in its usual
    order (after 404 and 403). A malformed header is refused."""
    if if_match is None or if_match.strip() == "*":
        return None
    if not _LIST.match(if_match):
        raise invalid_field(
            "If-Match",
            "If-Match takes ETags as the API sent them, quoted and separated by commas "
            '(for example "3" or "3", "4"), or *.',
            "malformed",
        )
    tags = _ONE.findall(if_match)
    return frozenset(int(opaque) for weak, opaque in tags if not weak and _VERSION.match(opaque))
