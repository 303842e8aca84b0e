"""OpenAI's cursor pagination for list routes: `limit` (1-100, default 20), `order` (`asc`/`desc` by creation),
`after` / `before` (an object id of the previous page); answers carry `first_id`, `last_id` and `has_more`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel

from luodi.errors import RequestValidationFailed

T = TypeVar("T")


class PageQuery(BaseModel):
    limit: int = 20
    order: Literal["asc", "desc"] = "desc"
    after: str | None = None
    before: str | None = None


def page_query(limit: Annotated[int, Query(ge=1, le=100)] = 20,
               order: Annotated[Literal["asc", "desc"], Query()] = "desc",
               after: Annotated[str | None, Query(max_length=100)] = None,
               before: Annotated[str | None, Query(max_length=100)] = None) -> PageQuery:
    return PageQuery(limit=limit, order=order, after=after, before=before)


def page(items: Sequence[T], ask: PageQuery, id_of: Callable[[T], str]) -> tuple[list[T], bool]:
    """The page of `items` (given oldest first) the query asks for, and whether more follow it."""
    ordered = list(items) if ask.order == "asc" else list(reversed(items))
    ids = [id_of(item) for item in ordered]
    for cursor, name in ((ask.after, "after"), (ask.before, "before")):
        if cursor is not None and cursor not in ids:
            raise RequestValidationFailed(f"{name}: no object {cursor!r} in this list", param=name)
    start = ids.index(ask.after) + 1 if ask.after is not None else 0
    stop = ids.index(ask.before) if ask.before is not None else len(ordered)
    window = ordered[start:stop]
    if ask.before is not None and ask.after is None:
        window = window[-ask.limit:]  # the page just before the cursor
        return window, start + len(window) < stop
    return window[:ask.limit], len(window) > ask.limit
