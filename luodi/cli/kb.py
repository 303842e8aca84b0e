"""`luodi kb create|list|files|add|remove|delete|search`: a tenant's knowledge bases, fed through the service with
the official openai SDK as any user's program would (`client.files.create`, `client.vector_stores…`).

A knowledge base is a vector store; its id (`vs_…`) is what `luodi assistant create --kb` names. Files are read
by the service in the background; `--wait` shows the reading's progress by pages until every file is completed or
failed, then names each failed file with its reason and exits 1 if any failed. Reading and searching need any key
of the tenant, changes its admin key (the demo key `luodi serve` writes is one)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

import typer
from rich.markup import escape

from luodi.cli.client import api_errors, escaped, openai_client
from luodi.cli.common import ConfigOption, console, errors, fail, settings_from
from luodi.cli.groups import app
from luodi.cli.output import Column, CsvOption, JsonOption, Record, emit, output_format, to_json
from luodi.cli.serve import ApiKeyOption, UrlOption

if TYPE_CHECKING:
    import openai
    from openai.types.vector_stores import VectorStoreFile

kb_app = typer.Typer(no_args_is_help=True, help="Knowledge bases: create, feed, list, search and delete them.")
app.add_typer(kb_app, name="kb")

PURPOSE: Final[Literal["assistants"]] = "assistants"  # what OpenAI calls a file meant for vector stores
IN_PROGRESS, FAILED = "in_progress", "failed"
FILE_ID_PREFIX = "file-"
POLL_SECONDS = 0.5  # how often --wait asks the service where the reading is
PASSAGE_INDENT = 4  # `kb search` prints each passage under its rank, score and source
STOPPED_WAITING = 130  # the exit code after Ctrl-C, as a shell gives

FilesArgument = Annotated[
    list[Path], typer.Argument(exists=True, dir_okay=False, readable=True, help="documents: PDF, Markdown, text, …")
]
WaitOption = Annotated[
    bool, typer.Option("--wait", help="show the reading's progress by pages until every file is completed or failed")
]

STORE_FIELDS = ("id", "name", "files", "completed", "in_progress", "failed", "status", "created_at")
STORE_COLUMNS = (
    Column("id", "id", wrap=False),
    Column("name", "name"),
    Column("files", "files", "right"),
    Column("completed", "done", "right"),
    Column("in_progress", "reading", "right"),
    Column("failed", "failed", "right"),
)
FILE_FIELDS = ("id", "filename", "status", "pages_done", "pages_total", "company", "period_year", "document_type",
               "title", "attributes", "error_code", "error")
FILE_COLUMNS = (  # 80 columns: the ids and the errors' reasons are printed below the table and in --json, --csv
    Column("filename", "file"),
    Column("status", "status", wrap=False),
    Column("pages", "pages", "right"),
    Column("company", "company"),
    Column("period_year", "period", "right"),
    Column("document_type", "type", wrap=False),
)


def _connect(config: ConfigOption, url: str | None, api_key: str | None) -> openai.OpenAI:
    return openai_client(settings_from(config), url, api_key)


def _luodi(file: VectorStoreFile) -> dict[str, Any]:
    """What Luodi adds to a vector-store file: pages done and in all, and what was read of the document."""
    return dict((file.model_extra or {}).get("luodi") or {})


def upload(client: openai.OpenAI, paths: Iterable[Path]) -> dict[str, str]:
    """Upload the files for vector stores; their ids, each with its file name, in the order given."""
    names: dict[str, str] = {}
    for path in paths:
        uploaded = client.files.create(file=path, purpose=PURPOSE)
        names[uploaded.id] = path.name
        console.print(escape(f"uploaded {path.name} as {uploaded.id}"))
    return names


def pages_read(files: list[VectorStoreFile]) -> tuple[int, int]:
    """Pages read and pages in all, over the files whose page count is known; a finished file counts whole."""
    done = total = 0
    for file in files:
        luodi = _luodi(file)
        pages = luodi.get("pages_total") or 0
        total += pages
        done += pages if file.status != IN_PROGRESS else min(luodi.get("pages_done") or 0, pages)
    return done, total


def wait_for(client: openai.OpenAI, vector_store_id: str, file_ids: Iterable[str]) -> list[VectorStoreFile]:
    """Poll the files until none is in progress, with a progress bar by pages; the files as they ended."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    wanted = set(file_ids)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("pages"),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("reading", total=None)
        while True:
            files = [f for f in client.vector_stores.files.list(vector_store_id=vector_store_id) if f.id in wanted]
            finished = sum(f.status != IN_PROGRESS for f in files)
            done, total = pages_read(files)
            progress.update(bar, completed=done, total=total or None,
                            description=f"{finished} of {len(wanted)} files read")
            if finished == len(wanted):
                return files
            time.sleep(POLL_SECONDS)


