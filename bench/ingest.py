"""Ingestion through Luodi's HTTP API vs in-process, on the FinanceBench filings, in one run.

    python bench/ingest.py [--limit N] [--database sqlite|postgresql]

1. Baseline: the filings ingested in this process by `KnowledgeBase(KnowledgeStore(engine, [kb]), extractors)`
   with every installed extractor, into the same database the server then uses; pages per second.
2. Through the API, as a tenant does it with the official `openai` SDK: upload every filing
   (`files.create`), make one vector store of them (`vector_stores.create(file_ids=…)`) and poll
   `vector_stores.files.list` until none is `in_progress`; pages per second from the first upload to the last
   file done, and the ratio to the baseline. The server is a `luodi serve` process of its own (as in
   production, and as in bench/gateway.py), so its background ingestion worker does the work.
3. Upload to first answer, for one filing (3M's 2018 10-K): upload, attach with `attributes`, wait for
   `completed`, define a grounded tenant assistant over that vector store (`POST /v1/assistants`) and ask it
   FinanceBench's capital-expenditure question; the seconds of each step and the answer's first line.
4. What was read of every filing, from the document itself (cover page, title; no catalogue is given to the
   ingestion): company, fiscal year and document type, and how many came out empty. FinanceBench's
   documents.jsonl is read afterwards only to check what was read against it.

Both paths embed with the same packaged all-MiniLM-L6-v2 on the same CPU, warmed first, one after the other, so
the ratio is what the platform adds: HTTP, the file rows in the database, the job claim and its heartbeats,
page progress, and one knowledge base opened per file. Wall time on a shared machine moves with whatever else
runs, so each path's CPU seconds (this process's for the baseline, the server process's for the API) and the
load average are printed too: pages per CPU second is the steadier comparison. On PostgreSQL (127.0.0.1:5432,
trust auth) a fresh database is created and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
import psycopg
import yaml

from luodi.config import DEFAULTS_FILE, shared_data_dir
from luodi.gateway.tenants import create_key, create_tenant
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.embedding import embed
from luodi.knowledge.store import KnowledgeStore
from luodi.pack import installed_components
from luodi.store import Store

FINANCEBENCH = shared_data_dir() / "financebench"
FIRST_ANSWER_FILE = "3M_2018_10K.pdf"
QUESTION = "What is the FY2018 capital expenditure amount (in USD millions) for 3M?"
POSTGRES_ADMIN = os.environ.get("LUODI_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
BASELINE_KB = "bench:in-process"
EMBEDDING_MODEL = "all-minilm-l6-v2"
POLL_SECONDS = 1.0  # listing every file costs the server a query per file: once a second is enough
PROGRESS_SECONDS = 60.0
METADATA_FIELDS = ("company", "period_year", "document_type")


@dataclass
class FileResult:
    """One filing as the API reported it once its job ended."""

    filename: str
    status: str
    pages: int
    error: str = ""
    document: dict[str, Any] = field(default_factory=dict)


@dataclass
class ApiRun:
    upload_seconds: float
    total_seconds: float
    server_cpu_seconds: float
    results: list[FileResult]

    @property
    def pages(self) -> int:
        return sum(r.pages for r in self.results if r.status == "completed")


# --- the database and the server ------------------------------------------------------------------------------
@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A SQLite file in `folder`, or a new PostgreSQL database dropped at the end."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'luodi.db'}"
        return
    name = f"luodi_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str  # its /v1
    pid: int


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, all its threads, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def load() -> str:
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg())


@contextmanager
def serving(database_url: str, folder: Path) -> Iterator[Server]:
    """A `luodi serve` process on the shipped defaults and this database."""
    config = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    port = free_port()
    # only the plain assistant is built at start: the tenant's own assistant is what this bench asks
    config.update(data_dir=str(folder / "data"), database_url=database_url, port=port,
                  assistants={"general": config["assistants"]["general"]})
    path = folder / "luodi.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "luodi", "serve", "--config", str(path)],
                                  stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", server, log_path)
            yield Server(f"http://127.0.0.1:{port}/v1", server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], log_path: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError("luodi serve did not start:\n" + log_path.read_text(encoding="utf-8", errors="replace")[-4000:])


def admin_key(store: Store, tenant: str) -> str:
    """A tenant admin key (role admin: it uploads files and defines assistants), made in the database."""
    with store.transaction() as session:
        _, secret = create_key(session, create_tenant(session, tenant), "bench", role="admin")
    return secret


# --- 1. in-process --------------------------------------------------------------------------------------------
@dataclass
class Baseline:
    pages: int
    seconds: float
    cpu_seconds: float
    read: dict[str, dict[str, Any]]  # what was read of each filing, by file name


def in_process(store: Store, files: list[Path]) -> Baseline:
    """The filings ingested without the platform, into a knowledge base of the same database."""
    extractors = installed_components().extractors
    knowledge = KnowledgeBase(KnowledgeStore(store.engine, [BASELINE_KB]), extractors)
    cpu_started, started = time.process_time(), time.perf_counter()
    last_line = [started]

    def progress(_path: Path, done: int, total: int) -> None:
        if time.perf_counter() - last_line[0] >= PROGRESS_SECONDS:
            print(f"  … {done}/{total} files done, {time.perf_counter() - started:.0f} s", flush=True)
            last_line[0] = time.perf_counter()

    report = knowledge.ingest(files, progress=progress)
    cpu = time.process_time() - cpu_started
    for name, reason in report.failed:
        print(f"  in-process failed: {name}: {reason}")
    read = {Path(d.source).name: {"company": d.company, "period_year": d.period_year,
                                  "document_type": d.metadata.get("document_type") or d.metadata.get("form")}
            for d in knowledge.store.documents()}
    return Baseline(report.pages, report.seconds, cpu, read)


# --- 2. through the API ---------------------------------------------------------------------------------------
def through_api(client: openai.OpenAI, server: Server, files: list[Path], timeout: float) -> ApiRun:
    cpu_started = cpu_seconds(server.pid)
    started = time.perf_counter()
    names: dict[str, str] = {}
    for path in files:
        with path.open("rb") as handle:
            names[client.files.create(file=handle, purpose="assistants").id] = path.name
    uploaded = time.perf_counter()
    vector_store = client.vector_stores.create(name="financebench", file_ids=list(names))
    listed = wait_for_all(client, vector_store.id, len(names), started, timeout)
    finished = time.perf_counter()
    cpu = cpu_seconds(server.pid) - cpu_started
    results = [file_result(names[f.id], f) for f in listed]
    return ApiRun(uploaded - started, finished - started, cpu, sorted(results, key=lambda r: r.filename))


def wait_for_all(client: openai.OpenAI, vector_store_id: str, count: int, started: float,
                 timeout: float) -> list[Any]:
    """The store's files once none is in progress, with a progress line now and then."""
    reported = time.perf_counter()
    while time.perf_counter() - started < timeout:
        listed = list(client.vector_stores.files.list(vector_store_id=vector_store_id, limit=100))  # every page
        waiting = [f for f in listed if f.status == "in_progress"]
        if len(listed) == count and not waiting:
            return listed
        if time.perf_counter() - reported >= PROGRESS_SECONDS:
            pages = sum(int(luodi_of(f).get("pages_done") or 0) for f in listed)
            print(f"  … {count - len(waiting)}/{count} files done, {pages} pages read, "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            reported = time.perf_counter()
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"the files of {vector_store_id} were still being ingested after {timeout:.0f} s")


