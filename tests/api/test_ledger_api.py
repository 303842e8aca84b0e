"""Usage, bills and the audit log as data over HTTP, through the real server: calls are made with member keys,
then read back with an admin key of the same tenant, in JSON and CSV, on SQLite and PostgreSQL; another tenant's
admin sees none of them, a member key is refused, and bad parameters are 400s naming the parameter."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import update

from luodi.gateway.tenants import Quotas
from luodi.ledger.audit import AuditRecord
from tests.conftest import LiveServer


@dataclass(frozen=True)
class Calls:
    """What one tenant did: two answered calls (one per member key) and one the per-minute quota rejected."""

    tenant: str
    admin: str
    limited_key: str  # the secret of the key with requests_per_minute=1
    answered: list[str]  # request ids, the limited key's first
    rejected: str


def ask(server: LiveServer, key: str) -> str:
    reply = server.client(key).chat.completions.create(
        model="general", messages=[{"role": "user", "content": "Say hi."}], max_tokens=4
    )
    return reply.id


def make_calls(server: LiveServer) -> Calls:
    tenant = f"acme-{uuid.uuid4().hex[:8]}"
    limited = server.new_key(tenant, Quotas(requests_per_minute=1))
    other = server.new_key(tenant)
    answered = [ask(server, limited), ask(server, other)]
    with pytest.raises(openai.RateLimitError) as raised:
        ask(server, limited)
    rejected = raised.value.response.headers["x-request-id"]
    return Calls(tenant, server.new_key(tenant, role="admin"), limited, answered, rejected)


def get(server: LiveServer, key: str, path: str, headers: dict[str, str] | None = None, **params: Any
        ) -> httpx.Response:
    sent = {"Authorization": f"Bearer {key}", **(headers or {})}
    return httpx.get(f"{server.url}{path}", params=params, headers=sent, timeout=60)


def ok_json(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def refused(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.fixture(scope="module")
def postgres_live(server_factory: Callable[..., LiveServer], postgres_database: Callable[[], str]) -> LiveServer:
    return server_factory(database_url=postgres_database())


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The shipped defaults on each database (the session's `live` server is the SQLite one)."""
    yield request.getfixturevalue("live" if request.param == "sqlite" else "postgres_live")


@pytest.fixture()
def calls(server: LiveServer) -> Calls:
    return make_calls(server)


# --- usage ------------------------------------------------------------------------------------------------------
def test_usage_records_include_the_rejected_call(server: LiveServer, calls: Calls) -> None:
    body = ok_json(get(server, calls.admin, "/usage"))
    assert (body["tenant"], body["group_by"]) == (calls.tenant, None)
    outcomes = {record["request_id"]: record["outcome"] for record in body["data"]}
    assert outcomes == {calls.answered[0]: "ok", calls.answered[1]: "ok", calls.rejected: "rejected"}
    answered = next(record for record in body["data"] if record["request_id"] == calls.answered[0])
    assert answered["assistant"] == "general" and answered["total_tokens"] > 0
    assert Decimal(answered["cost_usd"]) > 0 and answered["started_at"].endswith("+00:00")


def test_usage_by_day_assistant_and_key(server: LiveServer, calls: Calls) -> None:
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    [day] = ok_json(get(server, calls.admin, "/usage", group_by="day"))["data"]
    assert (day["day"], day["requests"], day["rejected"], day["errors"]) == (today, 2, 1, 0)
    [general] = ok_json(get(server, calls.admin, "/usage", group_by="assistant"))["data"]
    assert (general["assistant"], general["requests"], general["rejected"]) == ("general", 2, 1)
    assert Decimal(general["cost_usd"]) == Decimal(day["cost_usd"]) > 0
    by_key = ok_json(get(server, calls.admin, "/usage", group_by="key"))["data"]
    limited_id = server.platform.authenticate(calls.limited_key).key_id
    assert sorted((row["key_id"] == limited_id, row["requests"], row["rejected"]) for row in by_key) == [
        (False, 1, 0), (True, 1, 1),
    ]


