"""Signed webhooks on SQLite and PostgreSQL, against a real local HTTP receiver: signed deliveries, retries with
backoff, giving up, an audit record per attempt, the outbox (a rolled-back change sends nothing), replicas that
never send one delivery twice; and through the real server: the routes, tenant isolation, admin keys only, and
an approval filed and decided by the hotel assistant reaching the tenant's endpoint."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from luodi.assistants.scenario import PlatformDesk
from luodi.gateway.tenants import create_tenant
from luodi.governance import approvals
from luodi.ledger import audit, webhooks
from luodi.ledger.webhooks import WebhookDelivery, WebhookDispatcher
from luodi.store import Store
from tests.conftest import LiveServer, free_port

HOTEL = {"kind": "scenario", "base_model": "smollm2-135m", "options": {"scenario": "travel/hotel_en.yaml"}}


# --- a real receiver ---------------------------------------------------------------------------------------
@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """An HTTP endpoint on a free port that records every POST and answers `failure_status` to the first
    `fail_first` of them."""

    fail_first: int = 0
    failure_status: int = 500
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.requests.append(Received(headers, body, time.monotonic()))
            return self.failure_status if len(self.requests) <= self.fail_first else 204

    def of_event(self, event: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.headers["x-luodi-event"] == event]


def serve(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def receive() -> Iterator[Callable[..., Receiver]]:
    servers: list[ThreadingHTTPServer] = []

    def start(fail_first: int = 0, failure_status: int = 500) -> Receiver:
        receiver = Receiver(fail_first=fail_first, failure_status=failure_status)
        servers.append(serve(receiver))
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.02)


# --- helpers over the store --------------------------------------------------------------------------------
def new_tenant(store: Store) -> str:
    with store.transaction() as session:
        return create_tenant(session, f"tenant-{uuid.uuid4().hex[:8]}").id


def register(store: Store, tenant_id: str, url: str, events: tuple[str, ...] = webhooks.EVENTS) -> tuple[str, str]:
    with store.transaction() as session:
        webhook, secret = webhooks.create_webhook(session, tenant_id, url, events)
        return webhook.id, secret


def notify(store: Store, tenant_id: str, event: str = webhooks.APPROVAL_FILED, **data: Any) -> list[str]:
    with store.transaction() as session:
        return webhooks.notify(session, tenant_id, event, {"approval": "A-1", **data})


def delivery(store: Store, delivery_id: str) -> WebhookDelivery:
    with store.transaction() as session:
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
        return row


def audit_kinds(store: Store, delivery_id: str) -> list[str]:
    with store.transaction() as session:
        return [record["kind"] for record in audit.records_for(session, delivery_id)]


def run_until_idle(dispatcher: WebhookDispatcher) -> None:
    while dispatcher.run_once():
        pass


@pytest.fixture()
def dispatchers(store: Store) -> Iterator[Callable[..., WebhookDispatcher]]:
    """Dispatchers of the test's store, stopped at its end; a test whose receiver listens on 127.0.0.1 passes
    private_networks=True, as the dispatcher refuses the platform's own network by default."""
    made: list[WebhookDispatcher] = []

    def make(**options: Any) -> WebhookDispatcher:
        options = {"interval": 0.02, "base_delay": 0.05, **options}
        dispatcher = WebhookDispatcher(store, **options)
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.stop()


