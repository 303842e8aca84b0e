"""What the command modules share: loading settings, opening the platform's database, printing errors.

Only typer, rich and the standard library are imported here at start: `luodi --help` loads every command
module, so each imports its libraries (pydantic settings, SQLAlchemy, openai) inside the commands."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from luodi.config import Settings

console = Console()
errors = Console(stderr=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML config file (default: $LUODI_CONFIG, ./luodi.yaml)")
]


def fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


def settings_from(config: Path | None) -> Settings:
    from luodi.config import ConfigError, load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        raise fail(str(exc)) from exc


@contextmanager
def database(settings: Settings) -> Iterator[Session]:
    from luodi.store import Store

    store = Store(settings.resolved_database_url)
    store.create_schema()
    try:
        with store.transaction() as session:
            yield session
    finally:
        store.dispose()


def demo_key_file(settings: Settings) -> Path:
    return settings.data_dir / "demo.key"


def client_key(settings: Settings, explicit: str | None) -> str:
    """The key the CLI's own client uses: --api-key, $LUODI_API_KEY, or the demo key `serve` wrote."""
    if explicit:
        return explicit
    if os.environ.get("LUODI_API_KEY"):
        return os.environ["LUODI_API_KEY"]
    path = demo_key_file(settings)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    raise fail(f"no API key: pass --api-key, set LUODI_API_KEY, or run `luodi serve` once to create {path}")
