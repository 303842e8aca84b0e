"""Errors in OpenAI's shape ({"error": {message, type, param, code}}) with the matching HTTP status.

Every error leaves the API through `error_response`, which reads status, type, code and param off the
`LuodiError` class (luodi/errors.py states that contract and how to add an error). The handlers below only
turn what FastAPI and Starlette raise themselves (validation, unknown routes, undecodable bodies) and
unexpected exceptions into the matching `LuodiError` first.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from luodi.api.schemas import ErrorBody, ErrorResponse
from luodi.errors import (
    BodyNotText,
    InternalError,
    InvalidJson,
    InvalidRequest,
    LuodiError,
    MethodNotAllowed,
    NotFound,
    RequestTooLarge,
    RequestValidationFailed,
)

log = logging.getLogger("luodi.api")

REQUEST_ID_HEADER = "x-request-id"

# what Starlette and FastAPI answer by themselves: a body they cannot read, no such route, a method the route
# does not take, a body over FastAPI's own limit
STARLETTE_STATUSES: dict[int, type[LuodiError]] = {
    400: InvalidRequest,
    404: NotFound,
    405: MethodNotAllowed,
    413: RequestTooLarge,
}


def error_body(error: LuodiError) -> ErrorBody:
    return ErrorBody(message=error.message, type=error.openai_type, param=error.param, code=error.code)


def error_response(error: LuodiError) -> JSONResponse:
    """The error in OpenAI's shape with its status and the headers its class sends (`Retry-After` on a 429)."""
    headers = error.headers()
    if error.request_id:
        headers[REQUEST_ID_HEADER] = error.request_id
    return JSONResponse(ErrorResponse(error=error_body(error)).model_dump(), status_code=error.status, headers=headers)


REQUEST_PARTS = ("body", "query", "path", "header", "cookie")


def _field_path(location: tuple[object, ...] | list[object]) -> str:
    # where the value came from (body, query, path, header) is no part of its name: OpenAI's `param` is the name
    parts = [str(p) for p in location[1:]] if location and location[0] in REQUEST_PARTS else [str(p) for p in location]
    return ".".join(parts)


def validation_error(exc: RequestValidationError) -> LuodiError:
    """The first JSON syntax error, or the first few fields that do not fit the schema: a 400 either way (OpenAI's
    and vLLM's status for an invalid request, `BadRequestError` in the SDK), never FastAPI's 422."""
    problems = []
    first_param = None
    for problem in exc.errors():
        if problem.get("type") == "json_invalid":
            position = _field_path(problem.get("loc", ()))
            reason = problem.get("ctx", {}).get("error", "")
            return InvalidJson(f"the request body is not valid JSON (error at character {position}) {reason}".strip())
        path = _field_path(problem.get("loc", ()))
        first_param = first_param or path or None
        problems.append(f"{path or 'body'}: {problem.get('msg', 'invalid')}")
    return RequestValidationFailed("invalid request: " + "; ".join(problems[:5]), param=first_param)


def starlette_error(exc: StarletteHTTPException) -> LuodiError | None:
    """The LuodiError of an HTTP error Starlette or FastAPI raised, or None for a status Luodi has no class for."""
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI could not decode it
        return BodyNotText("the request body is not valid JSON text in UTF-8")
    found = STARLETTE_STATUSES.get(exc.status_code)
    return found(str(exc.detail)) if found is not None else None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LuodiError)
    async def _luodi_error(_request: Request, exc: LuodiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = starlette_error(exc)
        if error is not None:
            return error_response(error)
        # a status Starlette chose and Luodi has no class for: passed on as it is, in OpenAI's shape
        body = ErrorBody(message=str(exc.detail), type=InvalidRequest.openai_type, code=None)
        return JSONResponse(ErrorResponse(error=body).model_dump(), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(InternalError(f"internal error: {type(exc).__name__}"))