def waited(client: openai.OpenAI, vector_store_id: str, names: dict[str, str]) -> None:
    """Wait for the files (Ctrl-C stops waiting, not the reading), then name each failed one with its reason;
    exit 1 if any failed."""
    try:
        files = wait_for(client, vector_store_id, names)
    except KeyboardInterrupt:
        errors.print(f"stopped waiting; the service goes on reading (`luodi kb files {vector_store_id}` shows it)")
        raise typer.Exit(code=STOPPED_WAITING) from None
    failed = [f for f in files if f.status == FAILED]
    console.print(f"{len(files) - len(failed)} of {len(files)} files completed")
    for file in failed:
        name = names.get(file.id, file.id)
        reason = (file.last_error.message if file.last_error else "no reason given").removeprefix(f"{name}: ")
        errors.print(f"[bold red]failed:[/] {escape(name)}: {escape(reason)}")
    if failed:
        raise typer.Exit(code=1)


@kb_app.command("create")
def kb_create(
    name: str,
    files: Annotated[
        list[Path] | None,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="documents to put in it at once"),
    ] = None,
    wait: WaitOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Create a knowledge base, with the files given uploaded into it; prints its id (for `assistant --kb`)."""
    client = _connect(config, url, api_key)
    with api_errors(str(client.base_url)):
        names = upload(client, files or [])
        store = client.vector_stores.create(name=name, file_ids=list(names))
        console.print(escape(f"knowledge base {name} created: {store.id}"))
        if wait and names:
            waited(client, store.id, names)


@kb_app.command("add")
def kb_add(
    vector_store_id: Annotated[str, typer.Argument(metavar="VS_ID", help="the knowledge base's id")],
    files: FilesArgument,
    company: Annotated[str | None, typer.Option("--company", help="the company the documents are of")] = None,
    period: Annotated[
        int | None, typer.Option("--period", min=1000, max=9999, help="the fiscal year they cover, e.g. 2022")
    ] = None,
    wait: WaitOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Upload files into a knowledge base, with the company and fiscal year they are of if given.

    Without --company and --period, both are read from each document (its cover page or title)."""
    attributes: dict[str, str | float | bool] = {}
    if company is not None:
        attributes["company"] = company
    if period is not None:
        attributes["period_year"] = period
    client = _connect(config, url, api_key)
    with api_errors(str(client.base_url)):
        client.vector_stores.retrieve(vector_store_id)  # a wrong id is refused before anything is uploaded
        names = upload(client, files)
        for file_id in names:
            if attributes:
                client.vector_stores.files.create(vector_store_id=vector_store_id, file_id=file_id,
                                                  attributes=attributes)
            else:
                client.vector_stores.files.create(vector_store_id=vector_store_id, file_id=file_id)
        console.print(escape(f"{len(names)} files added to {vector_store_id}"))
        if wait:
            waited(client, vector_store_id, names)


