"""Signed webhooks: a tenant admin registers endpoints, and Luodi posts its tenant's events to them.

Events, and the `data` each carries
-----------------------------------
- `approval.filed`: an assistant filed a side-effecting action for an operator's approval (copilot mode); sent
  once per approval, never again when a conversation is replayed.
  `{approval, assistant, action, summary, payload, status: "pending"}`
- `approval.decided`: an operator approved it (and the action ran) or rejected it.
  `{approval, assistant, action, status: "executed" | "failed" | "rejected", operator, note, result}`
- `ingestion.completed` / `ingestion.failed`: an ingestion job ended.
  `{vector_store_id, file_id, status: "completed" | "failed", pages, attempts, error?: {code, message}}`

Whoever causes an event calls `notify(session, tenant_id, event, data)` (below) in the transaction that records it.

The outbox
----------
`notify(session, tenant_id, event, data)` runs inside the transaction of the change it reports and writes one
delivery row per webhook of that tenant subscribed to the event. So an event is delivered if and only if that
transaction commits, and a crash between commit and send loses nothing: the row waits in the database.

What a receiver gets
--------------------
`POST <url>` with a JSON body, the same bytes on every attempt of one delivery:

    {"id": "whd_…", "event": "approval.decided", "created_at": "2025-01-31T12:00:00+00:00",
     "tenant_id": "…", "data": {…the event's fields…}}

and the headers `X-Luodi-Event` (the event), `X-Luodi-Delivery` (the id, the same on each retry: receivers
de-duplicate on it, since delivery is at least once), `X-Luodi-Timestamp` (Unix seconds of this attempt) and
`X-Luodi-Signature: sha256=<hex>`, the HMAC-SHA256 of `"<timestamp>.<raw body>"` keyed with the webhook's secret.

How a receiver verifies it: take the raw body bytes as received (before any JSON parsing), compute
`hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()`, compare it with the
header's hex in constant time (`hmac.compare_digest`), and refuse a timestamp more than a few minutes old, so
a captured request cannot be replayed later. `verify_signature` here does exactly that.

The secret (`whsec_…`) is generated when the webhook is created and shown once, like an API key; it is stored
as is, because it must sign, and never returned again.

Retries
-------
A delivery succeeds on any 2xx answer within the timeout (5 s). Anything else (another status, a refused
connection, a timeout) is retried after `base_delay * 2**(attempt - 1)` seconds (1 s, 2 s, 4 s, … capped at
`max_delay`), up to `max_attempts` attempts (6 by default); then the delivery is `failed`. Every attempt appends
one audit record, with the delivery id as its request id: `webhook.delivered`, `webhook.failed_attempt`, or
`webhook.gave_up` for the last one.

Claims: `WebhookDispatcher` claims due rows with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite
serializes writers already) and leases them by moving `next_attempt_at` past the send's timeout before it
commits the claim, so several replicas never send one delivery at once and the HTTP call holds no database lock.
A replica that dies mid-send leaves the row to be claimed again once the lease ends.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.errors import InvalidRequest, NotFound
from luodi.ledger import audit
from luodi.store import Base, Store, as_utc, utc_now
from luodi.workers import PollingWorker

log = logging.getLogger("luodi.webhooks")

APPROVAL_FILED = "approval.filed"
APPROVAL_DECIDED = "approval.decided"
INGESTION_COMPLETED = "ingestion.completed"
INGESTION_FAILED = "ingestion.failed"
EVENTS = (APPROVAL_FILED, APPROVAL_DECIDED, INGESTION_COMPLETED, INGESTION_FAILED)

SECRET_PREFIX = "whsec_"
SIGNATURE_SCHEME = "sha256="
URL_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2000
SIGNATURE_MAX_AGE_SECONDS = 300

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
DeliveryStatus = Literal["pending", "delivered", "failed"]


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))  # stored as is: it signs every delivery
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(40), ForeignKey("webhooks.id"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# --- managing webhooks -------------------------------------------------------------------------------------
def checked_url(url: str) -> str:
    """The URL, if it is an absolute http(s) URL with a host; InvalidRequest naming what is wrong otherwise."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidRequest(f"url: at most {MAX_URL_LENGTH} characters, not {len(url)}", param="url")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidRequest(f"url: {url!r} is not a URL ({exc})", param="url") from exc
    if not parsed.scheme:
        raise InvalidRequest(f"url: {url!r} has no scheme; it starts with http:// or https://", param="url")
    if parsed.scheme not in URL_SCHEMES:
        raise InvalidRequest(f"url: the scheme must be http or https, not {parsed.scheme!r}", param="url")
    if not parsed.host:
        raise InvalidRequest(f"url: {url!r} names no host", param="url")
    return url


