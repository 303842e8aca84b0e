"""Request middleware: the body size limit, applied before anything parses a body; JSON bodies read as JSON
whatever content type they came with; `x-request-id` on every response."""

from __future__ import annotations

import json
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from luodi.api.errors import REQUEST_ID_HEADER, error_response
from luodi.errors import BodyNotText, RequestTooLarge

MAX_BODY_BYTES = 512 * 1024
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # a file upload (`POST /v1/files`): a long annual report is 5-20 MB
UPLOAD_PATH = "/v1/files"


class BodySizeLimit:
    """Refuses request bodies over the limit with 413 before anything parses them; file uploads have their own."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, upload_limit: int = MAX_UPLOAD_BYTES) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] == UPLOAD_PATH else self.limit
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                hint = "upload a smaller file" if limit == self.upload_limit else "send shorter messages"
                error = RequestTooLarge(f"request body is over {limit // 1024} KiB; {hint}")
                await error_response(error)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        where = lone_surrogate_in(body)
        if where is not None:
            not_text = BodyNotText(f"{where or 'the body'} holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape "
                                   "without its pair), which is not text", param=where or None)
            await error_response(not_text)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def lone_surrogate_in(body: bytes) -> str | None:
    """Where a JSON body holds a string with a lone UTF-16 surrogate ("messages.0.content"; "" for a top-level
    string), or None. Such a string cannot be encoded as UTF-8: every stage after would fail on it."""
    if not SURROGATE_ESCAPE.search(body):
        return None  # the common case costs one scan, no parse
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON (or nested past what Python parses): the route's own parsing says so
    return _surrogate_path(parsed)


def _surrogate_path(root: object) -> str | None:
    """Depth first, without recursion: a body may nest thousands deep."""
    waiting: list[tuple[object, tuple[str, ...]]] = [(root, ())]
    while waiting:
        value, path = waiting.pop()
        if isinstance(value, str):
            if not _is_text(value):
                return ".".join(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _is_text(key):
                    return ".".join(path)
                waiting.append((item, (*path, key)))
        elif isinstance(value, list):
            waiting.extend((item, (*path, str(index))) for index, item in enumerate(value))
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


JSON_CONTENT_TYPE = (b"content-type", b"application/json")


class RequestId:
    """Every response carries `x-request-id` (the openai SDK shows it as `_request_id`): the completion's own id
    where the route set one, a fresh one otherwise (errors, listings)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == REQUEST_ID_HEADER.encode() for name, _ in headers):
                    headers.append((REQUEST_ID_HEADER.encode(), f"req-{uuid.uuid4().hex}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


class JsonBodies:
    """A POST to the API whose content type is missing or not JSON (curl's `-d` sends a form type) is read as the
    JSON it is meant to be: a body that is not JSON then gets the usual 400 saying so, never a 422 about a form.
    Multipart uploads keep their type."""

    def __init__(self, app: ASGIApp, prefix: str = "/v1/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith(self.prefix):
            headers = [(name, value) for name, value in scope["headers"] if name.lower() != b"content-type"]
            found = [value for name, value in scope["headers"] if name.lower() == b"content-type"]
            kind = found[0].split(b";")[0].strip().lower() if found else b""
            if not (kind.endswith(b"json") or kind.startswith(b"multipart/")):
                scope = {**scope, "headers": [*headers, JSON_CONTENT_TYPE]}
        await self.app(scope, receive, send)
