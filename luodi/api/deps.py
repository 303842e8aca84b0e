"""What every route depends on: the platform of the app, and the caller its API key names."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from luodi.gateway.tenants import Caller
from luodi.platform import Platform


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def current_caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    platform: Platform = request.app.state.platform
    secret = authorization.removeprefix("Bearer ").strip() if authorization else None
    return platform.authenticate(secret)


CallerDep = Annotated[Caller, Depends(current_caller)]


PlatformDep = Annotated[Platform, Depends(platform_of)]
