"""Tenants and keys over HTTP, through the real server on SQLite and PostgreSQL: the platform admin makes a tenant
and its first admin key, the admin makes keys limited to assistants (403 elsewhere, recorded as rejected), expired
and revoked keys are 401, another tenant's keys are 404, roles bound what a key may hand out, secrets are shown once
and stored hashed, and every change, consent included, is in the audit log with the acting key."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import select

from luodi.gateway.tenants import ApiKey, Tenant, create_key, find_tenant
from luodi.ledger.audit import AuditRecord
from tests.conftest import LiveServer, usage_of

HI = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, live: LiveServer, server_factory: Callable[..., LiveServer],
    postgres_database: Callable[[], str],
) -> LiveServer:
    if request.param == "sqlite":
        return live
    return server_factory(database_url=postgres_database())


def api(server: LiveServer, key: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def platform_key(server: LiveServer) -> str:
    return server.new_key("platform", role="platform")


def new_tenant(server: LiveServer) -> tuple[str, str]:
    """A tenant made by the platform admin over HTTP: its name and its first admin key."""
    name = unique("acme")
    with api(server, platform_key(server)) as admin:
        made = admin.post("/tenants", json={"name": name})
    assert made.status_code == 200, made.text
    return name, made.json()["key"]["secret"]


def new_key(server: LiveServer, admin_key: str, **fields: Any) -> dict[str, Any]:
    with api(server, admin_key) as admin:
        made = admin.post("/keys", json=fields)
    assert made.status_code == 200, made.text
    return dict(made.json())


def error_of(response: httpx.Response) -> dict[str, Any]:
    return dict(response.json()["error"])


def audited(server: LiveServer, kind: str, tenant_id: str) -> list[dict[str, Any]]:
    with server.platform.store.transaction() as session:
        records = session.scalars(
            select(AuditRecord).where(AuditRecord.kind == kind, AuditRecord.tenant_id == tenant_id)
        ).all()
        return [json.loads(record.payload) for record in records]


def key_id_of(server: LiveServer, secret: str) -> str:
    with server.platform.store.transaction() as session:
        key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hashlib.sha256(secret.encode()).hexdigest()))
        assert key is not None
        return key.id


def test_the_platform_admin_makes_a_tenant_with_an_admin_key(server: LiveServer) -> None:
    platform = platform_key(server)
    name = unique("globex")
    with api(server, platform) as admin:
        made = admin.post("/tenants", json={"name": name})
        again = admin.post("/tenants", json={"name": name})
        listed = admin.get("/tenants").json()["data"]
    assert made.status_code == 200, made.text
    tenant, key = made.json()["tenant"], made.json()["key"]
    assert tenant["name"] == name and tenant["shares_data_for_training"] is False
    assert key["role"] == "admin" and key["tenant_id"] == tenant["id"] and key["secret"].startswith("lk-")
    assert again.status_code == 409 and error_of(again)["code"] == "tenant_exists"
    assert name in [t["name"] for t in listed]
    [created] = audited(server, "tenant.created", tenant["id"])
    assert created["actor_key_id"] == key_id_of(server, platform)
    with api(server, key["secret"]) as tenant_admin:
        assert tenant_admin.get("/tenant").json()["name"] == name
        for response in (tenant_admin.post("/tenants", json={"name": unique("x")}), tenant_admin.get("/tenants")):
            assert response.status_code == 403 and error_of(response)["code"] == "platform_key_required"


def test_a_key_limited_to_an_assistant_gets_403_elsewhere_recorded_as_rejected(server: LiveServer) -> None:
    _, admin_key = new_tenant(server)
    member = new_key(server, admin_key, name="bot", allowed_assistants=["general"])
    assert member["role"] == "member" and member["allowed_assistants"] == ["general"]
    client = server.client(member["secret"])
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(model="hotel", messages=HI, max_tokens=4)  # type: ignore[arg-type]
    assert refused.value.code == "assistant_not_allowed"
    assert "'hotel'" in refused.value.message and "general" in refused.value.message
    assert refused.value.request_id is not None
    assert usage_of(server, refused.value.request_id).outcome == "rejected"
    with pytest.raises(openai.PermissionDeniedError):
        client.embeddings.create(model="all-minilm-l6-v2", input="hi")
    reply = client.chat.completions.create(model="general", messages=HI, max_tokens=4)  # type: ignore[arg-type]
    assert reply.choices[0].message.content is not None


def test_an_expired_key_is_401_saying_so(server: LiveServer) -> None:
    tenant_name, admin_key = new_tenant(server)
    with server.platform.store.transaction() as session:
        _, expired = create_key(session, find_tenant(session, tenant_name),
                                expires_at=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(openai.AuthenticationError) as refused:
        server.client(expired).models.list()
    assert refused.value.code == "expired_api_key"

    member = new_key(server, admin_key)
    soon = datetime.now(UTC) + timedelta(seconds=2)
    with api(server, admin_key) as admin:
        changed = admin.patch(f"/keys/{member['id']}", json={"expires_at": soon.isoformat()})
    assert changed.status_code == 200, changed.text
    assert datetime.fromisoformat(changed.json()["expires_at"]) == soon
    server.client(member["secret"]).models.list()  # not yet
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.2)
    with api(server, member["secret"]) as expired_member:
        late = expired_member.get("/models")
    assert late.status_code == 401 and error_of(late)["code"] == "expired_api_key"


def test_a_revoked_key_is_401_and_the_revocation_is_audited(server: LiveServer) -> None:
    _, admin_key = new_tenant(server)
    member = new_key(server, admin_key)
    server.client(member["secret"]).models.list()
    with api(server, admin_key) as admin:
        revoked = admin.delete(f"/keys/{member['id']}")
        again = admin.delete(f"/keys/{member['id']}")
        patched = admin.patch(f"/keys/{member['id']}", json={"name": "back"})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # the first revocation stands
    assert patched.status_code == 409
    with pytest.raises(openai.AuthenticationError) as refused:
        server.client(member["secret"]).models.list()
    assert refused.value.code == "invalid_api_key"
    [record] = audited(server, "key.revoked", member["tenant_id"])
    assert record["key_id"] == member["id"] and record["actor_key_id"] == key_id_of(server, admin_key)


def test_another_tenants_keys_are_not_found_and_not_listed(server: LiveServer) -> None:
    a_name, a_admin = new_tenant(server)
    _, b_admin = new_tenant(server)
    a_member = new_key(server, a_admin)
    with api(server, b_admin) as intruder:
        for response in (intruder.get(f"/keys/{a_member['id']}"),
                         intruder.patch(f"/keys/{a_member['id']}", json={"requests_per_minute": 1}),
                         intruder.delete(f"/keys/{a_member['id']}")):
            assert response.status_code == 404 and error_of(response)["code"] == "key_not_found"
        listed = [key["id"] for key in intruder.get("/keys").json()["data"]]
        named = intruder.get("/keys", params={"tenant": a_name})
    assert a_member["id"] not in listed and len(listed) == 1  # only B's own admin key
    assert named.status_code == 403 and error_of(named)["code"] == "platform_key_required"
    server.client(a_member["secret"]).models.list()  # the attempts changed nothing


def test_the_platform_admin_manages_another_tenants_keys(server: LiveServer) -> None:
    tenant_name, _ = new_tenant(server)
    platform = platform_key(server)
    operator = new_key(server, platform, tenant=tenant_name, role="operator")
    with server.platform.store.transaction() as session:
        assert operator["tenant_id"] == find_tenant(session, tenant_name).id
    with api(server, platform) as admin:
        listed = admin.get("/keys", params={"tenant": tenant_name}).json()["data"]
        other_tenants_platform_key = admin.post("/keys", json={"tenant": tenant_name, "role": "platform"})
        unknown = admin.get("/keys", params={"tenant": unique("nobody")})
    assert operator["id"] in [key["id"] for key in listed]
    assert other_tenants_platform_key.status_code == 400 and error_of(other_tenants_platform_key)["param"] == "role"
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "tenant_not_found"


def test_roles_bound_who_manages_keys_and_what_they_hand_out(server: LiveServer) -> None:
    tenant_name, admin_key = new_tenant(server)
    for role in ("member", "operator"):
        with api(server, server.new_key(tenant_name, role=role)) as lesser:
            refused = lesser.get("/keys")
        assert refused.status_code == 403 and error_of(refused)["code"] == "admin_key_required"
    assert new_key(server, admin_key, role="admin")["role"] == "admin"  # its own role: allowed
    with api(server, admin_key) as admin:
        platform_key_asked = admin.post("/keys", json={"role": "platform"})
        own_id = key_id_of(server, admin_key)
        promoted = admin.patch(f"/keys/{own_id}", json={"role": "platform"})
    assert platform_key_asked.status_code == 403 and error_of(platform_key_asked)["code"] == "platform_key_required"
    assert promoted.status_code == 403
    with server.platform.store.transaction() as session:
        assert session.get_one(ApiKey, own_id).role == "admin"


@pytest.mark.parametrize(
    ("body", "param", "words"),
    [
        ({"role": "owner"}, "role", "member"),
        ({"requests_per_minute": -1}, "requests_per_minute", "greater than or equal to 0"),
        ({"budget_usd_per_month": "-0.5"}, "budget_usd_per_month", "greater than or equal to 0"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at", "must be in the future"),
        ({"expires_at": "9999-12-31T23:59:59-12:00"}, "expires_at", "out of range"),  # past year 9999 in UTC
        ({"allowed_assistants": ["general", "nope"]}, "allowed_assistants", "'nope'"),
        ({"allowed_assistants": []}, "allowed_assistants", "at least one"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_a_bad_key_is_a_400_naming_the_field(server: LiveServer, body: dict[str, Any], param: str, words: str) -> None:
    _, admin_key = new_tenant(server)
    with api(server, admin_key) as admin:
        created = admin.post("/keys", json=body)
        updated = admin.patch(f"/keys/{key_id_of(server, admin_key)}", json=body)
    for response in (created, updated):
        assert response.status_code == 400, response.text
        assert error_of(response)["param"] == param and words in error_of(response)["message"]


def test_a_patch_changes_what_it_sends_and_nothing_else(server: LiveServer) -> None:
    _, admin_key = new_tenant(server)
    member = new_key(server, admin_key, name="bot", allowed_assistants=["general"], requests_per_minute=5)
    with api(server, admin_key) as admin:
        empty = admin.patch(f"/keys/{member['id']}", json={})
        changed = admin.patch(f"/keys/{member['id']}", json={"tokens_per_month": 1000, "budget_usd_per_month": 2.5})
        lifted = admin.patch(f"/keys/{member['id']}", json={"allowed_assistants": None, "requests_per_minute": None})
        in_paris = admin.patch(f"/keys/{member['id']}", json={"expires_at": "2099-06-30T18:30:00+02:00"})
    assert empty.status_code == 400 and "nothing to change" in error_of(empty)["message"]
    after = changed.json()
    assert (after["name"], after["allowed_assistants"], after["requests_per_minute"]) == ("bot", ["general"], 5)
    assert (after["tokens_per_month"], after["budget_usd_per_month"]) == (1000, "2.5")
    assert (lifted.json()["allowed_assistants"], lifted.json()["requests_per_minute"]) == (None, None)
    assert server.platform.authenticate(member["secret"]).may_call("hotel")
    assert in_paris.json()["expires_at"] == "2099-06-30T16:30:00Z"  # the same moment, in UTC
    updates = audited(server, "key.updated", member["tenant_id"])
    assert [u["changed"] for u in updates] == [["budget_usd_per_month", "tokens_per_month"],
                                               ["allowed_assistants", "requests_per_minute"], ["expires_at"]]
    assert {u["actor_key_id"] for u in updates} == {key_id_of(server, admin_key)}


def test_a_secret_is_shown_once_and_only_its_hash_is_stored(server: LiveServer) -> None:
    _, admin_key = new_tenant(server)
    member = new_key(server, admin_key, name="once")
    secret = member["secret"]
    with api(server, admin_key) as admin:
        listing, one = admin.get("/keys"), admin.get(f"/keys/{member['id']}")
    for response in (listing, one):
        assert response.status_code == 200 and secret not in response.text and "secret" not in response.text
    assert member["id"] in [key["id"] for key in listing.json()["data"]]
    assert one.json()["prefix"] == secret[:10]
    with server.platform.store.transaction() as session:
        row = session.get_one(ApiKey, member["id"])
        stored = [str(getattr(row, column.key)) for column in ApiKey.__table__.columns]
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest() and not any(secret in v for v in stored)
    [created] = audited(server, "key.created", member["tenant_id"])[1:]  # after the tenant's first admin key
    assert created["key_id"] == member["id"] and secret not in json.dumps(created)


def test_the_training_consent_is_recorded_and_audited(server: LiveServer) -> None:
    tenant_name, admin_key = new_tenant(server)
    with api(server, server.new_key(tenant_name)) as member:
        assert member.get("/tenant").json()["shares_data_for_training"] is False
        refused = member.patch("/tenant", json={"shares_data_for_training": True})
    assert refused.status_code == 403 and error_of(refused)["code"] == "admin_key_required"
    with api(server, admin_key) as admin:
        not_a_bool = admin.patch("/tenant", json={"shares_data_for_training": "yes"})
        given = admin.patch("/tenant", json={"shares_data_for_training": True})
    assert not_a_bool.status_code == 400 and error_of(not_a_bool)["param"] == "shares_data_for_training"
    assert given.status_code == 200 and given.json()["shares_data_for_training"] is True
    assert given.json()["consent_changed_at"] is not None
    with server.platform.store.transaction() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.name == tenant_name))
        assert tenant is not None and tenant.shares_data_for_training is True
        tenant_id = tenant.id
    [record] = audited(server, "tenant.consent_changed", tenant_id)
    assert record == {"shares_data_for_training": True, "before": False, "actor_key_id": key_id_of(server, admin_key)}
