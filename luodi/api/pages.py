"""OpenAI's cursor pagination for list routes: `limit` (1-100, default 20), `order` (`asc`/`desc` by creation),
`after` / `before` (an object id of the previous page); answers carry `first_id`, `last_id` and `has_more`.

Items are ordered by (creation time, id), so ties never skip or repeat an item between pages; a cursor is placed
by its own (creation time, id), so a page still follows on when the cursor's object has left the list since (it
was deleted, or no longer passes the list's filter).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel

from luodi.errors import RequestValidationFailed
from luodi.store import as_utc

T = TypeVar("T")
SortKey = tuple[datetime, str]


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


def sort_key(created_at: datetime, object_id: str) -> SortKey:
    return as_utc(created_at), object_id


def page(items: Sequence[T], ask: PageQuery, key_of: Callable[[T], SortKey],
         cursor_key: Callable[[str], SortKey | None]) -> tuple[list[T], bool]:
    """The page of `items` the query asks for, and whether more follow it. `cursor_key` places a cursor id that
    is not among the items (None: no such object at all, a 400)."""
    ordered = sorted(items, key=key_of, reverse=ask.order == "desc")
    keys = [key_of(item) for item in ordered]
    bounds = {}
    for cursor, name in ((ask.after, "after"), (ask.before, "before")):
        if cursor is not None:
            found = next((k for k in keys if k[1] == cursor), None) or cursor_key(cursor)
            if found is None:
                raise RequestValidationFailed(f"{name}: no object {cursor!r}", param=name)
            bounds[name] = found
    def beyond(key: SortKey, cursor: SortKey) -> bool:  # comes later in this order
        return key < cursor if ask.order == "desc" else key > cursor
    window = [item for item, key in zip(ordered, keys, strict=True)
              if ("after" not in bounds or beyond(key, bounds["after"]))
              and ("before" not in bounds or beyond(bounds["before"], key))]
    if "before" in bounds and "after" not in bounds:
        return window[-ask.limit:], len(window) > ask.limit
    return window[:ask.limit], len(window) > ask.limit
