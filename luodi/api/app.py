"""The OpenAI-compatible HTTP API: one router per area, one error handler, the body size limit.

Routes: /v1/chat/completions (chat.py), /v1/models and /v1/models/{id} (catalog.py), /v1/approvals
(approvals.py), /v1/embeddings (embeddings.py), /v1/completions (completions.py), /metrics (metrics.py), /docs and
/redoc with local assets (docs.py), /healthz; CORS from the `cors_origins` setting (cors.py). A tenant's own:
/v1/assistants (assistants.py), /v1/files (files.py), /v1/vector_stores (vector_stores.py), /v1/keys and
/v1/tenant(s) (keys.py), /v1/usage, /v1/bill and /v1/audit (ledger.py), /v1/webhooks (webhooks.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from luodi.api import (
    approvals,
    assistants,
    catalog,
    chat,
    completions,
    cors,
    docs,
    embeddings,
    files,
    keys,
    ledger,
    metrics,
    vector_stores,
    webhooks,
)
from luodi.api.errors import install_error_handlers
from luodi.api.middleware import BodySizeLimit, JsonBodies, RequestId
from luodi.platform import Platform


def create_app(platform: Platform) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        platform.start_workers()  # ingestion jobs, webhook deliveries: only while the app serves
        yield
        platform.stop_workers()

    app = FastAPI(title="Luodi", version="0.1.0", description="Industry assistants, OpenAI-compatible.",
                  docs_url=None, redoc_url=None, lifespan=lifespan)  # docs.py serves both from local assets
    app.state.platform = platform
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(JsonBodies)
    app.add_middleware(RequestId)  # added last, so outermost: every response gets its id, the 413s too

    @app.get("/healthz")
    def health() -> dict[str, Any]:
        return {"status": "ok", "assistants": sorted(platform.settings.assistants)}

    for router in (chat.router, catalog.router, approvals.router, embeddings.router, completions.router,
                   webhooks.router, keys.router, ledger.router, assistants.router, files.router,
                   vector_stores.router):
        app.include_router(router)
    docs.serve_docs(app)
    metrics.instrument(app, platform)  # outermost but CORS: counts every response, the 413s and 404s too
    cors.allow_origins(app, platform.settings)
    return app