def private_address_of(url: str) -> str:
    """Why a delivery to this URL is refused when private networks are off (its host resolves to a loopback,
    private, link-local or otherwise non-public address, or does not resolve); "" when it may be sent."""
    host = httpx.URL(url).host
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError as exc:
        return f"the host {host!r} does not resolve ({exc})"
    private = sorted(a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_global)
    if private:
        return (f"refused: {host!r} resolves to {', '.join(private)}, not a public address "
                "(the platform's webhook_private_networks setting is off)")
    return ""


def checked_events(events: Iterable[str]) -> list[str]:
    """The events, de-duplicated in the order given; InvalidRequest naming any unknown one, or an empty list."""
    chosen = list(dict.fromkeys(events))
    unknown = [name for name in chosen if name not in EVENTS]
    if unknown:
        raise InvalidRequest(f"events: unknown {', '.join(map(repr, unknown))}; the events are {', '.join(EVENTS)}",
                             param="events")
    if not chosen:
        raise InvalidRequest(f"events: name at least one of {', '.join(EVENTS)}", param="events")
    return chosen


def create_webhook(session: Session, tenant_id: str, url: str, events: Iterable[str]) -> tuple[Webhook, str]:
    """A new webhook of the tenant; returns the row and its secret, which the caller shows once."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook = Webhook(id="wh_" + uuid.uuid4().hex, tenant_id=tenant_id, url=checked_url(url),
                      events=checked_events(events), secret=secret, created_at=utc_now())
    session.add(webhook)
    session.flush()
    return webhook, secret


def tenant_webhooks(session: Session, tenant_id: str) -> list[Webhook]:
    query = select(Webhook).where(Webhook.tenant_id == tenant_id, Webhook.disabled_at.is_(None))
    return list(session.scalars(query.order_by(Webhook.created_at)))


def find_webhook(session: Session, webhook_id: str, tenant_id: str) -> Webhook:
    """The tenant's live webhook with this id; NotFound for another tenant's, a deleted one, or none."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.tenant_id != tenant_id or webhook.disabled_at is not None:
        raise NotFound(f"no webhook with id {webhook_id!r}")
    return webhook


def delete_webhook(session: Session, webhook_id: str, tenant_id: str) -> Webhook:
    """Disable the webhook: it gets no more events and its waiting deliveries are dropped (marked failed). Its
    rows stay, as the audit records of its deliveries refer to them."""
    webhook = find_webhook(session, webhook_id, tenant_id)
    webhook.disabled_at = utc_now()
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.status == PENDING)
        .values(status=FAILED, last_error="the webhook was deleted")
    )
    return webhook


def deliveries_of(session: Session, webhook_id: str, tenant_id: str, limit: int = 20) -> list[WebhookDelivery]:
    """The webhook's latest deliveries, newest first."""
    webhook = find_webhook(session, webhook_id, tenant_id)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    return list(session.scalars(query.order_by(WebhookDelivery.created_at.desc()).limit(limit)))


