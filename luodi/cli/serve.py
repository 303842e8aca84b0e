"""`luodi serve`, `luodi chat`, `luodi ask`: run the service, and talk to it as any OpenAI client would.

openai, SQLAlchemy and the platform are imported inside the commands, so that `luodi --help` starts fast."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from luodi.cli.common import ConfigOption, client_key, console, demo_key_file, errors, fail, settings_from
from luodi.cli.groups import app
from luodi.cli.report import print_report

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

    from luodi.config import Settings
    from luodi.platform import Platform

DEMO_TENANT = "demo"
# On a laptop the one user is the demo tenant's admin: the demo key defines assistants and feeds knowledge
# bases (`luodi assistant create`, `luodi kb create`) as well as calling them. A key file already there is kept.
DEMO_ROLE = "admin"
STOPPED = "[stopped]"  # printed after an answer the user interrupted with Ctrl-C

ApiKeyOption = Annotated[str | None, typer.Option("--api-key", help="default: $LUODI_API_KEY or the demo key")]
UrlOption = Annotated[str | None, typer.Option("--url", help="service URL (default: from the config)")]
JsonOption = Annotated[bool, typer.Option("--json", help="print the whole response as JSON, nothing else")]
CitationsOption = Annotated[
    bool,
    typer.Option("--show-citations", help="after the answer: citations, verification, tool calls, dialogue state"),
]


def ensure_demo_key(platform: Platform) -> bool:
    """First start: a demo tenant and its admin key, written to the data directory so `chat`, `ask`, `assistant`
    and `kb` just work; True if they were made now (an existing key file is left as it is, whatever its role)."""
    return _ensure_key_file(platform, DEMO_TENANT, DEMO_ROLE, demo_key_file(platform.settings))


def admin_key_file(settings: Settings) -> Path:
    return settings.data_dir / "admin.key"


def ensure_platform_key(platform: Platform) -> bool:
    """First start: the platform tenant and a platform admin key (to create tenants over HTTP), written to
    admin.key in the data directory, readable by its owner only; True if it was made now."""
    from luodi.gateway.tenants import PLATFORM, PLATFORM_TENANT

    return _ensure_key_file(platform, PLATFORM_TENANT, PLATFORM, admin_key_file(platform.settings))


def _ensure_key_file(platform: Platform, tenant_name: str, role: str, path: Path) -> bool:
    """The tenant (made if missing) and, unless `path` holds one already, a new key of it written there (0600)."""
    from sqlalchemy import select

    from luodi.gateway.tenants import Tenant, create_key, create_tenant, key_facts
    from luodi.ledger import audit

    with platform.store.transaction() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.name == tenant_name))
        if path.exists() and tenant is not None:
            return False
        if tenant is None:
            tenant = create_tenant(session, tenant_name)
            audit.append(session, "tenant.created", {"name": tenant.name, "actor_key_id": None}, tenant_id=tenant.id)
        key, secret = create_key(session, tenant, name=tenant_name, role=role)
        audit.append(session, "key.created", {**key_facts(key), "actor_key_id": None}, tenant_id=tenant.id)
    _write_secret(path, secret)
    return True


def _write_secret(path: Path, secret: str) -> None:
    """Made with mode 0600 from the start, so the key is never readable by others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
    path.chmod(0o600)  # a file that was there already keeps its mode through O_CREAT


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
) -> None:
    """Run the OpenAI-compatible service (embedded base model, demo tenant on first start)."""
    import uvicorn

    from luodi.api.app import create_app
    from luodi.errors import AssistantCannotStart, BackendUnavailable
    from luodi.platform import Platform

    settings = settings_from(config)
    with console.status("loading assistants and base models…"):
        platform = Platform(settings)
        ensure_demo_key(platform)
        made_admin_key = ensure_platform_key(platform)
        for name in settings.assistants:
            try:
                platform.assistant(name)
            except (BackendUnavailable, AssistantCannotStart) as exc:
                errors.print(f"[yellow]warning:[/] assistant {name!r} is not ready: {exc}")
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(
        f"Luodi serving {', '.join(sorted(settings.assistants))} at http://{bind_host}:{bind_port}/v1 "
        f"(demo key in {demo_key_file(settings)})"
    )
    if made_admin_key:
        console.print(f"platform admin key (creates tenants, keep it private) written to {admin_key_file(settings)}")
    uvicorn.run(create_app(platform), host=bind_host, port=bind_port, log_level="warning")


