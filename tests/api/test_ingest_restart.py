"""A server killed mid-ingest (SIGKILL, nothing flushed) resumes the job on restart: the document is indexed
once, whole, and nothing already stored is lost. Run as a real `luodi serve` process on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from luodi.gateway.tenants import create_key, create_tenant
from luodi.knowledge.store import documents, passages
from luodi.knowledge.uploads import VectorStoreFile
from luodi.store import Store
from tests.conftest import free_port, write_config
from tests.knowledge.conftest import make_pdf

PAGES = 240  # long enough to be caught half-way on two cores


def long_report() -> bytes:
    return make_pdf([[f"Section {page}: the depot in region {page} shipped {page * 37} pallets of widget "
                      f"model {page % 11} to customer {page * 13 % 97} during week {page % 52}."]
                     for page in range(1, PAGES + 1)])


@contextmanager
def serving(config: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-m", "luodi", "serve", "--config", str(config), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("luodi serve did not start")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


def file_row(store: Store, vector_store_id: str, file_id: str) -> VectorStoreFile:
    with store.transaction() as session:
        row = session.get(VectorStoreFile, (vector_store_id, file_id))
        assert row is not None
        return row


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_server_killed_mid_ingest_resumes_the_job_on_restart(
        database: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'luodi.db'}" if database == "sqlite"
           else request.getfixturevalue("postgres_database")())
    config = write_config(tmp_path / "luodi.yaml", tmp_path / "data", database_url=url)
    settings = yaml.safe_load(config.read_text())
    settings["assistants"] = {"general": settings["assistants"]["general"]}  # starts fast
    settings["ingestion_claim_timeout_seconds"] = 2
    config.write_text(yaml.safe_dump(settings))
    store = Store(url)
    port = free_port()
    with serving(config, port) as server:
        with store.transaction() as session:
            _, secret = create_key(session, create_tenant(session, "restarts"), role="admin")
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}/v1", headers={"Authorization": f"Bearer {secret}"},
                            timeout=60)
        kept = http.post("/files", files={"file": ("kept.md", b"# Kept\n\nThe canteen opens at noon.\n")},
                         data={"purpose": "assistants"}).json()["id"]
        upload = http.post("/files", files={"file": ("report.pdf", long_report())},
                           data={"purpose": "assistants"}).json()["id"]
        vector_store = http.post("/vector_stores", json={"name": "ops", "file_ids": [kept]}).json()["id"]
        wait_for(lambda: file_row(store, vector_store, kept).status == "completed")
        http.post(f"/vector_stores/{vector_store}/files", json={"file_id": upload})
        wait_for(lambda: (file_row(store, vector_store, upload).pages_done or 0) > 0, timeout=120, step=0.02)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    halted = file_row(store, vector_store, upload)
    assert halted.status == "in_progress" and halted.pages_done < PAGES, "the job finished before the kill"
    assert stored(store, vector_store) == (1, 1)  # only the kept document: nothing half-written

    with serving(config, port):
        wait_for(lambda: file_row(store, vector_store, upload).status != "in_progress", timeout=180)
        resumed = file_row(store, vector_store, upload)
        assert resumed.status == "completed" and resumed.attempts == 2 and resumed.pages_done == PAGES
        documents_stored, passages_stored = stored(store, vector_store)
        assert documents_stored == 2 and passages_stored == 1 + PAGES  # each page once, the kept one still there
        found = http.post(f"/vector_stores/{vector_store}/search", json={"query": "canteen opens"}).json()["data"]
        assert found[0]["filename"] == "kept.md"
    store.dispose()


def stored(store: Store, vector_store_id: str) -> tuple[int, int]:
    with store.transaction() as session:
        docs = session.scalar(select(func.count()).select_from(documents).where(documents.c.kb_id == vector_store_id))
        found = session.scalar(select(func.count()).select_from(passages).where(passages.c.kb_id == vector_store_id))
    return int(docs or 0), int(found or 0)


def wait_for(condition: Callable[[], bool], timeout: float = 60, step: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise AssertionError(f"not so after {timeout} s")
