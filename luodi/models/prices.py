"""What a call costs, from the price table in the configuration (USD per million tokens, per call)."""

from __future__ import annotations

from decimal import Decimal

from luodi.config import AssistantConfig, BaseModelConfig
from luodi.contracts import TokenUsage

MILLION = Decimal(1_000_000)


def call_cost(assistant: AssistantConfig, base_model: BaseModelConfig, usage: TokenUsage) -> Decimal:
    """The tenant's charge: the assistant's per-call price plus the base model's token prices."""
    tokens = (
        Decimal(usage.prompt_tokens) * Decimal(str(base_model.input_cost_per_million))
        + Decimal(usage.completion_tokens) * Decimal(str(base_model.output_cost_per_million))
    ) / MILLION
    return Decimal(str(assistant.price_per_call)) + tokens
