"""Monthly bills per tenant, and the revenue share between base-model providers and industry partners."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from luodi.config import Settings
from luodi.gateway.tenants import Tenant
from luodi.ledger.usage import OUTCOME_REJECTED, UsageRecord, from_nano

CENT = Decimal("0.000001")  # bills show micro-dollars: an embedded model's calls cost fractions of a cent


@dataclass(frozen=True)
class BillLine:
    assistant: str
    base_model: str
    provider: str
    partner: str
    calls: int
    tokens: int
    amount_usd: Decimal
    provider_usd: Decimal
    partner_usd: Decimal


@dataclass
class Bill:
    tenant: str
    month: str
    lines: list[BillLine] = field(default_factory=list)

    @property
    def total_usd(self) -> Decimal:
        return sum((line.amount_usd for line in self.lines), Decimal(0))

    @property
    def provider_usd(self) -> Decimal:
        """What goes to the base-model providers; `partner_usd` is the rest of `total_usd`."""
        return sum((line.provider_usd for line in self.lines), Decimal(0))

    @property
    def partner_usd(self) -> Decimal:
        return sum((line.partner_usd for line in self.lines), Decimal(0))


def monthly_bills(session: Session, settings: Settings, month: str) -> list[Bill]:
    """One bill per tenant that made calls in `month` (YYYY-MM); rejected calls are not billed."""
    return _bills(session, settings, month)


def tenant_bill(session: Session, settings: Settings, month: str, tenant: Tenant) -> Bill:
    """The tenant's bill for `month` (YYYY-MM): no lines when it made no billable call."""
    found = _bills(session, settings, month, tenant.id)
    return found[0] if found else Bill(tenant=tenant.name, month=month)


def _bills(session: Session, settings: Settings, month: str, tenant_id: str | None = None) -> list[Bill]:
    """The bills of `month`: every tenant's, or the one of `tenant_id`."""
    query = (
        select(
            Tenant.name,
            UsageRecord.assistant,
            UsageRecord.base_model,
            func.count(),
            func.sum(UsageRecord.prompt_tokens + UsageRecord.completion_tokens),
            func.sum(UsageRecord.cost_nano_usd),
            func.sum(UsageRecord.cost_nano_usd * UsageRecord.provider_share_bp),
        )
        .join(Tenant, Tenant.id == UsageRecord.tenant_id)
        .where(UsageRecord.day.startswith(month), UsageRecord.outcome != OUTCOME_REJECTED)
        .group_by(Tenant.name, UsageRecord.assistant, UsageRecord.base_model)
        .order_by(Tenant.name, UsageRecord.assistant)
    )
    if tenant_id is not None:
        query = query.where(UsageRecord.tenant_id == tenant_id)
    bills: dict[str, Bill] = {}
    for tenant, assistant, base_model, calls, tokens, cost_nano, weighted in session.execute(query):
        amount = from_nano(int(cost_nano or 0))
        provider_part = from_nano(int(weighted or 0)) / Decimal(10_000)
        bills.setdefault(tenant, Bill(tenant=tenant, month=month)).lines.append(
            BillLine(
                assistant=assistant,
                base_model=base_model,
                provider=_provider_of(settings, base_model),
                partner=_partner_of(settings, assistant),
                calls=int(calls),
                tokens=int(tokens or 0),
                amount_usd=_round(amount),
                provider_usd=_round(provider_part),
                partner_usd=_round(amount) - _round(provider_part),
            )
        )
    return list(bills.values())


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _provider_of(settings: Settings, base_model: str) -> str:
    config = settings.base_models.get(base_model)
    return (config.provider if config else "") or base_model


def _partner_of(settings: Settings, assistant: str) -> str:
    config = settings.assistants.get(assistant)
    return (config.partner if config else "") or assistant
