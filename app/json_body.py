"""One reader for JSON request bodies, REST and GraphQL alike.

orjson, strictly RFC 8259 (UTF-8 only, no NaN, no comments), and no deeper than
`MAX_DEPTH` levels of arrays and objects: deeper JSON is no input this API has, and
it breaks whatever walks it recursively later (orjson writes at most 254 levels, the
standard library recurses until Python's limit). Whatever it refuses raises
`MalformedJSON`, a `json.JSONDecodeError`, which FastAPI turns into a validation error
(the REST handler answers 400 `malformed-json`) and Strawberry into a 400."""

import codecs
import gc
import json
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response, params
from fastapi.routing import APIRoute

from app.errors import FieldError, UnsupportedMediaType, shown

MAX_DEPTH = 64


class MalformedJSON(json.JSONDecodeError):
    def __init__(self, reason: str, position: int = -1) -> None:
        # No document kept: the error must not carry (or later print) the input. The
        # position is -1 where there is none to give.
        super().__init__(reason, "", position)


def _containers(value: Any) -> list[Any]:
    return [value] if isinstance(value, dict | list) else []


def deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels; level by level, so a
    deep value costs no recursion and a wide one a single pass."""
    level = _containers(value)
    for _ in range(limit):
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return bool(level)


def loads(body: bytes | str) -> Any:
    if isinstance(body, bytes) and body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]  # allowed by RFC 8259 to ignore; clients send it
    # A megabyte of `[[],{}]` is 400,000 new containers, and the cyclic collector, run
    # every few hundred of them, would take 80% of the time; nothing here awaits, so
    # pausing it affects no other request.
    collecting = gc.isenabled()
    gc.disable()
    try:
        value = orjson.loads(body)
        # Only a body with that many brackets can be that deep: most are not walked.
        if isinstance(body, bytes):
            brackets = body.count(b"[") + body.count(b"{")
        else:
            brackets = body.count("[") + body.count("{")
        too_deep = brackets > MAX_DEPTH and deeper_than(value, MAX_DEPTH)
    except orjson.JSONDecodeError as exc:
        raise MalformedJSON(exc.msg, exc.pos) from None
    finally:
        if collecting:
            gc.enable()
    if too_deep:
        raise MalformedJSON(f"nested more than {MAX_DEPTH} levels deep")
    return value


class JSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


FORM = "application/x-www-form-urlencoded"


def media_type(content_type: str | None) -> str:
    """`application/json; charset=utf-8` -> `application/json`; "" for none."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    """`application/json`, or a JSON-based type (`application/merge-patch+json`, ...)."""
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() != "0"
    return "transfer-encoding" in request.headers


class JSONRoute(APIRoute):
    """Every REST route reads its JSON body with `loads`, and refuses a body in a media
    type it does not read with 415 (RFC 9110 15.5.16), before looking at it: a JSON body
    takes `application/json` or a `+json` type, a form (the OAuth2 token endpoint)
    `application/x-www-form-urlencoded`. Without this, FastAPI would treat a body of
    another type as a string and answer 422. Routes that read their body themselves
    (imports) check its type where they parse it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        field = self.body_field
        form = field is not None and isinstance(field.field_info, params.Form)
        accepts: Callable[[str], bool] | None = None
        if form:
            accepts = FORM.__eq__
        elif field is not None:
            accepts = is_json
        wanted = FORM if form else "application/json"

        async def with_json_limits(request: Request) -> Response:
            if accepts is not None and _has_body(request):
                media = media_type(request.headers.get("content-type"))
                if not accepts(media):
                    raise UnsupportedMediaType(
                        f"Send the body as {wanted}.",
                        errors=[
                            FieldError(
                                "Content-Type",
                                f"'{shown(media) or 'none'}' is not {wanted}",
                                "unsupported_media_type",
                            )
                        ],
                    )
            return await handler(JSONRequest(request.scope, request.receive))

        return with_json_limits