def test_usage_filters_by_key_assistant_and_time(server: LiveServer, calls: Calls) -> None:
    limited_id = server.platform.authenticate(calls.limited_key).key_id
    by_key = ok_json(get(server, calls.admin, "/usage", key_id=limited_id))["data"]
    assert {record["request_id"] for record in by_key} == {calls.answered[0], calls.rejected}
    assert ok_json(get(server, calls.admin, "/usage", assistant="funds"))["data"] == []
    now = datetime.now(UTC)
    today, tomorrow = now.strftime("%Y-%m-%d"), (now + timedelta(days=1)).strftime("%Y-%m-%d")
    assert len(ok_json(get(server, calls.admin, "/usage", since=today, until=today))["data"]) == 3
    assert ok_json(get(server, calls.admin, "/usage", since=tomorrow))["data"] == []
    an_hour_ago = now - timedelta(hours=1)
    assert ok_json(get(server, calls.admin, "/usage", until=an_hour_ago.isoformat()))["data"] == []
    in_beijing = an_hour_ago.astimezone(timezone(timedelta(hours=8))).isoformat()  # the same moment, 8 hours ahead
    assert len(ok_json(get(server, calls.admin, "/usage", since=in_beijing))["data"]) == 3
    naive_utc = an_hour_ago.replace(tzinfo=None).isoformat()  # a time without a zone is UTC
    assert len(ok_json(get(server, calls.admin, "/usage", since=naive_utc))["data"]) == 3


def test_usage_as_csv(server: LiveServer, calls: Calls) -> None:
    rows = csv_rows(get(server, calls.admin, "/usage", format="csv", group_by="assistant"))
    assert [(row["assistant"], row["requests"], row["rejected"]) for row in rows] == [("general", "2", "1")]
    records = csv_rows(get(server, calls.admin, "/usage", headers={"Accept": "text/csv"}))
    assert sorted(row["outcome"] for row in records) == ["ok", "ok", "rejected"]
    assert {row["end_user"] for row in records} == {""}


# --- bill -------------------------------------------------------------------------------------------------------
def test_bill_splits_each_line_and_sums_to_the_total(server: LiveServer, calls: Calls) -> None:
    bill = ok_json(get(server, calls.admin, "/bill"))
    assert (bill["tenant"], bill["month"]) == (calls.tenant, datetime.now(UTC).strftime("%Y-%m"))
    [line] = bill["lines"]
    # the rejected call is not billed
    assert (line["assistant"], line["calls"], line["partner"]) == ("general", 2, "Luodi community")
    amount, provider, partner = (Decimal(line[name]) for name in ("amount_usd", "provider_usd", "partner_usd"))
    assert provider + partner == amount == Decimal(bill["total_usd"]) > 0
    assert provider == (amount * Decimal("0.2")).quantize(Decimal("0.000001"))  # general's base_model_share
    assert Decimal(bill["provider_usd"]) + Decimal(bill["partner_usd"]) == Decimal(bill["total_usd"])
    usage = ok_json(get(server, calls.admin, "/usage", group_by="assistant"))["data"]
    assert Decimal(usage[0]["cost_usd"]).quantize(Decimal("0.000001")) == amount
    [row] = csv_rows(get(server, calls.admin, "/bill", format="csv", month=bill["month"]))
    assert (row["tenant"], row["assistant"], row["amount_usd"]) == (calls.tenant, "general", line["amount_usd"])


def test_a_month_without_calls_has_an_empty_bill(live: LiveServer) -> None:
    admin = live.new_key(f"quiet-{uuid.uuid4().hex[:8]}", role="admin")
    bill = ok_json(get(live, admin, "/bill", month="2001-02"))
    assert (bill["month"], bill["lines"], bill["total_usd"]) == ("2001-02", [], "0")


