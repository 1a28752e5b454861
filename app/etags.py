"""ETags and If-Match (RFC 9110, 8.8.3 and 13.1.1) over resource versions.

A resource's ETag is its version, quoted and strong: `ETag: "7"`. A write that sends
`If-Match: "7"` happens only if the resource is still at version 7; otherwise it is 412.
`If-Match: *` matches any existing resource. A weak tag (`W/"7"`) never matches, since
If-Match compares strongly; neither does a well-formed tag this service never issued."""

import re
from typing import TypeVar

from fastapi import Response

from app.errors import invalid_field
from app.services.versions import NO_VERSION, HasVersion

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


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header requires, or None for no condition (absent, or `*`).
    A tag that can never match becomes NO_VERSION, so the service answers 412 in its
    usual order (after 404 and 403). A malformed header, or a list of several tags, is
    refused: the version is one number, and a client means one of them."""
    if if_match is None or if_match.strip() == "*":
        return None
    if not _LIST.match(if_match):
        raise invalid_field(
            "If-Match",
            'If-Match takes an ETag as the API sent it, quoted (for example "3"), or *.',
            "malformed",
        )
    tags = _ONE.findall(if_match)
    if len(tags) > 1:
        raise invalid_field("If-Match", "Send one ETag in If-Match, not a list.", "too_many")
    weak, opaque = tags[0]
    if weak or not _VERSION.match(opaque):
        return NO_VERSION
    return int(opaque)
