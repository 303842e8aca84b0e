"""A streamed answer that stops when its client goes: the answer's generator is closed, so the backend stops
writing and frees its model context for the next call (`luodi chat`'s Ctrl-C, a client that hangs up)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from starlette.concurrency import run_in_threadpool

_END = object()


async def closed_when_client_leaves(events: Iterator[str]) -> AsyncIterator[str]:
    """`events` pulled in a worker thread, one at a time, and closed however the response ends. Starlette cancels
    the response when the client disconnects; a sync iterator it would otherwise just drop, and a dropped
    generator held by a reference cycle keeps generating until the garbage collector finds it."""
    try:
        while (event := await run_in_threadpool(next, events, _END)) is not _END:
            yield event  # type: ignore[misc]
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
