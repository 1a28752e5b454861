"""`Idempotency-Key` on POST (IETF httpapi draft "The Idempotency-Key HTTP Header Field").

A client that sends `Idempotency-Key: <key>` with a POST may retry it safely: within the
retention (24 hours) the same key with the same request returns the first response
(status, body, Location, ETag and the other headers) without doing the write again; the
same key with a different request is 422; a retry while the first is still running is
409. Without the header nothing changes.

Keys belong to a caller: a person (the `sub` of a valid access token, checked without
the database), an API key (a keyed hash of the whole key: its prefix alone is no secret),
or, for requests without a token, everyone without one (so only the same request, the
same body included, can replay an anonymous response). A request whose access token is
invalid is passed through untouched: it fails authentication anyway.

The key is claimed in its own short transaction before the request runs (a unique
constraint lets exactly one concurrent request through) and completed, with the
response, after it. A server-side failure (a 5xx, a GraphQL INTERNAL_SERVER_ERROR or
SERVICE_UNAVAILABLE, a transient concurrent-update conflict) releases the key instead,
so a retry runs the request again; so does a 401 (the key's owner is not established).
A claim whose request never finished (its process died) stops blocking retries of the
same request after `idempotency_lease_seconds`.

Responses that carry a credential shown once (tokens, API keys, calendar-feed tokens)
are never stored: those endpoints, and the GraphQL mutations that issue them, ignore the
header. Pure ASGI, so that REST and GraphQL (`POST /graphql`) are covered alike.

What identifies a request is `keys`; the records, `store`; the ASGI part, `middleware`."""

from app.idempotency.keys import NOT_STORED_MUTATIONS, NOT_STORED_PATHS, issues_credentials
from app.idempotency.middleware import IdempotencyMiddleware
from app.idempotency.store import KeyStore

__all__ = [
    "NOT_STORED_MUTATIONS",
    "NOT_STORED_PATHS",
    "IdempotencyMiddleware",
    "KeyStore",
    "issues_credentials",
]
