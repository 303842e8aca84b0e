"""Errors in OpenAI's shape ({"error": {message, type, param, code}}) with the matching HTTP status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from luodi.api.schemas import ErrorBody, ErrorResponse

log = logging.getLogger("luodi.api")


class ApiError(Exception):
    def __init__(self, status: int, message: str, type_: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(message=message, type=type_, code=code, param=param)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, message, "authentication_error", "invalid_api_key")


def model_not_found(message: str) -> ApiError:
    return ApiError(404, message, "invalid_request_error", "model_not_found", "model")


def quota_exceeded(message: str) -> ApiError:
    code = "rate_limit_exceeded" if message.startswith("rate limit") else "insufficient_quota"
    return ApiError(429, message, "rate_limit_error", code)


def backend_unavailable(message: str) -> ApiError:
    return ApiError(503, f"the base model is unavailable: {message}", "api_error", "backend_unavailable")


def prompt_too_long(message: str) -> ApiError:
    return ApiError(400, message, "invalid_request_error", "context_length_exceeded", "messages")


def error_json(error: ApiError) -> JSONResponse:
    return JSONResponse(ErrorResponse(error=error.body).model_dump(), status_code=error.status)


def _field_path(location: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in location if p != "body"]
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_json(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        first_param = None
        for problem in exc.errors():
            if problem.get("type") == "json_invalid":
                position = _field_path(problem.get("loc", ()))
                reason = problem.get("ctx", {}).get("error", "")
                message = f"the request body is not valid JSON (error at character {position}) {reason}".strip()
                return error_json(ApiError(422, message, "invalid_request_error", "invalid_json"))
            path = _field_path(problem.get("loc", ()))
            first_param = first_param or path or None
            problems.append(f"{path or 'body'}: {problem.get('msg', 'invalid')}")
        message = "invalid request: " + "; ".join(problems[:5])
        return error_json(ApiError(422, message, "invalid_request_error", "invalid_request", first_param))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else None
        message = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in message:
            message, code = "the request body is not valid JSON text in UTF-8", "invalid_json"
        return error_json(ApiError(exc.status_code, message, "invalid_request_error", code))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_json(ApiError(500, f"internal error: {type(exc).__name__}", "api_error", "internal_error"))
