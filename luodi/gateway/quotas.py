"""Quota checks at admission: requests per minute, tokens per month, spend per month, per key.

They read the ledger's counters (shared by every replica through the database), so limits hold across
processes. A call in flight already counts against the per-minute limit, since its usage record is opened
at admission.

What a check leaves is an `Allowance`, told to the caller as OpenAI's rate-limit headers
(`x-ratelimit-limit-requests`, `-remaining-requests`, `-reset-requests` and the `-tokens` equivalents; here the
token limit is the key's monthly quota). A refusal carries the same headers and `Retry-After`: when the oldest
call of the last minute leaves the window, or when the month ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from luodi.errors import QuotaExceeded, RateLimited
from luodi.gateway.tenants import Caller
from luodi.ledger.usage import from_nano, month_of, month_total, requests_window
from luodi.store import as_utc, utc_now

WINDOW = timedelta(minutes=1)


def duration(seconds: float) -> str:
    """OpenAI's form of a reset time: `1h2m3s`, `45s`, `0s` (whole seconds, rounded up)."""
    left = max(0, int(-(-seconds // 1)))
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if hours or minutes else "") + f"{secs}s"
    return text


@dataclass(frozen=True)
class Allowance:
    """What a key's quotas leave once a call is admitted; None where the key has no such limit."""

    requests_limit: int | None = None
    requests_remaining: int | None = None
    requests_reset_seconds: float = 0.0
    tokens_limit: int | None = None
    tokens_remaining: int | None = None
    tokens_reset_seconds: float = 0.0

    def headers(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.requests_limit is not None:
            found["x-ratelimit-limit-requests"] = str(self.requests_limit)
            found["x-ratelimit-remaining-requests"] = str(max(0, self.requests_remaining or 0))
            found["x-ratelimit-reset-requests"] = duration(self.requests_reset_seconds)
        if self.tokens_limit is not None:
            found["x-ratelimit-limit-tokens"] = str(self.tokens_limit)
            found["x-ratelimit-remaining-tokens"] = str(max(0, self.tokens_remaining or 0))
            found["x-ratelimit-reset-tokens"] = duration(self.tokens_reset_seconds)
        return found


def seconds_to_next_month(now: datetime) -> float:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return (following - now).total_seconds()


def check_quotas(session: Session, caller: Caller) -> Allowance:
    """What the key's quotas leave after this call; raise RateLimited over the requests per minute,
    QuotaExceeded once a month's tokens or budget are used up."""
    quotas = caller.quotas
    now = utc_now()
    requests_limit = quotas.requests_per_minute
    requests_remaining: int | None = None
    requests_reset = 0.0
    if requests_limit is not None:
        recent, oldest = requests_window(session, caller.key_id, now - WINDOW)
        requests_reset = (as_utc(oldest) + WINDOW - now).total_seconds() if oldest is not None else WINDOW.seconds
        requests_remaining = requests_limit - recent - 1
        if recent >= requests_limit:
            allowance = Allowance(requests_limit, 0, requests_reset)
            raise RateLimited(
                f"rate limit reached: {recent} requests in the last minute, limit {requests_limit}",
                retry_after=requests_reset,
                limits=allowance.headers(),
            )
    if quotas.tokens_per_month is None and quotas.budget_usd_per_month is None:
        return Allowance(requests_limit, requests_remaining, requests_reset)
    month = month_of(now)
    total = month_total(session, caller.key_id, month)
    tokens = total.tokens if total else 0
    spent = from_nano(total.cost_nano_usd) if total else from_nano(0)
    month_left = seconds_to_next_month(now)
    tokens_remaining = None if quotas.tokens_per_month is None else quotas.tokens_per_month - tokens
    allowance = Allowance(
        requests_limit, requests_remaining, requests_reset, quotas.tokens_per_month, tokens_remaining, month_left
    )
    if quotas.tokens_per_month is not None and tokens >= quotas.tokens_per_month:
        raise QuotaExceeded(
            f"monthly token quota used up: {tokens} of {quotas.tokens_per_month} tokens in {month}",
            retry_after=month_left,
            limits=allowance.headers(),
        )
    if quotas.budget_usd_per_month is not None and spent >= quotas.budget_usd_per_month:
        raise QuotaExceeded(
            f"monthly budget used up: ${spent:.6f} of ${quotas.budget_usd_per_month} spent in {month}",
            retry_after=month_left,
            limits=allowance.headers(),
        )
    return allowance
