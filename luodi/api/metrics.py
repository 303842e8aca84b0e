"""`GET /metrics` in Prometheus' text format (prometheus-client): HTTP requests, errors and latency by route and
status, and the ledger's tokens, cost and outcomes by tenant and assistant, counted as each call is recorded.

Each app has its own registry, so several apps in one process (tests, a second server) do not share counters.
Like vLLM's, the endpoint needs no key: bind the server to a private address or scrape it through a proxy.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from luodi.platform import Platform, RecordedCall

UNMATCHED = "unmatched"  # a path no route serves: one label, so that scanners cannot blow up the series
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

router = APIRouter()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("luodi_http_requests", "HTTP requests answered", ["method", "route", "status"],
                                registry=self.registry)
        self.errors = Counter("luodi_http_errors", "HTTP requests answered with a 4xx or 5xx status",
                              ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("luodi_http_request_duration_seconds", "Time to the last byte of the response",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.calls = Counter("luodi_calls", "Calls the ledger recorded, by outcome", ["tenant", "assistant", "outcome"],
                             registry=self.registry)
        self.tokens = Counter("luodi_tokens", "Tokens the ledger recorded", ["tenant", "assistant", "type"],
                              registry=self.registry)
        self.cost = Counter("luodi_cost_usd", "What the ledger billed, in US dollars", ["tenant", "assistant"],
                            registry=self.registry)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = {"method": method, "route": route, "status": str(status)}
        self.requests.labels(**labels).inc()
        if status >= 400:
            self.errors.labels(**labels).inc()
        self.latency.labels(method=method, route=route).observe(seconds)

    def observe_call(self, call: RecordedCall) -> None:
        self.calls.labels(tenant=call.tenant, assistant=call.assistant, outcome=call.outcome).inc()
        for kind, count in (("prompt", call.usage.prompt_tokens), ("completion", call.usage.completion_tokens)):
            self.tokens.labels(tenant=call.tenant, assistant=call.assistant, type=kind).inc(count)
        self.cost.labels(tenant=call.tenant, assistant=call.assistant).inc(float(call.cost_usd))


def route_of(scope: Scope, arrived: Scope, routes: Sequence[BaseRoute]) -> str:
    """The route's template (`/v1/models/{model_id}`, the mount `/docs-assets`), never the raw path: as routing left
    it in `scope`, else matched against the scope as it `arrived` (a mount rewrites the path)."""
    path = getattr(scope.get("route"), "path", None)
    if path:
        return str(path)
    for route in routes:  # routes Starlette does not name in the scope: openapi.json, mounts
        if route.matches(arrived)[0] == Match.FULL:
            return str(getattr(route, "path", UNMATCHED))
    return UNMATCHED


class RequestMetrics:
    """ASGI middleware: counts every response by route and status and times it to its last byte."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        arrived = dict(scope)
        status = 500

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe_request(scope["method"], route_of(scope, arrived, self.routes), status, elapsed)


@router.get("/metrics", include_in_schema=False)
def metrics_text(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def instrument(app: FastAPI, platform: Platform) -> Metrics:
    """Count the app's requests and the platform's recorded calls, and serve them at /metrics."""
    metrics = Metrics()
    app.state.metrics = metrics
    platform.listeners.append(metrics.observe_call)
    app.add_middleware(RequestMetrics, metrics=metrics, routes=app.router.routes)
    app.include_router(router)
    return metrics
