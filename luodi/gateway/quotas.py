"""Quota checks at admission: requests per minute, tokens per month, spend per month, per key.

They read the ledger's counters (shared by every replica through the database), so limits hold across
processes. A call in flight already counts against the per-minute limit, since its usage record is opened
at admission.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from luodi.errors import QuotaExceeded, RateLimited
from luodi.gateway.tenants import Caller
from luodi.ledger.usage import from_nano, month_of, month_total, requests_in_last_minute
from luodi.store import utc_now


def check_quotas(session: Session, caller: Caller) -> None:
    """Raise RateLimited over the requests per minute, QuotaExceeded once a month's tokens or budget are used up."""
    quotas = caller.quotas
    if quotas.requests_per_minute is not None:
        recent = requests_in_last_minute(session, caller.key_id)
        if recent >= quotas.requests_per_minute:
            raise RateLimited(
                f"rate limit reached: {recent} requests in the last minute, limit {quotas.requests_per_minute}"
            )
    if quotas.tokens_per_month is None and quotas.budget_usd_per_month is None:
        return
    month = month_of(utc_now())
    total = month_total(session, caller.key_id, month)
    tokens = total.tokens if total else 0
    spent = from_nano(total.cost_nano_usd) if total else from_nano(0)
    if quotas.tokens_per_month is not None and tokens >= quotas.tokens_per_month:
        raise QuotaExceeded(f"monthly token quota used up: {tokens} of {quotas.tokens_per_month} tokens in {month}")
    if quotas.budget_usd_per_month is not None and spent >= quotas.budget_usd_per_month:
        raise QuotaExceeded(f"monthly budget used up: ${spent:.6f} of ${quotas.budget_usd_per_month} spent in {month}")
