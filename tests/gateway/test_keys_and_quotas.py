"""Keys and quotas through the real API: hashed keys, revocation, requests per minute, tokens and spend per month."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import openai
import pytest
from sqlalchemy import select

from luodi.gateway.quotas import check_quotas, duration, seconds_to_next_month
from luodi.gateway.tenants import ApiKey, GatewayError, Quotas, authenticate, create_key, create_tenant, revoke_key
from luodi.ledger.usage import UsageRecord
from luodi.store import Store
from tests.conftest import LiveServer

HI = [{"role": "user", "content": "hi"}]


def ask(client: openai.OpenAI) -> None:
    client.chat.completions.create(model="general", messages=HI, max_tokens=4)  # type: ignore[arg-type]


def test_keys_are_stored_hashed_and_revocation_takes_effect(live: LiveServer) -> None:
    key = live.new_key()
    with live.platform.store.transaction() as session:
        stored = [row.key_hash for row in session.scalars(select(ApiKey))]
    assert key not in stored and all(len(h) == 64 for h in stored)
    client = live.client(key)
    ask(client)
    with live.platform.store.transaction() as session:
        revoke_key(session, key[:10])
    with pytest.raises(openai.AuthenticationError):
        ask(client)


def test_requests_per_minute_limit_is_a_429(live: LiveServer) -> None:
    client = live.client(live.new_key(quotas=Quotas(requests_per_minute=2)))
    ask(client)
    ask(client)
    with pytest.raises(openai.RateLimitError) as limited:
        ask(client)
    assert limited.value.code == "rate_limit_exceeded" and "2" in limited.value.message


def test_monthly_tokens_and_budget_are_429_once_used_up(live: LiveServer) -> None:
    tokens_client = live.client(live.new_key(quotas=Quotas(tokens_per_month=10)))
    ask(tokens_client)  # uses more than 10 tokens: allowed, since the quota was not used up before it
    with pytest.raises(openai.RateLimitError) as tokens:
        ask(tokens_client)
    assert tokens.value.code == "insufficient_quota" and "token" in tokens.value.message
    budget_client = live.client(live.new_key(quotas=Quotas(budget_usd_per_month=Decimal("0.0001"))))
    ask(budget_client)  # the demo assistant charges $0.0001 a call
    with pytest.raises(openai.RateLimitError) as budget:
        ask(budget_client)
    assert "budget" in budget.value.message


def test_rejected_calls_are_recorded_but_not_counted(live: LiveServer) -> None:
    key = live.new_key(quotas=Quotas(requests_per_minute=1))
    client = live.client(key)
    ask(client)
    for _ in range(3):
        with pytest.raises(openai.RateLimitError):
            ask(client)
    with live.platform.store.transaction() as session:
        caller = authenticate(session, key)
        assert caller is not None
        outcomes = sorted(
            r.outcome for r in session.scalars(select(UsageRecord).where(UsageRecord.key_id == caller.key_id))
        )
    assert outcomes == ["ok", "rejected", "rejected", "rejected"]


def test_tenant_and_key_errors_name_the_problem(store: Store) -> None:
    with store.transaction() as session:
        tenant = create_tenant(session, "acme")
        with pytest.raises(GatewayError, match="exists already"):
            create_tenant(session, "acme")
        with pytest.raises(GatewayError, match="non-empty"):
            create_tenant(session, "  ")
        with pytest.raises(GatewayError, match="must not be negative"):
            create_key(session, tenant, quotas=Quotas(requests_per_minute=-1))
        with pytest.raises(GatewayError, match="no key"):
            revoke_key(session, "lk-nothing")


def test_reset_times_are_written_as_openai_writes_them() -> None:
    assert [duration(s) for s in (0, 0.2, 59.1, 61, 3 * 3600 + 2 * 60 + 5)] == ["0s", "1s", "1m0s", "1m1s", "3h2m5s"]
    assert seconds_to_next_month(datetime(2025, 2, 28, 23, 59, 0, tzinfo=UTC)) == 60
    assert seconds_to_next_month(datetime(2025, 12, 31, 0, 0, 0, tzinfo=UTC)) == 86_400


def test_the_allowance_counts_the_admitted_call_and_resets_when_the_oldest_leaves_the_window(live: LiveServer) -> None:
    key = live.new_key(quotas=Quotas(requests_per_minute=3, tokens_per_month=1000))
    client = live.client(key)
    with live.platform.store.transaction() as session:
        caller = authenticate(session, key)
        assert caller is not None
        fresh = check_quotas(session, caller)
    assert (fresh.requests_remaining, fresh.tokens_remaining) == (2, 1000)
    ask(client)
    with live.platform.store.transaction() as session:
        after = check_quotas(session, caller)
    assert after.requests_remaining == 1 and 0 < after.requests_reset_seconds <= 60
    assert after.tokens_remaining is not None and after.tokens_remaining < 1000
