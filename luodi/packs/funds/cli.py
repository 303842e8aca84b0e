"""`luodi eval funds`: the fund screener's accuracy on a question set, against gold SQL on the same database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from luodi.cli.common import ConfigOption, settings_from
from luodi.cli.groups import eval_app

console = Console()


@eval_app.command("funds")
def eval_funds(
    questions: Annotated[Path, typer.Option("--questions", help="JSON lines: id, turns, gold_sql, ordered?")],
    db: Annotated[str | None, typer.Option(help="Fund database: SQLAlchemy URL or SQLite path.")] = None,
    understander: Annotated[str, typer.Option(help="rules | trained | llm")] = "rules",
    limit: Annotated[int | None, typer.Option(help="Score only the first N conversations.")] = None,
    show_failures: Annotated[int, typer.Option(help="Print up to N failed conversations.")] = 10,
    report: Annotated[Path | None, typer.Option(help="Write the figures and failures as JSON here.")] = None,
    config: ConfigOption = None,
) -> None:
    """Share of conversations whose final result (and order, when asked) equals the gold query's."""
    from luodi.models.registry import BackendRegistry
    from luodi.packs.funds.assistant import build_understander
    from luodi.packs.funds.database import default_path, open_engine
    from luodi.packs.funds.dialogue import FundScreener
    from luodi.packs.funds.evaluation import evaluate, read_questions

    settings = settings_from(config)
    engine = open_engine(db or default_path(settings.data_dir))
    backends = BackendRegistry(settings)
    screener = FundScreener(engine, build_understander(understander, engine, lambda: backends.get("smollm2-135m")))
    conversations = read_questions(questions)[:limit]
    result = evaluate(engine, screener, conversations)
    figures = result.summary()
    for label in ("overall", "single_turn", "multi_turn", "english", "chinese"):
        row = figures[label]
        console.print(f"{label:12} {row['accuracy']:.2%}  ({row['conversations']} conversations)")
    latency = figures["turn_ms"]
    console.print(f"per turn     p50 {latency['p50']:.2f} ms  p95 {latency['p95']:.2f} ms  ({understander})")
    failures = [item for item in result.items if not item.correct]
    for item in failures[:show_failures]:
        console.print(f"[red]✗ {item.conversation.id}[/red] {item.conversation.turns} — {item.reason}", highlight=False)
    if report is not None:
        listed = [{"id": i.conversation.id, "turns": i.conversation.turns, "reason": i.reason,
                   "predicted": i.predicted.model_dump() if i.predicted else None} for i in failures]  # fmt: skip
        report.write_text(json.dumps({"figures": figures, "failures": listed}, ensure_ascii=False, indent=1), "utf-8")