# --- deliveries ----------------------------------------------------------------------------------------------
def test_a_delivery_arrives_signed_and_is_audited(
    store: Store, receive: Callable[..., Receiver], dispatchers: Callable[..., WebhookDispatcher]
) -> None:
    receiver = receive()
    tenant = new_tenant(store)
    webhook_id, secret = register(store, tenant, receiver.url)
    [delivery_id] = notify(store, tenant, status="pending")
    run_until_idle(dispatchers(private_networks=True))
    [got] = receiver.requests
    headers = got.headers
    assert headers["x-luodi-event"] == "approval.filed" and headers["x-luodi-delivery"] == delivery_id
    assert headers["content-type"] == "application/json"
    assert webhooks.verify_signature(secret, headers["x-luodi-timestamp"], got.body, headers["x-luodi-signature"])
    # the signature covers the body, the timestamp and the secret
    forged = got.body.replace(b"pending", b"approved")
    assert not webhooks.verify_signature(secret, headers["x-luodi-timestamp"], forged, headers["x-luodi-signature"])
    later = str(int(headers["x-luodi-timestamp"]) + 1)
    assert not webhooks.verify_signature(secret, later, got.body, headers["x-luodi-signature"])
    assert not webhooks.verify_signature("whsec_other", headers["x-luodi-timestamp"], got.body,
                                         headers["x-luodi-signature"])
    assert got.json["id"] == delivery_id and got.json["tenant_id"] == tenant
    assert got.json["data"] == {"approval": "A-1", "status": "pending"}
    row = delivery(store, delivery_id)
    assert (row.status, row.attempts, row.last_status_code, row.webhook_id) == ("delivered", 1, 204, webhook_id)
    assert row.delivered_at is not None
    assert audit_kinds(store, delivery_id) == ["webhook.delivered"]
    with store.transaction() as session:
        assert audit.verify(session).intact


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    store: Store, receive: Callable[..., Receiver], dispatchers: Callable[..., WebhookDispatcher]
) -> None:
    receiver = receive(fail_first=2, failure_status=503)
    tenant = new_tenant(store)
    register(store, tenant, receiver.url)
    [delivery_id] = notify(store, tenant)
    dispatcher = dispatchers(private_networks=True, base_delay=0.3)
    dispatcher.start()
    wait_for(lambda: delivery(store, delivery_id).status == "delivered")
    first, second, third = receiver.requests
    assert second.at - first.at >= 0.3 and third.at - second.at >= 0.6  # 0.3 s, then doubled
    assert {r.headers["x-luodi-delivery"] for r in receiver.requests} == {delivery_id}
    assert first.body == second.body == third.body  # the same bytes each time; only the timestamp moves
    assert delivery(store, delivery_id).attempts == 3
    assert audit_kinds(store, delivery_id) == ["webhook.failed_attempt", "webhook.failed_attempt", "webhook.delivered"]
    with store.transaction() as session:
        records = audit.records_for(session, delivery_id)
    assert [r["payload"]["attempt"] for r in records] == [1, 2, 3]
    assert [r["payload"]["status_code"] for r in records] == [503, 503, 204]


def test_after_max_attempts_the_delivery_is_marked_failed(
    store: Store, receive: Callable[..., Receiver], dispatchers: Callable[..., WebhookDispatcher]
) -> None:
    receiver = receive(fail_first=1000)
    tenant = new_tenant(store)
    register(store, tenant, receiver.url)
    [delivery_id] = notify(store, tenant)
    dispatcher = dispatchers(private_networks=True, max_attempts=3, base_delay=0.02)
    dispatcher.start()
    wait_for(lambda: delivery(store, delivery_id).status == "failed")
    dispatcher.stop()
    row = delivery(store, delivery_id)
    assert (row.attempts, row.last_status_code, row.delivered_at) == (3, 500, None)
    assert "HTTP 500" in row.last_error
    assert audit_kinds(store, delivery_id) == ["webhook.failed_attempt", "webhook.failed_attempt", "webhook.gave_up"]
    assert not dispatcher.run_once() and len(receiver.requests) == 3  # given up: never sent again


def test_an_unreachable_endpoint_is_an_attempt_that_failed_with_its_cause(
    store: Store, dispatchers: Callable[..., WebhookDispatcher], closed_port: int
) -> None:
    tenant = new_tenant(store)
    register(store, tenant, f"http://127.0.0.1:{closed_port}/hook")
    [delivery_id] = notify(store, tenant)
    dispatcher = dispatchers(private_networks=True, base_delay=60)
    assert dispatcher.run_once()
    row = delivery(store, delivery_id)
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, None)
    assert "ConnectError" in row.last_error
    assert not dispatcher.run_once()  # the next attempt waits for its backoff
    assert audit_kinds(store, delivery_id) == ["webhook.failed_attempt"]


