"""`luodi ingest`: fill an assistant's knowledge base."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from luodi.cli.groups import app


def _knowledge_dir(assistant: str, config_file: Path | None) -> Path:
    from luodi.config import load_settings

    settings = load_settings(config_file)
    configured = settings.assistants.get(assistant)
    if configured and configured.options.get("knowledge_dir"):
        return Path(configured.options["knowledge_dir"])
    return settings.data_dir / "knowledge" / assistant


@app.command("ingest")
def ingest(
    assistant: Annotated[str, typer.Argument(help="the grounded assistant whose knowledge base to fill")],
    paths: Annotated[list[Path], typer.Argument(help="files or folders (PDF, DOCX, HTML, Markdown, CSV, XLSX)")],
    knowledge_dir: Annotated[Path | None, typer.Option("--kb", help="knowledge base folder (overrides config)")] = None,
    config: Annotated[Path | None, typer.Option(help="configuration file")] = None,
) -> None:
    """Read documents into an assistant's knowledge base; re-ingesting a file changes nothing."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rich.progress import Progress

    from luodi.knowledge.base import KnowledgeBase
    from luodi.knowledge.ingest import collect_files

    directory = knowledge_dir or _knowledge_dir(assistant, config)
    knowledge = KnowledgeBase(directory)
    files = collect_files(paths)
    with Progress() as progress:
        task = progress.add_task("ingesting", total=len(files))
        report = knowledge.ingest(files, progress=lambda path, done, total: progress.update(
            task, completed=done, description=path.name[:40]))
    typer.echo(f"knowledge base {directory}")
    typer.echo(f"added {len(report.added)}, unchanged {len(report.unchanged)}, failed {len(report.failed)}; "
               f"{report.pages} pages, {report.passages} passages, {report.duplicates} near-duplicates skipped, "
               f"{report.facts} statement facts; {report.pages_per_second:.1f} pages/s")
    for name, reason in report.failed:
        typer.echo(f"skipped {name}: {reason}", err=True)
