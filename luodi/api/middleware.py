"""Request middleware: the body size limit, applied before anything parses a body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from luodi.api.errors import error_response
from luodi.errors import RequestTooLarge

MAX_BODY_BYTES = 512 * 1024


class BodySizeLimit:
    """Refuses request bodies over the limit with 413 before anything parses them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                error = RequestTooLarge(f"request body is over {self.limit // 1024} KiB; send shorter messages")
                await error_response(error)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
