"""A tenant's webhooks over HTTP, for its admin keys only (the contract of events, body, signature and retries is
in luodi/ledger/webhooks.py):

- `POST /v1/webhooks` {url, events}: registers an endpoint; the answer carries its `secret`, shown this once;
- `GET /v1/webhooks`: the tenant's webhooks, without secrets;
- `DELETE /v1/webhooks/{id}`: no more events to it; deliveries still waiting are dropped;
- `GET /v1/webhooks/{id}/deliveries?limit=`: its latest deliveries, newest first, with status and attempts.

Another tenant's webhook is a 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from luodi.api.deps import CallerDep, PlatformDep, require
from luodi.gateway.tenants import ADMIN
from luodi.ledger import webhooks
from luodi.ledger.webhooks import Webhook, WebhookDelivery
from luodi.store import unix_time

router = APIRouter()

MANAGING = "managing webhooks"  # what a key below the tenant admin's is refused


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 400, not a setting silently dropped
    url: str = Field(min_length=1)
    events: list[str]


class WebhookOut(BaseModel):
    id: str
    object: Literal["webhook"] = "webhook"
    url: str
    events: list[str]
    created_at: int
    secret: str | None = Field(default=None, description="Only in the answer to POST /v1/webhooks.")


class WebhookList(BaseModel):
    object: Literal["list"] = "list"
    data: list[WebhookOut]


class WebhookDeleted(BaseModel):
    id: str
    object: Literal["webhook.deleted"] = "webhook.deleted"
    deleted: bool = True


class DeliveryOut(BaseModel):
    id: str
    object: Literal["webhook.delivery"] = "webhook.delivery"
    webhook_id: str
    event: str
    payload: dict[str, Any]
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: int
    next_attempt_at: int | None
    delivered_at: int | None


class DeliveryList(BaseModel):
    object: Literal["list"] = "list"
    data: list[DeliveryOut]


@router.post("/v1/webhooks", response_model=WebhookOut, response_model_exclude_none=True)
def create_webhook(body: WebhookIn, who: CallerDep, platform: PlatformDep) -> WebhookOut:
    require(who, ADMIN, MANAGING)
    with platform.store.transaction() as session:
        webhook, secret = webhooks.create_webhook(session, who.tenant_id, body.url, body.events)
        return _webhook_out(webhook, secret)


@router.get("/v1/webhooks", response_model=WebhookList, response_model_exclude_none=True)
def list_webhooks(who: CallerDep, platform: PlatformDep) -> WebhookList:
    require(who, ADMIN, MANAGING)
    with platform.store.transaction() as session:
        return WebhookList(data=[_webhook_out(w) for w in webhooks.tenant_webhooks(session, who.tenant_id)])


@router.delete("/v1/webhooks/{webhook_id}", response_model=WebhookDeleted)
def delete_webhook(webhook_id: str, who: CallerDep, platform: PlatformDep) -> WebhookDeleted:
    require(who, ADMIN, MANAGING)
    with platform.store.transaction() as session:
        webhooks.delete_webhook(session, webhook_id, who.tenant_id)
    return WebhookDeleted(id=webhook_id)


@router.get("/v1/webhooks/{webhook_id}/deliveries", response_model=DeliveryList)
def list_deliveries(
    webhook_id: str, who: CallerDep, platform: PlatformDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> DeliveryList:
    require(who, ADMIN, MANAGING)
    with platform.store.transaction() as session:
        found = webhooks.deliveries_of(session, webhook_id, who.tenant_id, limit)
        return DeliveryList(data=[_delivery_out(d) for d in found])


def _webhook_out(webhook: Webhook, secret: str | None = None) -> WebhookOut:
    return WebhookOut(id=webhook.id, url=webhook.url, events=list(webhook.events),
                      created_at=unix_time(webhook.created_at), secret=secret)


def _delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    waiting = delivery.status == webhooks.PENDING
    return DeliveryOut(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        event=delivery.event,
        payload=delivery.payload,
        status=delivery.status,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        created_at=unix_time(delivery.created_at),
        next_attempt_at=unix_time(delivery.next_attempt_at) if waiting else None,
        delivered_at=unix_time(delivery.delivered_at) if delivery.delivered_at is not None else None,
    )