def _client(settings: Settings, url: str | None, api_key: str | None) -> openai.OpenAI:
    import openai

    base_url = url or f"http://{settings.host}:{settings.port}/v1"
    return openai.OpenAI(base_url=base_url, api_key=client_key(settings, api_key), max_retries=0, timeout=120)


@contextmanager
def _api_errors(client: openai.OpenAI) -> Iterator[None]:
    """The SDK's errors as one readable line and exit code 1."""
    import openai

    try:
        yield
    except openai.APIConnectionError as exc:
        raise fail(f"cannot reach the service at {client.base_url}: is `luodi serve` running?") from exc
    except openai.APIStatusError as exc:
        raise fail(f"{exc.status_code}: {exc.message}") from exc
    except openai.APIError as exc:
        raise fail(str(exc)) from exc


def _extras(chunk: Any) -> dict[str, Any]:
    """Luodi's additions on a response or its final chunk (fields plain OpenAI clients ignore)."""
    extra = chunk.model_extra or {}
    return {name: extra[name] for name in ("citations", "verification", "luodi") if name in extra}


def _print_stream(
    client: openai.OpenAI, assistant: str, messages: list[ChatCompletionMessageParam]
) -> tuple[str, dict[str, Any], bool]:
    """Stream an answer to the terminal: its text, Luodi's extras, and whether Ctrl-C stopped it (the rest of the
    answer is dropped and the connection closed, so the server stops writing it)."""
    pieces: list[str] = []
    extras: dict[str, Any] = {}
    with _api_errors(client):
        stream = client.chat.completions.create(model=assistant, messages=messages, stream=True)
        try:
            for chunk in stream:
                extras.update(_extras(chunk))
                for choice in chunk.choices:
                    text = choice.delta.content or ""
                    pieces.append(text)
                    console.print(text, end="", markup=False, highlight=False)
        except KeyboardInterrupt:
            stream.close()
            console.print(f" {STOPPED}", markup=False, highlight=False)
            return "".join(pieces), extras, True
    console.print()
    return "".join(pieces), extras, False


@app.command()
def ask(
    assistant: str,
    question: str,
    as_json: JsonOption = False,
    show_citations: CitationsOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Ask an assistant one question through the API."""
    settings = settings_from(config)
    if not question.strip():
        raise fail("the question is empty")
    client = _client(settings, url, api_key)
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": question}]
    if as_json:
        with _api_errors(client):
            raw = client.chat.completions.with_raw_response.create(model=assistant, messages=messages)
        typer.echo(json.dumps(raw.http_response.json(), indent=2, ensure_ascii=False))
        return
    _, extras, stopped = _print_stream(client, assistant, messages)
    if stopped:
        raise typer.Exit(code=130)
    if show_citations:
        print_report(console, extras)


@app.command()
def chat(
    assistant: str,
    show_citations: CitationsOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Chat with an assistant in the terminal: Ctrl-C stops an answer; at the prompt, it or Ctrl-D leaves."""
    settings = settings_from(config)
    client = _client(settings, url, api_key)
    history: list[ChatCompletionMessageParam] = []
    console.print(f"chatting with [bold]{assistant}[/]; Ctrl-C stops an answer, an empty line or Ctrl-D ends the chat")
    while True:
        try:
            line = console.input("[bold green]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            break
        if not line:
            break
        console.print(f"[bold blue]{assistant}>[/] ", end="")
        text, extras, _ = _print_stream(client, assistant, [*history, {"role": "user", "content": line}])
        if text:  # an answer stopped before its first word leaves no trace in the conversation
            history += [{"role": "user", "content": line}, {"role": "assistant", "content": text}]
        if show_citations:
            print_report(console, extras)