@kb_app.command("list")
def kb_list(
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """List your tenant's knowledge bases with how many of their files are read, being read and failed."""
    fmt = output_format(as_json, as_csv)
    client = _connect(config, url, api_key)
    with api_errors(str(client.base_url)):
        records = [{"id": store.id, "name": store.name, "files": store.file_counts.total,
                    "completed": store.file_counts.completed, "in_progress": store.file_counts.in_progress,
                    "failed": store.file_counts.failed, "status": store.status,
                    "created_at": time.strftime("%Y-%m-%d", time.gmtime(store.created_at))}
                   for store in client.vector_stores.list()]
    emit(console, [escaped(r) for r in records] if fmt == "table" else records, STORE_COLUMNS, fmt, STORE_FIELDS)


def file_record(file: VectorStoreFile, filename: str) -> Record:
    """A vector-store file as the CLI lists it: the document's company, period and type as read (or as the
    attributes corrected them), else as the attributes state them while it is being read."""
    luodi = _luodi(file)
    document = luodi.get("document") or {}
    attributes = dict(file.attributes or {})
    return {
        "id": file.id, "filename": filename, "status": file.status,
        "pages_done": luodi.get("pages_done"), "pages_total": luodi.get("pages_total"),
        "company": document.get("company") or attributes.get("company"),
        "period_year": document.get("period_year") or attributes.get("period_year"),
        "document_type": document.get("document_type"), "title": document.get("title"), "attributes": attributes,
        "error_code": file.last_error.code if file.last_error else None,
        "error": file.last_error.message if file.last_error else None,
    }


def _filenames(client: openai.OpenAI) -> dict[str, str]:
    return {file.id: file.filename for file in client.files.list()}


def _files_of(client: openai.OpenAI, vector_store_id: str) -> list[Record]:
    names = _filenames(client)
    return [file_record(file, names.get(file.id, file.id))
            for file in client.vector_stores.files.list(vector_store_id=vector_store_id)]


@kb_app.command("files")
def kb_files(
    vector_store_id: Annotated[str, typer.Argument(metavar="VS_ID", help="the knowledge base's id")],
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """List a knowledge base's files: status, pages read, company, period and type; why any failed.

    The table names the files and prints the failed ones' reasons below it; --json and --csv add their ids."""
    fmt = output_format(as_json, as_csv)
    client = _connect(config, url, api_key)
    with api_errors(str(client.base_url)):
        records = _files_of(client, vector_store_id)
    if fmt != "table":
        emit(console, records, FILE_COLUMNS, fmt, FILE_FIELDS)
        return
    rows = [{**escaped(record), "pages": _pages(record)} for record in records]
    emit(console, rows, FILE_COLUMNS, fmt, title=f"files of {vector_store_id}")
    for record in records:
        if record["error"]:
            console.print(escape(f"failed: {record['filename']} ({record['id']}): {record['error']}"))


def _pages(record: Record) -> str | None:
    if record["pages_total"] is None:
        return None
    return f"{record['pages_done']}/{record['pages_total']}"


def _resolved_file(client: openai.OpenAI, vector_store_id: str, file: str) -> Record:
    """The knowledge base's file with this id, or with this file name if one only has it."""
    records = _files_of(client, vector_store_id)
    by_id = [record for record in records if record["id"] == file]
    named = by_id or [record for record in records if record["filename"] == file]
    if len(named) == 1:
        return named[0]
    if not named:
        raise fail(escape(f"{vector_store_id} has no file {file!r} (`luodi kb files {vector_store_id}` lists them)"))
    raise fail(escape(f"{vector_store_id} has {len(named)} files named {file!r}: give the file id "
                      f"({', '.join(record['id'] for record in named)})"))


@kb_app.command("remove")
def kb_remove(
    vector_store_id: Annotated[str, typer.Argument(metavar="VS_ID", help="the knowledge base's id")],
    file: Annotated[str, typer.Argument(metavar="FILE_ID", help="the file's id, or its name if no other has it")],
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Take a file out of a knowledge base; its passages are no longer searched from the next request."""
    client = _connect(config, url, api_key)
    with api_errors(str(client.base_url)):
        if file.startswith(FILE_ID_PREFIX):  # an id is asked for as it is, and the service says if it is not there
            record: Record = {"id": file, "filename": file}
        else:
            record = _resolved_file(client, vector_store_id, file)
        client.vector_stores.files.delete(file_id=record["id"], vector_store_id=vector_store_id)
    console.print(escape(f"{record['filename']} removed from {vector_store_id}"))


@kb_app.command("delete")
def kb_delete(
    vector_store_id: Annotated[str, typer.Argument(metavar="VS_ID", help="the knowledge base's id")],
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Delete a knowledge base and its passages (refused while an assistant answers from it)."""
    client = _connect(config, url, api_key)
    with api_errors(str(client.base_url)):
        client.vector_stores.delete(vector_store_id)
    console.print(escape(f"knowledge base {vector_store_id} deleted"))


@kb_app.command("search")
def kb_search(
    vector_store_id: Annotated[str, typer.Argument(metavar="VS_ID", help="the knowledge base's id")],
    query: str,
    limit: Annotated[int, typer.Option("--limit", min=1, max=50, help="the most passages shown")] = 5,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Search a knowledge base as its assistants do: the passages found, best first, with their scores."""
    from rich.padding import Padding
    from rich.text import Text

    if not query.strip():
        raise fail("the query is empty")
    client = _connect(config, url, api_key)
    with api_errors(str(client.base_url)):
        found = client.vector_stores.search(vector_store_id=vector_store_id, query=query, max_num_results=limit).data
    if as_json:
        typer.echo(to_json([hit.model_dump(mode="json") for hit in found]))
        return
    if not found:
        console.print("nothing found")
    for rank, hit in enumerate(found, start=1):
        page = (hit.attributes or {}).get("page")  # the SDK reads a number attribute as a float
        where = f"{hit.filename}, page {int(page)}" if isinstance(page, int | float) else hit.filename
        console.print(f"[bold]{escape(f'[{rank}]')}[/] {hit.score:.3f}  {escape(where)}")
        text = " ".join(" ".join(part.text for part in hit.content).split())  # one paragraph, wrapped indented
        console.print(Padding(Text(text), (0, 0, 0, PASSAGE_INDENT)))
