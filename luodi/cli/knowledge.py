"""`luodi ingest`: fill an assistant's knowledge base, running the extractors its configuration names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from luodi.cli.groups import app

if TYPE_CHECKING:  # the command imports its libraries when it runs
    from luodi.knowledge.base import KnowledgeBase


def _knowledge(assistant: str, config_file: Path | None, directory: Path | None) -> KnowledgeBase:
    """The assistant's knowledge base (`directory` overrides where it is) with the extractors its options name; for
    a name that is not a configured grounded assistant, one without extractors. Kept in the platform database
    unless a folder is named, so a running server answers from a document from the next request on."""
    from luodi.assistants.grounded import open_knowledge
    from luodi.config import AssistantConfig, load_settings
    from luodi.knowledge import store as _tables  # noqa: F401  (registers the knowledge tables)
    from luodi.pack import installed_components
    from luodi.store import Store

    settings = load_settings(config_file)
    configured = settings.assistants.get(assistant)
    if configured is None or configured.kind != "grounded":
        folder = (configured.options if configured else {}).get("knowledge_dir")
        configured = AssistantConfig(base_model="", kind="grounded", options={"knowledge_dir": folder})
    engine = None
    if directory is None and not configured.options.get("knowledge_dir"):
        platform_store = Store(settings.resolved_database_url)
        platform_store.create_schema()
        engine = platform_store.engine
    return open_knowledge(assistant, configured, installed_components(settings.packs), engine, directory)


@app.command("ingest")
def ingest(
    assistant: Annotated[str, typer.Argument(help="the grounded assistant whose knowledge base to fill")],
    paths: Annotated[list[Path], typer.Argument(help="files or folders (PDF, DOCX, HTML, Markdown, CSV, XLSX)")],
    knowledge_dir: Annotated[Path | None, typer.Option("--kb", help="knowledge base folder (overrides config)")] = None,
    company: Annotated[str | None, typer.Option(help="the documents' company (else read from each document)")] = None,
    period: Annotated[int | None, typer.Option(help="their fiscal year (else read from each document)")] = None,
    config: Annotated[Path | None, typer.Option(help="configuration file")] = None,
) -> None:
    """Read documents into an assistant's knowledge base; re-ingesting a file changes nothing."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rich.progress import Progress

    from luodi.knowledge.ingest import collect_files

    knowledge = _knowledge(assistant, config, knowledge_dir)
    files = collect_files(paths)
    with Progress() as progress:
        task = progress.add_task("ingesting", total=len(files))
        stated = {k: v for k, v in {"company": company, "period_year": period}.items() if v is not None}
        report = knowledge.ingest(files, metadata_for=lambda _path: stated, progress=lambda path, done, total:
                                  progress.update(task, completed=done, description=path.name[:40]))
    extractors = ", ".join(e.name for e in knowledge.extractors) or "no extractors"
    typer.echo(f"knowledge base {knowledge.location}")
    typer.echo(f"added {len(report.added)}, unchanged {len(report.unchanged)}, failed {len(report.failed)}; "
               f"{report.pages} pages, {report.passages} passages, {report.duplicates} near-duplicates skipped, "
               f"{report.facts} facts ({extractors}); {report.pages_per_second:.1f} pages/s")
    for name, reason in report.failed:
        typer.echo(f"skipped {name}: {reason}", err=True)
