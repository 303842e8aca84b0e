"""The LLM understander: the base model writes the filter as JSON constrained by a schema (a llama.cpp grammar),
which becomes the same `Reading` the rules give, merged and run by the same deterministic code.

With the embedded SmolLM2-135M this is a measured baseline, not the recommended understander (see bench/funds.py):
the grammar guarantees valid JSON over known columns, not the right columns or numbers. It does not resolve
managers or companies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from luodi.contracts import GenerationRequest, Message
from luodi.dialogue.state import DialogueState
from luodi.models.base import BaseModelBackend
from luodi.packs.funds.database import Directory
from luodi.packs.funds.query import Condition, SortKey
from luodi.packs.funds.schema import CATEGORIES
from luodi.packs.funds.understanding import CJK, Reading

NUMERIC = ["return_1m", "return_3m", "return_6m", "return_1y", "return_3y", "return_5y", "volatility_3y",
           "max_drawdown_3y", "sharpe_3y", "size_cny_100m", "management_fee", "custody_fee", "purchase_fee",
           "min_purchase_cny", "nav", "risk_level"]  # fmt: skip

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "category": {"enum": [*CATEGORIES, "any"]},
        "conditions": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "column": {"enum": NUMERIC},
                    "op": {"enum": ["gt", "ge", "lt", "le", "eq"]},
                    "value": {"type": "number"},
                },
                "required": ["column", "op", "value"],
            },
        },
        "sort_by": {"enum": [*NUMERIC, "none"]},
        "descending": {"type": "boolean"},
        "limit": {"type": "integer"},
    },
    "required": ["category", "conditions", "sort_by", "descending", "limit"],
}

SYSTEM = (
    "You turn a question about Chinese mutual funds into a JSON filter. Columns: " + ", ".join(NUMERIC) + ". "
    "Returns, volatility, drawdown and fees are percentages; size_cny_100m is in units of 100 million yuan (亿). "
    "risk_level is 1 (lowest) to 5; low risk means risk_level le 2. Use category 'any' when none is named, "
    "sort_by 'none' when no order is asked, limit 0 when no number of funds is asked."
)
EXAMPLES = [
    ("low-risk bond funds with a 3-year return above 5%",
     {"category": "bond", "conditions": [{"column": "risk_level", "op": "le", "value": 2},
                                         {"column": "return_3y", "op": "gt", "value": 5}],
      "sort_by": "none", "descending": True, "limit": 0}),
    ("规模最大的5只指数基金",
     {"category": "index", "conditions": [], "sort_by": "size_cny_100m", "descending": True, "limit": 5}),
    ("近一年收益超过10%的股票型基金，按夏普比率排序",
     {"category": "equity", "conditions": [{"column": "return_1y", "op": "gt", "value": 10}],
      "sort_by": "sharpe_3y", "descending": True, "limit": 0}),
]  # fmt: skip


class LlmUnderstander:
    def __init__(self, backend: Callable[[], BaseModelBackend], directory: Directory) -> None:
        self.backend = backend
        self.directory = directory

    def _messages(self, message: str) -> list[Message]:
        messages = [Message(role="system", content=SYSTEM)]
        for question, answer in EXAMPLES:
            messages.append(Message(role="user", content=question))
            messages.append(Message(role="assistant", content=json.dumps(answer, ensure_ascii=False)))
        return [*messages, Message(role="user", content=message)]

    def understand(self, message: str, state: DialogueState | None = None) -> Reading:
        request = GenerationRequest(messages=self._messages(message), max_tokens=160, json_schema=SCHEMA, seed=0)
        reading = Reading(language="zh" if CJK.search(message) else "en")
        try:
            raw = json.loads(self.backend().generate(request).text)
        except (json.JSONDecodeError, ValueError):
            return reading  # an unusable reply reads as "not understood": the user is asked, nothing is invented
        return _reading(raw, reading, message)


def _reading(raw: dict[str, Any], reading: Reading, message: str) -> Reading:
    if raw.get("category") in CATEGORIES:
        reading.conditions.append(Condition(column="category", op="eq", value=raw["category"]))
        reading.subject = True
    for item in raw.get("conditions", []):
        reading.conditions.append(Condition(column=item["column"], op=item["op"], value=float(item["value"])))
    if raw.get("sort_by") in NUMERIC:
        reading.sort = [SortKey(column=raw["sort_by"], descending=bool(raw.get("descending", True)))]
    limit = int(raw.get("limit") or 0)
    reading.limit = limit if 0 < limit <= 500 else None
    # the model sees one message at a time; whether it refines the last question is read from the words
    reading.refine_marker = (
        re.search(r"\b(only|those|instead|what about|and)\b|只|再|呢|其中", message.lower()) is not None
    )
    return reading
