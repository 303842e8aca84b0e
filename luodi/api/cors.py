"""CORS for browser clients, from the `cors_origins` setting; an empty list (the default) leaves CORS off, so no
browser page of another origin may read Luodi's answers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from luodi.config import Settings

# what OpenAI clients in a browser send and read: the key, and the request id and rate-limit headers back
EXPOSED_HEADERS = [
    "x-request-id",
    "retry-after",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
]


def allow_origins(app: FastAPI, settings: Settings) -> None:
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],  # Authorization, Content-Type and the SDK's x-stainless-* headers
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,  # keys travel in Authorization, never in cookies
    )