def luodi_of(file: Any) -> dict[str, Any]:
    """Luodi's extension on a vector-store file: pages done and total, attempts, the document read."""
    return dict((file.model_extra or {}).get("luodi") or {})


def file_result(filename: str, file: Any) -> FileResult:
    extra = luodi_of(file)
    error = f"{file.last_error.code}: {file.last_error.message}" if file.last_error else ""
    return FileResult(filename, file.status, int(extra.get("pages_total") or 0), error,
                      dict(extra.get("document") or {}))


# --- 3. upload to first answer --------------------------------------------------------------------------------
def first_answer(client: openai.OpenAI, url: str, key: str, path: Path, skills: list[str]) -> None:
    started = time.perf_counter()
    with path.open("rb") as handle:
        upload = client.files.create(file=handle, purpose="assistants")
    uploaded = time.perf_counter()
    vector_store = client.vector_stores.create(name="first-answer")
    client.vector_stores.files.create(vector_store_id=vector_store.id, file_id=upload.id,
                                      attributes={"company": "3M"})
    while (job := client.vector_stores.files.retrieve(upload.id, vector_store_id=vector_store.id)).status \
            == "in_progress":
        time.sleep(0.2)
    ingested = time.perf_counter()
    if job.status != "completed":
        print(f"first answer: {path.name} {job.status}: {job.last_error}")
        return
    assistant = httpx.post(f"{url}/assistants", headers={"Authorization": f"Bearer {key}"}, timeout=120, json={
        "name": "filings-first-answer", "kind": "grounded", "base_model": "smollm2-135m",
        "knowledge_bases": [vector_store.id], "options": {"phrase_with_model": False, "skills": skills}})
    assistant.raise_for_status()
    reply = client.chat.completions.create(model="filings-first-answer",
                                           messages=[{"role": "user", "content": QUESTION}])
    answered = time.perf_counter()
    text = (reply.choices[0].message.content or "").strip()
    print(f"upload to first answer ({path.name}, {luodi_of(job).get('pages_total')} pages): "
          f"upload {uploaded - started:.2f} s, ingestion {ingested - uploaded:.2f} s, "
          f"first answer {answered - ingested:.2f} s (assistant defined and asked), "
          f"total {answered - started:.2f} s")
    print(f"  Q: {QUESTION}")
    print(f"  A: {text.splitlines()[0] if text else '(empty)'}")
    expected = financebench_answer(path.stem, QUESTION)
    if expected:
        print(f"  FinanceBench's answer: {expected}")