def test_by_default_a_webhook_to_the_platforms_own_network_is_never_sent(
    store: Store, receive: Callable[..., Receiver], dispatchers: Callable[..., WebhookDispatcher]
) -> None:
    receiver = receive()
    tenant = new_tenant(store)
    register(store, tenant, receiver.url)  # 127.0.0.1: a tenant probing the platform's own services
    [delivery_id] = notify(store, tenant)
    assert dispatchers(base_delay=60).run_once()  # private_networks not given: off
    row = delivery(store, delivery_id)
    assert receiver.requests == [] and "127.0.0.1" in row.last_error and "not a public address" in row.last_error
    assert webhooks.private_address_of("http://93.184.215.14/hook") == ""  # a public address passes


def test_a_rolled_back_transaction_delivers_nothing(
    store: Store, receive: Callable[..., Receiver], dispatchers: Callable[..., WebhookDispatcher]
) -> None:
    receiver = receive()
    tenant = new_tenant(store)
    register(store, tenant, receiver.url)
    with pytest.raises(RuntimeError), store.transaction() as session:
        assert webhooks.notify(session, tenant, webhooks.APPROVAL_DECIDED, {"approval": "A-2"})
        raise RuntimeError("the change that caused the event failed")
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert not dispatchers(private_networks=True).run_once() and receiver.requests == []


def test_only_the_tenants_webhooks_subscribed_to_the_event_get_it(
    store: Store, receive: Callable[..., Receiver], dispatchers: Callable[..., WebhookDispatcher]
) -> None:
    receiver = receive()
    tenant, other = new_tenant(store), new_tenant(store)
    subscribed, _ = register(store, tenant, receiver.url + "?all", webhooks.EVENTS)
    register(store, tenant, receiver.url + "?ingestion", (webhooks.INGESTION_COMPLETED,))
    register(store, other, receiver.url + "?other")
    ids = notify(store, tenant, webhooks.APPROVAL_DECIDED)
    assert [delivery(store, i).webhook_id for i in ids] == [subscribed]
    run_until_idle(dispatchers(private_networks=True))
    assert [r.headers["x-luodi-event"] for r in receiver.requests] == ["approval.decided"]


def test_two_replicas_never_send_one_delivery_twice(
    store: Store, receive: Callable[..., Receiver], dispatchers: Callable[..., WebhookDispatcher]
) -> None:
    receiver = receive()
    tenant = new_tenant(store)
    register(store, tenant, receiver.url)
    ids = [i for _ in range(12) for i in notify(store, tenant)]
    replicas = [dispatchers(private_networks=True, batch=2), dispatchers(private_networks=True, batch=2)]
    for replica in replicas:
        replica.start()
    wait_for(lambda: all(delivery(store, i).status == "delivered" for i in ids))
    sent = [r.headers["x-luodi-delivery"] for r in receiver.requests]
    assert sorted(sent) == sorted(ids)  # each exactly once
    assert all(audit_kinds(store, i) == ["webhook.delivered"] for i in ids)


def test_a_deleted_webhook_gets_nothing_more(
    store: Store, receive: Callable[..., Receiver], dispatchers: Callable[..., WebhookDispatcher]
) -> None:
    receiver = receive()
    tenant = new_tenant(store)
    webhook_id, _ = register(store, tenant, receiver.url)
    [waiting] = notify(store, tenant)
    with store.transaction() as session:
        webhooks.delete_webhook(session, webhook_id, tenant)
    assert notify(store, tenant) == []
    assert not dispatchers(private_networks=True).run_once() and receiver.requests == []
    assert (delivery(store, waiting).status, delivery(store, waiting).last_error) == (
        "failed", "the webhook was deleted")


def test_an_approval_is_announced_once_even_when_a_conversation_is_replayed(store: Store) -> None:
    tenant = new_tenant(store)
    register(store, tenant, "http://127.0.0.1:9/hook", (webhooks.APPROVAL_FILED,))
    desk = PlatformDesk(store, tenant, "parts")
    first = desk.request("conversation-1:reserve", "reserve", {"part": "oil filter"}, "Reserve 1 oil filter")
    again = desk.request("conversation-1:reserve", "reserve", {"part": "oil filter"}, "Reserve 1 oil filter")
    assert first == again
    with store.transaction() as session:
        rows = list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant)))
    assert [(r.event, r.payload["approval"], r.payload["action"]) for r in rows] == [
        ("approval.filed", first, "reserve")]


