"""Scoring the fund screener on question sets (read and compared in `questions.py`).

A conversation counts as correct when the result set of its last turn equals the gold query's result on the
same database (see `questions.Scorer` for how rows and order compare). A clarification counts as an empty
result. `read_questions`, `Conversation` and `QuestionSetError` are re-exported for the CLI and benchmarks.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from luodi.packs.funds.dialogue import FundScreener
from luodi.packs.funds.query import FundFilter
from luodi.packs.funds.questions import Conversation, QuestionSetError, Scorer, read_questions


@dataclass
class ItemResult:
    conversation: Conversation
    correct: bool
    reason: str = ""
    predicted: FundFilter | None = None


@dataclass
class Report:
    items: list[ItemResult]
    turn_ms: list[float] = field(default_factory=list)

    def accuracy(self, keep: Callable[[Conversation], bool] = lambda c: True) -> tuple[float, int]:
        chosen = [i for i in self.items if keep(i.conversation)]
        return (sum(i.correct for i in chosen) / len(chosen) if chosen else 0.0), len(chosen)

    def latency(self, quantile: float) -> float:
        if not self.turn_ms:
            return 0.0
        ordered = sorted(self.turn_ms)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        figures: dict[str, Any] = {}
        for label, keep in (
            ("overall", lambda c: True),
            ("multi_turn", lambda c: c.multi_turn),
            ("single_turn", lambda c: not c.multi_turn),
            ("chinese", lambda c: c.chinese),
            ("english", lambda c: not c.chinese),
        ):
            share, count = self.accuracy(keep)
            figures[label] = {"accuracy": round(share, 4), "conversations": count}
        figures["turn_ms"] = {"p50": round(self.latency(0.5), 2), "p95": round(self.latency(0.95), 2),
                              "mean": round(statistics.fmean(self.turn_ms), 2) if self.turn_ms else 0.0}  # fmt: skip
        return figures


def evaluate(engine: Engine, screener: FundScreener, conversations: Sequence[Conversation]) -> Report:
    scorer = Scorer(engine)
    report = Report(items=[])
    for conversation in conversations:
        state = screener.new_state()
        outcome = None
        for message in conversation.turns:
            started = time.perf_counter()
            state, outcome = screener.handle(state, message)
            report.turn_ms.append((time.perf_counter() - started) * 1000)
        fund_filter = outcome.fund_filter if outcome is not None and outcome.clarification is None else None
        try:
            correct, reason = scorer.compare(fund_filter, conversation.gold_sql, conversation.ordered)
        except QuestionSetError as error:
            correct, reason = False, str(error)
        report.items.append(ItemResult(conversation, correct, reason, fund_filter))
    return report


__all__ = ["Conversation", "ItemResult", "QuestionSetError", "Report", "Scorer", "evaluate", "read_questions"]