# --- audit ------------------------------------------------------------------------------------------------------
def test_audit_by_request_id_and_event(server: LiveServer, calls: Calls) -> None:
    [answered] = ok_json(get(server, calls.admin, "/audit", request_id=calls.answered[0]))["data"]
    assert (answered["event"], answered["request_id"]) == ("request.answered", calls.answered[0])
    assert answered["payload"]["assistant"] == "general" and answered["payload"]["messages"][0]["content"] == "Say hi."
    [rejected] = ok_json(get(server, calls.admin, "/audit", event="request.rejected"))["data"]
    assert rejected["request_id"] == calls.rejected and "rate limit" in rejected["payload"]["reason"]
    everything = ok_json(get(server, calls.admin, "/audit"))
    seqs = [record["seq"] for record in everything["data"]]
    assert seqs == sorted(seqs) and len(seqs) == 3 and not everything["has_more"]
    page = ok_json(get(server, calls.admin, "/audit", limit=2))
    assert [r["seq"] for r in page["data"]] == seqs[:2] and page["has_more"]
    rest = ok_json(get(server, calls.admin, "/audit", after=seqs[1]))["data"]
    assert [r["seq"] for r in rest] == seqs[2:]
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert ok_json(get(server, calls.admin, "/audit", since=later.isoformat()))["data"] == []
    earlier_in_beijing = (later - timedelta(minutes=10)).astimezone(timezone(timedelta(hours=8))).isoformat()
    assert len(ok_json(get(server, calls.admin, "/audit", since=earlier_in_beijing))["data"]) == 3


def test_audit_as_csv_carries_the_payload_as_json(server: LiveServer, calls: Calls) -> None:
    [row] = csv_rows(get(server, calls.admin, "/audit", request_id=calls.answered[1], format="csv"))
    assert row["event"] == "request.answered" and '"assistant": "general"' in row["payload"]


def test_verify_checks_the_tenants_records_and_the_platform_the_chain(server: LiveServer, calls: Calls) -> None:
    mine = ok_json(get(server, calls.admin, "/audit/verify"))
    assert (mine["ok"], mine["scope"], mine["tenant"], mine["records"]) == (True, "tenant", calls.tenant, 3)
    platform = server.new_key("platform", role="platform")
    chain = ok_json(get(server, platform, "/audit/verify"))
    assert (chain["ok"], chain["scope"], chain["first_bad_record"]) == (True, "chain", None)
    assert chain["records"] >= 3


def test_verify_names_a_tampered_record(server_factory: Callable[..., LiveServer]) -> None:
    server = server_factory()  # its own database: the shared server's chain stays whole
    calls = make_calls(server)
    with server.platform.store.transaction() as session:
        session.execute(update(AuditRecord).where(AuditRecord.request_id == calls.rejected)
                        .values(payload='{"assistant":"general","reason":"nothing happened"}'))
    mine = ok_json(get(server, calls.admin, "/audit/verify"))
    assert not mine["ok"] and "altered" in mine["problem"]
    assert mine["first_bad_record"]["request_id"] == calls.rejected
    chain = ok_json(get(server, server.new_key("platform", role="platform"), "/audit/verify"))
    assert (chain["ok"], chain["first_bad_seq"]) == (False, mine["first_bad_seq"])
    neighbour = make_calls(server)  # another tenant's records are untouched
    assert ok_json(get(server, neighbour.admin, "/audit/verify"))["ok"]


# --- who may read what ------------------------------------------------------------------------------------------
LEDGER_ROUTES = ("/usage", "/bill", "/audit", "/audit/verify")


def test_another_tenants_admin_sees_none_of_its_rows(server: LiveServer, calls: Calls) -> None:
    other = server.new_key(f"globex-{uuid.uuid4().hex[:8]}", role="admin")
    assert ok_json(get(server, other, "/usage"))["data"] == []
    assert ok_json(get(server, other, "/bill"))["lines"] == []
    assert ok_json(get(server, other, "/audit", request_id=calls.answered[0]))["data"] == []
    assert ok_json(get(server, other, "/audit/verify"))["records"] == 0
    for path in LEDGER_ROUTES:
        error = refused(get(server, other, path, tenant=calls.tenant), 403)
        assert (error["code"], error["param"]) == ("platform_key_required", "tenant")
    assert refused(get(server, calls.admin, "/usage", tenant=calls.tenant), 403)["code"] == "platform_key_required"