def financebench_answer(doc_name: str, question: str) -> str | None:
    questions = FINANCEBENCH / "questions_dev.jsonl"
    if not questions.exists():
        return None
    for line in questions.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item.get("doc_name") == doc_name and str(item.get("question", "")).startswith(question):
            return str(item.get("answer"))
    return None


# --- 4. what was read of each filing --------------------------------------------------------------------------
def catalogue() -> dict[str, dict[str, Any]]:
    """FinanceBench's own description of its documents, read only to check what ingestion found."""
    path = FINANCEBENCH / "documents.jsonl"
    if not path.exists():
        return {}
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["doc_name"]: row for row in rows}


def squeezed(value: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


def disagreements(document: dict[str, Any], described: dict[str, Any] | None) -> list[str]:
    """The fields where what was read differs from FinanceBench's catalogue (empty fields are counted apart)."""
    if not described:
        return []
    found = []
    company, listed = squeezed(document.get("company")), squeezed(described.get("company"))
    if company and listed not in company and company not in listed:
        found.append("company")
    if document.get("period_year") and document["period_year"] != described.get("doc_period"):
        found.append("year")
    if document.get("document_type") and squeezed(document["document_type"]) != squeezed(described.get("doc_type")):
        found.append("type")
    return found


def print_table(results: list[FileResult], baseline: dict[str, dict[str, Any]]) -> None:
    described = catalogue()
    print(f"\n{'file':36} {'pages':>5} {'status':10} {'company (read)':34} {'year':>4} {'type':8} vs catalogue")
    counts = {name: 0 for name in ("company", "year", "type")}
    for result in results:
        document = result.document
        differs = disagreements(document, described.get(Path(result.filename).stem))
        for name in differs:
            counts[name] += 1
        status = result.status if not result.error else f"{result.status} ({result.error[:60]})"
        print(f"{result.filename[:36]:36} {result.pages:>5} {status:10} {str(document.get('company') or '-')[:34]:34} "
              f"{str(document.get('period_year') or '-'):>4} {str(document.get('document_type') or '-')[:8]:8} "
              f"{'≠ ' + ', '.join(differs) if differs else ('ok' if described else '')}")
    total = len(results)
    empty = {name: sum(1 for r in results if not r.document.get(name)) for name in METADATA_FIELDS}
    print("empty fields: " + ", ".join(f"{name} {count}/{total}" for name, count in empty.items()))
    if described:
        print("differs from FinanceBench's documents.jsonl (a check only; ingestion never read it): "
              + ", ".join(f"{name} {count}/{total}" for name, count in counts.items()))
    same = sum(1 for r in results if baseline.get(r.filename) == {k: r.document.get(k) for k in METADATA_FIELDS})
    print(f"the same company, year and type read in-process and through the API: {same}/{total}")


# --- the run --------------------------------------------------------------------------------------------------
def filings(limit: int | None) -> list[Path]:
    folder = FINANCEBENCH / "pdfs"
    found = sorted(folder.glob("*.pdf"))
    if not found:
        raise SystemExit(f"no FinanceBench filings in {folder} (set LUODI_SHARED_DATA)")
    return found[:limit] if limit else found


def filings_skills() -> list[str]:
    """The skills of the shipped `filings` assistant: the tenant's assistant answers as it does."""
    config = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    return list(config["assistants"]["filings"]["options"]["skills"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="the first N filings by name (default: all)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds to wait for the API's ingestion")
    args = parser.parse_args()
    # a SIGTERM runs the clean-up below too: the server stopped, a PostgreSQL database dropped
    signal.signal(signal.SIGTERM, lambda number, _frame: sys.exit(128 + number))
    files = filings(args.limit)
    first = next((p for p in files if p.name == FIRST_ANSWER_FILE), files[0])
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    print(f"{len(files)} filings ({megabytes:.1f} MB) from {FINANCEBENCH / 'pdfs'}, database {args.database}, "
          f"{os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory(prefix="luodi-ingest-bench-") as tmp, \
            fresh_database(args.database, Path(tmp)) as database_url:
        store = Store(database_url)
        store.create_schema()
        try:
            embed(["warm the embedding model up"])
            baseline = in_process(store, files)
            report_baseline(baseline)
            with serving(database_url, Path(tmp)) as server:
                client = openai.OpenAI(base_url=server.url, api_key=admin_key(store, "bench-ingest"), max_retries=0,
                                       timeout=600)
                client.embeddings.create(model=EMBEDDING_MODEL, input="warm the server's embedding model up")
                run = through_api(client, server, files, args.timeout)
                report_api(run, baseline, megabytes)
                second_key = admin_key(store, "bench-first-answer")
                first_answer(openai.OpenAI(base_url=server.url, api_key=second_key, max_retries=0, timeout=600),
                             server.url, second_key, first, filings_skills())
                print_table(run.results, baseline.read)
        finally:
            store.dispose()


def per_second(pages: int, seconds: float) -> float:
    return pages / seconds if seconds else 0.0


def report_baseline(baseline: Baseline) -> None:
    print(f"in-process: {baseline.pages} pages in {baseline.seconds:.1f} s = "
          f"{per_second(baseline.pages, baseline.seconds):.2f} pages/s; {baseline.cpu_seconds:.0f} CPU s = "
          f"{per_second(baseline.pages, baseline.cpu_seconds):.2f} pages per CPU s ({load()})")


def report_api(run: ApiRun, baseline: Baseline, megabytes: float) -> None:
    failed = sum(1 for r in run.results if r.status != "completed")
    wall, cpu = per_second(run.pages, run.total_seconds), per_second(run.pages, run.server_cpu_seconds)
    print(f"through the API: {run.pages} pages, {len(run.results) - failed} completed, {failed} failed; "
          f"upload {run.upload_seconds:.1f} s ({megabytes / run.upload_seconds:.1f} MB/s); first upload to last "
          f"done {run.total_seconds:.1f} s = {wall:.2f} pages/s; server {run.server_cpu_seconds:.0f} CPU s = "
          f"{cpu:.2f} pages per CPU s ({load()})")
    local_wall = per_second(baseline.pages, baseline.seconds)
    local_cpu = per_second(baseline.pages, baseline.cpu_seconds)
    print(f"ratio API/in-process: {wall / local_wall:.3f}x pages/s (wall), {cpu / local_cpu:.3f}x pages per CPU s")


if __name__ == "__main__":
    main()
