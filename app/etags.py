"""Entity tags (RFC 9110, 8.8.3) and the conditions that compare them (13.1.1, 13.1.2).

A response's `ETag` is computed from the exact bytes of its body (by `HttpCacheMiddleware`
in app/http_cache.py), so it changes whenever those bytes change, derived counts
included, and differs between callers who are shown different bytes. A resource that has
a version keeps it in front: `"7.<digest>"`; anything else is `"<digest>"`. Routers mark
a versioned resource with `with_etag`, which sets the bare version tag (`"7"`); the
middleware completes it with the digest of the body it ends up sending.

Writes compare versions only: `If-Match: "7"` and `If-Match: "7.<anything>"` both mean
"only if it is still at version 7", so a count changed by someone else (an RSVP, an
endorsement) changes the tag but does not block an edit of what the client read.
`If-Match: "6", "7"` happens if it is at either; `If-Match: *` matches any existing
resource. A weak tag (`W/"7"`) never matches, since If-Match compares strongly; neither
does a well-formed tag this service never issued, nor a digest-only tag (a resource
without a version cannot be changed conditionally).

Reads revalidate with `If-None-Match`, compared weakly against the current tag: a match
is `304 Not Modified`."""

import hashlib
import re
from typing import TypeVar

from fastapi import Response

from app.errors import invalid_field
from app.services.versions import Expected, HasVersion

_ETAGC = r"[\x21\x23-\x7e\x80-\xff]"
_TAG = rf'(W/)?"({_ETAGC}*)"'
_LIST = re.compile(rf"^\s*{_TAG}(?:\s*,\s*{_TAG})*\s*$")
_ONE = re.compile(_TAG)
# The version part of a tag of ours: `"7"` as `with_etag` sets it, `"7.<digest>"` as sent.
_VERSION = re.compile(rf"^([1-9][0-9]{{0,17}})(?:\.{_ETAGC}+)?$")
_VERSION_TAG = re.compile(r'^"([1-9][0-9]{0,17})"$')

DIGEST_HEX = 16
"""The digest is SHA-256 cut to 16 hex digits (64 bits): a cryptographic hash, the fastest
of hashlib's where the processor has SHA instructions (about 1 GB/s, 20 µs for a page of
20 items), and wide enough that two bodies of one resource never share a tag by chance."""


V = TypeVar("V", bound=HasVersion)


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, resource: V) -> V:
    """Mark the response as showing a resource at this version (`ETag: "7"`), and hand the
    resource back. The tag sent is `"7.<digest of the body>"`."""
    response.headers["ETag"] = etag(resource.version)
    return resource


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:DIGEST_HEX]


def representation_tag(body: bytes, route_tag: str | None) -> str:
    """The ETag of a body: `"7.<digest>"` when the route set the version tag `"7"`,
    `"<digest>"` when it set none; a tag of another form the route set is kept as is."""
    if route_tag is None:
        return f'"{digest(body)}"'
    version = _VERSION_TAG.match(route_tag.strip())
    if version is None:
        return route_tag
    return f'"{version.group(1)}.{digest(body)}"'


def none_match(if_none_match: str, current: str) -> bool:
    """Whether `If-None-Match` names the current tag (weak comparison: `W/` is ignored on
    both sides) or is `*`. A malformed header names nothing."""
    if if_none_match.strip() == "*":
        return True
    if not _LIST.match(if_none_match):
        return False
    opaque = _ONE.match(current.strip())
    if opaque is None:
        return False
    return any(tag == opaque.group(2) for _weak, tag in _ONE.findall(if_none_match))


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
            '(for example "3.5f2b9c0e1d4a7b63", "3" or "3", "4"), or *.',
            "malformed",
        )
    versions = (_VERSION.match(opaque) for weak, opaque in _ONE.findall(if_match) if not weak)
    return frozenset(int(v.group(1)) for v in versions if v is not None)