def test_of_two_concurrent_filings_of_one_approval_only_one_creates_it(store: Store) -> None:
    tenant = new_tenant(store)

    def file(session: Session) -> tuple[approvals.Approval, bool]:
        return approvals.file_request(session, "conversation-2:reserve", tenant, "parts", "reserve",
                                      {"part": "oil filter"}, "Reserve 1 oil filter")

    filed_later: list[tuple[approvals.Approval, bool]] = []

    def file_concurrently() -> None:
        with store.transaction() as other:
            filed_later.append(file(other))

    with store.transaction() as session:
        first, created = file(session)
        concurrent = threading.Thread(target=file_concurrently)
        concurrent.start()
        concurrent.join(timeout=0.5)
        assert concurrent.is_alive()  # it waits for this transaction: the row (PostgreSQL), the write lock (SQLite)
    concurrent.join(timeout=30)
    [(again, created_again)] = filed_later  # no unique violation: it finds the row the first one committed
    assert (created, created_again, again.id) == (True, False, first.id)


def test_a_signature_too_old_is_refused_against_replays() -> None:
    body = b'{"id":"whd_1"}'
    sent_at = "1700000000"
    header = webhooks.sign("whsec_x", sent_at, body)
    assert webhooks.verify_signature("whsec_x", sent_at, body, header, now=1700000000 + 60)
    assert not webhooks.verify_signature("whsec_x", sent_at, body, header, now=1700000000 + 3600)
    assert webhooks.verify_signature("whsec_x", sent_at, body, header, max_age_seconds=None)
    assert not webhooks.verify_signature("whsec_x", "not-a-number", body, header, max_age_seconds=None)


# --- the routes, through the real server ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def hotel(server_factory: Callable[..., LiveServer]) -> LiveServer:
    return server_factory(extra_assistants={"hotel": HOTEL})


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def admin_of(server: LiveServer, tenant: str) -> str:
    return server.new_key(tenant, role="admin")


def test_an_admin_registers_a_webhook_and_sees_its_secret_once(hotel: LiveServer) -> None:
    key = admin_of(hotel, f"t-{uuid.uuid4().hex[:8]}")
    created = httpx.post(f"{hotel.url}/webhooks", headers=headers(key),
                         json={"url": "https://example.com/luodi", "events": ["approval.decided", "approval.filed"]})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["object"] == "webhook" and body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["events"] == ["approval.decided", "approval.filed"] and body["url"] == "https://example.com/luodi"
    listed = httpx.get(f"{hotel.url}/webhooks", headers=headers(key)).json()
    assert listed["object"] == "list" and [w["id"] for w in listed["data"]] == [body["id"]]
    assert "secret" not in listed["data"][0]
    deleted = httpx.delete(f"{hotel.url}/webhooks/{body['id']}", headers=headers(key))
    assert deleted.json() == {"id": body["id"], "object": "webhook.deleted", "deleted": True}
    assert httpx.get(f"{hotel.url}/webhooks", headers=headers(key)).json()["data"] == []
    assert httpx.delete(f"{hotel.url}/webhooks/{body['id']}", headers=headers(key)).status_code == 404


@pytest.mark.parametrize(("sent", "param", "words"), [
    ({"url": "ftp://example.com/x", "events": ["approval.filed"]}, "url", "http or https, not 'ftp'"),
    ({"url": "example.com/hook", "events": ["approval.filed"]}, "url", "scheme"),
    ({"url": "http:///hook", "events": ["approval.filed"]}, "url", "host"),
    ({"url": "https://example.com", "events": ["approval.filed", "booking.made"]}, "events", "'booking.made'"),
    ({"url": "https://example.com", "events": []}, "events", "at least one"),
    ({"url": "https://example.com"}, "events", "events"),
    ({"url": "https://example.com", "events": ["approval.filed"], "secret": "whsec_mine"}, "secret", "Extra inputs"),
])
def test_a_bad_webhook_is_a_400_naming_what_is_wrong(
    hotel: LiveServer, sent: dict[str, Any], param: str, words: str
) -> None:
    response = httpx.post(f"{hotel.url}/webhooks", headers=headers(admin_of(hotel, "bad-hooks")), json=sent)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param and words in error["message"]


