"""Usage records, summaries and monthly bills with the provider/partner revenue share, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from luodi.config import DEFAULTS_FILE, load_settings
from luodi.contracts import TokenUsage
from luodi.gateway.tenants import create_key, create_tenant
from luodi.ledger import usage
from luodi.ledger.billing import monthly_bills
from luodi.ledger.usage import EVERY_TENANT, UsageQuery, find_usage, usage_totals
from luodi.store import Store, utc_now


def record_call(
    store: Store, request_id: str, tenant_id: str, key_id: str, cost: str, share: float, outcome: str = usage.OUTCOME_OK
) -> None:
    with store.transaction() as session:
        usage.open_record(session, request_id, tenant_id, key_id, "general", "smollm2-135m", False, share)
    with store.transaction() as session:
        usage.close_record(
            session,
            request_id,
            usage.CallOutcome(outcome, TokenUsage(prompt_tokens=100, completion_tokens=20), Decimal(cost), 40),
        )


def test_bill_splits_revenue_and_skips_rejected_calls(store: Store) -> None:
    with store.transaction() as session:
        tenant = create_tenant(session, "acme")
        key, _ = create_key(session, tenant)
        tenant_id, key_id = tenant.id, key.id
    record_call(store, "r1", tenant_id, key_id, "0.010000", 0.2)
    record_call(store, "r2", tenant_id, key_id, "0.030000", 0.2)
    with store.transaction() as session:
        usage.open_record(
            session, "r3", tenant_id, key_id, "general", "smollm2-135m", False, 0.2, outcome=usage.OUTCOME_REJECTED
        )
    settings = load_settings(DEFAULTS_FILE)
    with store.transaction() as session:
        [bill] = monthly_bills(session, settings, utc_now().strftime("%Y-%m"))
        [row] = usage.summarize(session)
        total = usage.month_total(session, key_id, utc_now().strftime("%Y-%m"))
    [line] = bill.lines
    assert (line.calls, line.tokens, line.amount_usd) == (2, 240, Decimal("0.040000"))
    assert (line.provider_usd, line.partner_usd) == (Decimal("0.008000"), Decimal("0.032000"))
    assert line.provider.startswith("HuggingFaceTB") and line.partner == "Luodi community"
    assert (row.requests, row.prompt_tokens, row.completion_tokens, row.errors) == (2, 200, 40, 0)
    assert total is not None and (total.requests, total.tokens) == (2, 240)


def test_closing_an_unknown_record_loses_nothing(store: Store) -> None:
    with pytest.raises(LookupError, match="no usage record"), store.transaction() as session:
        usage.close_record(session, "nope", usage.CallOutcome("ok", TokenUsage(), Decimal(0), 1))


def tenant_with_a_key(store: Store, name: str) -> tuple[str, str]:
    with store.transaction() as session:
        tenant = create_tenant(session, name)
        key, _ = create_key(session, tenant)
        return tenant.id, key.id


def test_a_usage_query_names_its_tenant_or_says_every_tenant(store: Store) -> None:
    acme, acme_key = tenant_with_a_key(store, "acme")
    globex, globex_key = tenant_with_a_key(store, "globex")
    record_call(store, "acme-1", acme, acme_key, "0.01", 0.2)
    record_call(store, "globex-1", globex, globex_key, "0.02", 0.2)
    with pytest.raises(TypeError):
        UsageQuery()  # type: ignore[call-arg]
    for nobody in (None, ""):
        with pytest.raises(ValueError, match="names its tenant"):
            UsageQuery(nobody)  # type: ignore[arg-type]
    with store.transaction() as session:
        assert [r.request_id for r in find_usage(session, UsageQuery(acme))] == ["acme-1"]
        assert sorted(r.request_id for r in find_usage(session, UsageQuery(EVERY_TENANT))) == ["acme-1", "globex-1"]
        [every] = usage_totals(session, UsageQuery(EVERY_TENANT), "assistant")
    assert (every.requests, every.cost_usd) == (2, Decimal("0.03"))


@pytest.mark.usefixtures("far_from_utc")
def test_usage_is_found_by_time_with_a_naive_time_read_as_utc(store: Store) -> None:
    tenant, key = tenant_with_a_key(store, "acme")
    record_call(store, "r1", tenant, key, "0.01", 0.2)
    now = datetime.now(UTC).replace(tzinfo=None)  # naive, in UTC

    def found(since: datetime | None = None, until: datetime | None = None) -> list[str]:
        with store.transaction() as session:
            return [r.request_id for r in find_usage(session, UsageQuery(tenant, since, until))]

    assert found(since=now - timedelta(hours=1)) == ["r1"]
    assert found(since=now + timedelta(hours=1)) == []  # read as local time, it would be 7 hours ago
    assert found(until=now + timedelta(hours=1)) == ["r1"]
