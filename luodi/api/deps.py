"""What every route depends on: the platform of the app, and the caller its API key names."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from luodi.errors import AdminKeyRequired, OperatorKeyRequired, PermissionDenied, PlatformKeyRequired
from luodi.gateway.tenants import ADMIN, OPERATOR, PLATFORM, Caller
from luodi.platform import Platform

# the refusal for each role a route may need: its code tells the client which key to use
REFUSALS: dict[str, type[PermissionDenied]] = {
    OPERATOR: OperatorKeyRequired, ADMIN: AdminKeyRequired, PLATFORM: PlatformKeyRequired}


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def current_caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    platform: Platform = request.app.state.platform
    secret = authorization.removeprefix("Bearer ").strip() if authorization else None
    return platform.authenticate(secret)


CallerDep = Annotated[Caller, Depends(current_caller)]


PlatformDep = Annotated[Platform, Depends(platform_of)]


def require(who: Caller, role: str, doing: str) -> None:
    """Refuse (403, naming the role needed and the key's own) unless the caller holds `role`; `doing` says what
    needs it ("uploading files")."""
    if not who.holds(role):
        raise REFUSALS.get(role, PermissionDenied)(f"{doing} needs a key of role {role} or above; this key's role is "
                                                   f"{who.role}")