def test_the_platform_admin_reads_any_tenant(server: LiveServer, calls: Calls) -> None:
    platform = server.new_key("platform", role="platform")
    usage = ok_json(get(server, platform, "/usage", tenant=calls.tenant))
    assert usage["tenant"] == calls.tenant and len(usage["data"]) == 3
    assert ok_json(get(server, platform, "/bill", tenant=calls.tenant))["lines"][0]["calls"] == 2
    assert len(ok_json(get(server, platform, "/audit", tenant=calls.tenant))["data"]) == 3
    assert ok_json(get(server, platform, "/audit/verify", tenant=calls.tenant))["scope"] == "tenant"
    assert refused(get(server, platform, "/usage", tenant="no-such-tenant"), 404)["code"] == "tenant_not_found"


def test_a_member_key_is_refused_naming_the_role_needed(live: LiveServer) -> None:
    tenant = f"members-{uuid.uuid4().hex[:8]}"
    member = live.new_key(tenant)
    for path in ("/usage", "/bill"):
        error = refused(get(live, member, path), 403)
        assert error["code"] == "admin_key_required" and "role admin" in error["message"]
    for path in ("/audit", "/audit/verify"):
        error = refused(get(live, member, path), 403)
        assert error["code"] == "operator_key_required" and "role operator" in error["message"]
    operator = live.new_key(tenant, role="operator")
    assert get(live, operator, "/audit").status_code == 200
    assert refused(get(live, operator, "/usage"), 403)["code"] == "admin_key_required"


@pytest.mark.parametrize(
    ("path", "params", "param"),
    [
        ("/bill", {"month": "2026-13"}, "month"),
        ("/bill", {"month": "May 2026"}, "month"),
        ("/usage", {"since": "last week"}, "since"),
        ("/usage", {"until": "2026-02-30"}, "until"),
        ("/usage", {"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ("/usage", {"group_by": "week"}, "group_by"),
        ("/usage", {"format": "xml"}, "format"),
        ("/audit", {"since": "yesterday"}, "since"),
        ("/audit", {"limit": "0"}, "limit"),
        ("/audit", {"limit": "1001"}, "limit"),
        # times a datetime cannot hold in UTC: the day after 9999-12-31, an hour before 0001-01-01
        ("/usage", {"until": "9999-12-31"}, "until"),
        ("/usage", {"since": "0001-01-01T00:00:00+01:00"}, "since"),
        ("/usage", {"until": "9999-12-31T23:00:00-05:00"}, "until"),
        ("/audit", {"until": "9999-12-31"}, "until"),
        ("/audit", {"since": "0001-01-01T00:30:00+01:00"}, "since"),
        ("/audit", {"after": "99999999999999999999"}, "after"),  # past a 63-bit sequence number
        ("/audit", {"after": "-1"}, "after"),
    ],
)
def test_bad_parameters_are_400_naming_them(live: LiveServer, path: str, params: dict[str, str], param: str) -> None:
    admin = live.new_key(f"typos-{uuid.uuid4().hex[:8]}", role="admin")
    error = refused(get(live, admin, path, **params), 400)
    assert error["param"] == param and param in error["message"]


def test_the_widest_window_a_datetime_holds_reads_everything(live: LiveServer) -> None:
    calls = make_calls(live)
    since, until = "0001-01-01", "9999-12-30"  # the first day, and the last whose next day a datetime holds
    assert len(ok_json(get(live, calls.admin, "/usage", since=since, until=until))["data"]) == 3
    assert len(ok_json(get(live, calls.admin, "/audit", since=since, until=until))["data"]) == 3
    last = ok_json(get(live, calls.admin, "/audit", after=str(2**63 - 1)))
    assert (last["data"], last["has_more"]) == ([], False)