# --- the outbox ----------------------------------------------------------------------------------------------
def notify(session: Session, tenant_id: str, event_name: str, payload: dict[str, Any]) -> list[str]:
    """Queue `event_name` with `payload` (its `data`; JSON-serializable) for every webhook of the tenant that
    subscribed to it, inside the caller's transaction; returns the delivery ids (none when nobody listens)."""
    if event_name not in EVENTS:
        raise ValueError(f"unknown webhook event {event_name!r}; the events are {', '.join(EVENTS)}")
    now = utc_now()
    ids: list[str] = []
    data = json.loads(json.dumps(payload, default=str))  # what the receiver will read, fixed now
    for webhook in tenant_webhooks(session, tenant_id):
        if event_name not in webhook.events:
            continue
        delivery = WebhookDelivery(id="whd_" + uuid.uuid4().hex, webhook_id=webhook.id, tenant_id=tenant_id,
                                   event=event_name, payload=data, status=PENDING, attempts=0,
                                   next_attempt_at=now, last_error="", created_at=now)
        session.add(delivery)
        ids.append(delivery.id)
    if ids and not event.contains(session, "after_commit", _wake_dispatchers):
        event.listen(session, "after_commit", _wake_dispatchers)  # send once committed, not at the next poll
    return ids


# --- signatures ----------------------------------------------------------------------------------------------
def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Luodi-Signature` header of a body sent at `timestamp`."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_SCHEME + digest


def verify_signature(
    secret: str, timestamp: str, body: bytes | str, header: str,
    max_age_seconds: float | None = SIGNATURE_MAX_AGE_SECONDS, now: float | None = None,
) -> bool:
    """Whether `header` (X-Luodi-Signature) signs this raw body at this timestamp (X-Luodi-Timestamp) with the
    secret, and the timestamp is at most `max_age_seconds` from now (None: any age), against replays."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if max_age_seconds is not None and abs((time.time() if now is None else now) - sent_at) > max_age_seconds:
        return False
    return hmac.compare_digest(sign(secret, str(sent_at), raw), header.strip())


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The bytes posted for a delivery, the same on every attempt."""
    envelope = {"id": delivery.id, "event": delivery.event, "created_at": as_utc(delivery.created_at).isoformat(),
                "tenant_id": delivery.tenant_id, "data": delivery.payload}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- the dispatcher ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """A delivery leased for one attempt, with what sending it needs (read before the claim committed)."""

    delivery_id: str
    webhook_id: str
    tenant_id: str
    event: str
    url: str
    secret: str
    body: bytes
    attempt: int


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    error: str

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


_DISPATCHERS: weakref.WeakSet[WebhookDispatcher] = weakref.WeakSet()


def _wake_dispatchers(_session: Session) -> None:
    for dispatcher in list(_DISPATCHERS):
        dispatcher.wake()


class WebhookDispatcher(PollingWorker):
    """Sends due deliveries, retries failed ones with exponential backoff, audits every attempt."""

    name = "webhooks"

    def __init__(
        self,
        store: Store,
        interval: float = 1.0,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        max_attempts: int = 6,
        timeout: float = 5.0,
        batch: int = 20,
        client: httpx.Client | None = None,
        private_networks: bool = False,
    ) -> None:
        super().__init__(interval)
        if max_attempts < 1:
            raise ValueError("a webhook delivery needs at least one attempt")
        self.store = store
        self.base_delay, self.max_delay, self.max_attempts = base_delay, max_delay, max_attempts
        self.timeout, self.batch = timeout, batch
        # off unless asked for: a tenant's webhook must not reach the platform's own network (SSRF); the platform
        # passes its webhook_private_networks setting, a test with a receiver on 127.0.0.1 turns it on
        self.private_networks = private_networks
        self._client = client
        self._owns_client = client is None
        # a claim holds a delivery this long: past the send's timeout, so no other replica takes it mid-send
        self.lease = timedelta(seconds=timeout * 2 + 30)
        _DISPATCHERS.add(self)

    def run_once(self) -> bool:
        claims = self.claim()
        for claim in claims:
            if self.stopping:
                break  # the lease runs out and the claim is taken again: nothing is lost
            self.record(claim, self.send(claim))
        return bool(claims)

    def claim(self) -> list[Claim]:
        """Lease up to `batch` due deliveries of live webhooks, counting the attempt each is about to get."""
        now = utc_now()
        with self.store.transaction() as session:
            due = session.execute(
                select(WebhookDelivery, Webhook)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now,
                       Webhook.disabled_at.is_(None))
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(self.batch)
                .with_for_update(skip_locked=True, of=WebhookDelivery)  # PostgreSQL; SQLite serializes writers
            ).all()
            claims = []
            for delivery, webhook in due:
                delivery.attempts += 1
                delivery.next_attempt_at = now + self.lease
                claims.append(Claim(delivery.id, webhook.id, delivery.tenant_id, delivery.event, webhook.url,
                                    webhook.secret, delivery_body(delivery), delivery.attempts))
        return claims

    def send(self, claim: Claim) -> AttemptResult:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Luodi-Event": claim.event,
            "X-Luodi-Delivery": claim.delivery_id,
            "X-Luodi-Timestamp": timestamp,
            "X-Luodi-Signature": sign(claim.secret, timestamp, claim.body),
        }
        if not self.private_networks:
            refusal = private_address_of(claim.url)
            if refusal:
                return AttemptResult(None, refusal)
        try:
            response = self.client().post(claim.url, content=claim.body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            return AttemptResult(None, f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= response.status_code < 300:
            return AttemptResult(response.status_code, "")
        return AttemptResult(response.status_code, f"the receiver answered HTTP {response.status_code}")

    def record(self, claim: Claim, result: AttemptResult) -> None:
        """Write the attempt's outcome on the delivery and in the audit chain, in one transaction."""
        now = utc_now()
        with self.store.transaction() as session:
            delivery = session.get(WebhookDelivery, claim.delivery_id, with_for_update=True)
            if delivery is None or delivery.status != PENDING:
                return  # the webhook was deleted while this attempt was on its way
            delivery.last_status_code = result.status_code
            delivery.last_error = result.error
            if result.delivered:
                delivery.status, delivery.delivered_at = DELIVERED, now
                kind = "webhook.delivered"
            elif claim.attempt >= self.max_attempts:
                delivery.status = FAILED
                kind = "webhook.gave_up"
            else:
                delivery.next_attempt_at = now + timedelta(seconds=self.backoff(claim.attempt))
                kind = "webhook.failed_attempt"
            audit.append(session, kind, _attempt_record(claim, result, delivery), tenant_id=claim.tenant_id,
                         request_id=claim.delivery_id)
        if kind != "webhook.delivered":
            log.info("webhook delivery %s to %s: %s (%s)", claim.delivery_id, claim.url, kind, result.error)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failed attempt: base_delay doubled each time, capped."""
        return float(min(self.base_delay * 2 ** (attempt - 1), self.max_delay))

    def client(self) -> httpx.Client:
        """The HTTP client: the one given, or one of our own, made again after a stop closed it."""
        if self._client is None or (self._owns_client and self._client.is_closed):
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False,
                                        headers={"User-Agent": "Luodi-Webhooks"})
        return self._client

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        if self._owns_client and self._client is not None:
            self._client.close()


def _attempt_record(claim: Claim, result: AttemptResult, delivery: WebhookDelivery) -> dict[str, Any]:
    record: dict[str, Any] = {"webhook": claim.webhook_id, "delivery": claim.delivery_id, "event": claim.event,
                              "url": claim.url, "attempt": claim.attempt, "status_code": result.status_code,
                              "error": result.error}
    if delivery.status == PENDING:
        record["next_attempt_at"] = as_utc(delivery.next_attempt_at).isoformat()
    return record

