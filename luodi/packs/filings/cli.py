"""`luodi eval financebench`: ingest the filings, answer every question through the grounded assistant, score."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from luodi.cli.groups import eval_app

DEFAULT_FINANCEBENCH_KB = Path.home() / ".cache" / "luodi" / "financebench" / "kb"


@eval_app.command("financebench")
def financebench(
    questions: Annotated[Path, typer.Option(help="questions JSONL (financebench_id, question, doc_name, answer)")],
    pdfs: Annotated[Path, typer.Option(help="folder of the filings' PDFs")],
    out: Annotated[Path, typer.Option(help="answers JSONL to write")] = Path("answers.jsonl"),
    mode: Annotated[str, typer.Option(help="single: the question's filing only; shared: all filings")] = "single",
    documents: Annotated[Path | None, typer.Option(help="documents JSONL (default: beside questions)")] = None,
    knowledge_dir: Annotated[Path, typer.Option("--kb", help="cached knowledge base")] = DEFAULT_FINANCEBENCH_KB,
    model: Annotated[str, typer.Option(help="base model that phrases tool answers")] = "smollm2-135m",
    config: Annotated[Path | None, typer.Option(help="configuration file")] = None,
    assistant_name: Annotated[str, typer.Option("--assistant", help="the grounded assistant to evaluate, as served "
                                                "(its skills and extractors)")] = "filings",
) -> None:
    """Ingest the filings, answer every question, write one JSON line each and print the tally."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rich.progress import Progress

    from luodi.config import load_settings
    from luodi.packs.filings.evaluation import document_metadata, evaluated_assistant, load_jsonl, pdfs_to_ingest, run

    if mode not in ("single", "shared"):
        raise typer.BadParameter("mode is single or shared")
    items = load_jsonl(questions)
    catalogue = load_jsonl(documents or questions.with_name("documents.jsonl"))
    assistant = evaluated_assistant(load_settings(config), knowledge_dir, model, assistant_name)
    files = pdfs_to_ingest(items, pdfs, mode)  # type: ignore[arg-type]
    with Progress() as progress:
        task = progress.add_task("ingesting filings", total=len(files))
        report = assistant.knowledge.ingest(files, document_metadata(catalogue),
                                            lambda path, done, total: progress.update(task, completed=done,
                                                                                      description=path.name[:40]))
    typer.echo(f"ingested {len(report.added)} new, {len(report.unchanged)} cached, {len(report.failed)} failed"
               + (f"; {report.pages_per_second:.1f} pages/s" if report.added else ""))
    if assistant.backend is None:
        typer.echo(f"base model {model} unavailable; tool answers use templates", err=True)
    with Progress() as progress:
        task = progress.add_task("answering", total=len(items))
        tally = run(assistant, items, mode, out,  # type: ignore[arg-type]
                    on_answer=lambda question, verdict: progress.advance(task))
    typer.echo(f"mode {mode}: {tally.summary(len(items))}")
    typer.echo(f"answers written to {out}")
