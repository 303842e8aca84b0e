"""Usage records, summaries and monthly bills with the provider/partner revenue share, on both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from luodi.config import DEFAULTS_FILE, load_settings
from luodi.contracts import TokenUsage
from luodi.gateway.tenants import create_key, create_tenant
from luodi.ledger import usage
from luodi.ledger.billing import monthly_bills
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
