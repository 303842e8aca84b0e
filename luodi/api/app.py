"""The OpenAI-compatible HTTP API: one router per area, one error handler, the body size limit.

Routes: /v1/chat/completions (chat.py), /v1/models (catalog.py), /v1/approvals (approvals.py), /healthz.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from luodi.api import approvals, catalog, chat
from luodi.api.errors import install_error_handlers
from luodi.api.middleware import BodySizeLimit
from luodi.platform import Platform


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="Luodi", version="0.1.0", description="Industry assistants, OpenAI-compatible.")
    app.state.platform = platform
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)

    @app.get("/healthz")
    def health() -> dict[str, Any]:
        return {"status": "ok", "assistants": sorted(platform.settings.assistants)}

    for router in (chat.router, catalog.router, approvals.router):
        app.include_router(router)
    return app