def test_another_tenants_webhook_is_not_found_and_members_may_not_manage_webhooks(hotel: LiveServer) -> None:
    owner_tenant = f"a-{uuid.uuid4().hex[:8]}"
    owner = admin_of(hotel, owner_tenant)
    stranger = admin_of(hotel, f"b-{uuid.uuid4().hex[:8]}")
    webhook = httpx.post(f"{hotel.url}/webhooks", headers=headers(owner),
                         json={"url": "http://127.0.0.1:9/hook", "events": ["approval.filed"]}).json()
    assert httpx.get(f"{hotel.url}/webhooks", headers=headers(stranger)).json()["data"] == []
    for response in (httpx.delete(f"{hotel.url}/webhooks/{webhook['id']}", headers=headers(stranger)),
                     httpx.get(f"{hotel.url}/webhooks/{webhook['id']}/deliveries", headers=headers(stranger))):
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    for role in ("member", "operator"):
        key = hotel.new_key(owner_tenant, role=role)
        for response in (httpx.get(f"{hotel.url}/webhooks", headers=headers(key)),
                         httpx.post(f"{hotel.url}/webhooks", headers=headers(key),
                                    json={"url": "http://127.0.0.1:9/x", "events": ["approval.filed"]}),
                         httpx.delete(f"{hotel.url}/webhooks/{webhook['id']}", headers=headers(key))):
            assert response.status_code == 403 and response.json()["error"]["code"] == "admin_key_required"
    assert httpx.get(f"{hotel.url}/webhooks", headers=headers(owner)).json()["data"][0]["id"] == webhook["id"]


def test_an_approval_filed_and_decided_reaches_the_tenants_endpoint_signed(
    hotel: LiveServer, receive: Callable[..., Receiver]
) -> None:
    receiver = receive()
    tenant = f"travel-{uuid.uuid4().hex[:8]}"
    admin = admin_of(hotel, tenant)
    webhook = httpx.post(f"{hotel.url}/webhooks", headers=headers(admin),
                         json={"url": receiver.url, "events": ["approval.filed", "approval.decided"]}).json()
    guest = hotel.client(hotel.new_key(tenant))
    messages: list[dict[str, str]] = []
    for text in ("book the acorn guest house for 2 people on friday for 3 nights", "yes"):
        messages.append({"role": "user", "content": text})
        reply = guest.chat.completions.create(model="hotel", messages=messages)  # type: ignore[arg-type]
        messages.append({"role": "assistant", "content": reply.choices[0].message.content or ""})
    approval_id = (reply.model_extra or {})["luodi"]["state"]["stack"][-1]["approval_id"]
    wait_for(lambda: len(receiver.of_event("approval.filed")) == 1)
    [filed] = receiver.of_event("approval.filed")
    assert filed.json["data"]["approval"] == approval_id and filed.json["data"]["status"] == "pending"
    decided = httpx.post(f"{hotel.url}/approvals/{approval_id}/approve", json={"operator": "duty manager"},
                         headers=headers(hotel.new_key(tenant, role="operator")))
    assert decided.status_code == 200 and decided.json()["status"] == "executed"
    wait_for(lambda: len(receiver.of_event("approval.decided")) == 1)
    [announced] = receiver.of_event("approval.decided")
    data = announced.json["data"]
    assert (data["approval"], data["status"], data["operator"]) == (approval_id, "executed", "duty manager")
    assert data["result"] == decided.json()["result"]
    for got in (filed, announced):
        assert webhooks.verify_signature(webhook["secret"], got.headers["x-luodi-timestamp"], got.body,
                                         got.headers["x-luodi-signature"])
    deliveries = httpx.get(f"{hotel.url}/webhooks/{webhook['id']}/deliveries", headers=headers(admin)).json()["data"]
    assert [(d["event"], d["status"], d["attempts"]) for d in deliveries] == [
        ("approval.decided", "delivered", 1), ("approval.filed", "delivered", 1)]
