"""What identifies an idempotent request: its key, whose key space it uses, what makes two
requests the same, and which requests are never stored (they issue credentials)."""

import contextlib
import hashlib
import hmac
import re
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from starlette.types import Scope

from app import json_body
from app.config import Settings
from app.services.people.auth import API_KEY_PREFIX, access_token_subject

MAX_KEY_LENGTH = 255

# Their responses hold a secret shown once; storing it would keep a live credential.
NOT_STORED_PATHS = frozenset(
    {
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/api-keys",
        "/api/v1/people/me/feed-tokens",
    }
)
NOT_STORED_MUTATIONS = frozenset({"login", "refreshToken", "createApiKey", "createFeedToken"})

_SF_STRING = re.compile(r'^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$')
_PLAIN_KEY = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")


class BadKey(ValueError):
    pass


def parse_key(values: list[bytes]) -> str:
    """The key, from a Structured Fields string (`"abc"`, as the draft defines it) or a
    bare token (`abc`, as most clients send it): 1 to 255 printable ASCII characters."""
    if len(values) != 1:
        raise BadKey("Send one Idempotency-Key header.")
    raw = values[0].decode("latin-1").strip()
    quoted = _SF_STRING.match(raw)
    if quoted:
        key = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif _PLAIN_KEY.match(raw) and not raw.startswith('"'):
        key = raw
    else:
        raise BadKey("An Idempotency-Key is printable ASCII, optionally in double quotes.")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadKey(f"An Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters.")
    return key


def _keyed(settings: Settings, *parts: bytes) -> str:
    mac = hmac.new(settings.secret_key.encode(), digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


def caller_of(headers: list[tuple[bytes, bytes]], settings: Settings) -> str | None:
    """Whose key space a request uses; None when its token is invalid (not handled)."""
    authorization = next((v for k, v in headers if k == b"authorization"), None)
    if authorization is None:
        return "anonymous"
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return "anonymous"  # the API ignores it too: the request runs without an identity
    if token.startswith(API_KEY_PREFIX):
        return "key:" + _keyed(settings, b"api-key", token.encode())
    person_id = access_token_subject(token, settings)
    return f"person:{person_id}" if person_id else None


def fingerprint(settings: Settings, scope: Scope, body: bytes) -> str:
    """What makes two requests "the same": method, path, query, media type and body (JSON
    compared by value, so key order and spacing do not matter). Keyed, so that a body
    holding a password is not stored as a plain hash of it."""
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    if b"json" in content_type:
        # JSON the API will refuse is compared byte for byte.
        with contextlib.suppress(json_body.MalformedJSON, orjson.JSONEncodeError):
            body = orjson.dumps(json_body.loads(body), option=orjson.OPT_SORT_KEYS)
    return _keyed(
        settings,
        scope["method"].encode(),
        scope["path"].encode(),
        scope.get("query_string", b""),
        content_type.split(b";", 1)[0].strip().lower(),
        body,
    )


def issues_credentials(body: bytes, *, max_tokens: int | None = None) -> bool:
    """Whether a GraphQL request may run a mutation whose result holds a secret (read
    with the GraphQL endpoint's own limits: what it refuses runs nothing)."""
    try:
        payload = json_body.loads(body)
    except json_body.MalformedJSON:
        return False
    requests = payload if isinstance(payload, list) else [payload]
    return any(_issues_credentials(r, max_tokens) for r in requests if isinstance(r, dict))


def _issues_credentials(request: dict[str, Any], max_tokens: int | None) -> bool:
    try:
        document = parse(request["query"], max_tokens=max_tokens)
    except (GraphQLError, KeyError, TypeError):
        return False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    name = request.get("operationName")
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.operation != OperationType.MUTATION:
            continue
        if name and (definition.name is None or definition.name.value != name):
            continue
        if _root_fields(definition.selection_set, fragments, set()) & NOT_STORED_MUTATIONS:
            return True
    return False


def _root_fields(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> set[str]:
    """The top-level field names a selection asks for, through fragments."""
    names: set[str] = set()
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                names |= _root_fields(fragment.selection_set, fragments, seen)
    return names
