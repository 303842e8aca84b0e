"""`luodi serve`, `luodi chat`, `luodi ask`: run the service, and talk to it as any OpenAI client would.

openai, SQLAlchemy and the platform are imported inside the commands, so that `luodi --help` starts fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
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
STOPPED = "[stopped]"  # printed after an answer the user interrupted with Ctrl-C

ApiKeyOption = Annotated[str | None, typer.Option("--api-key", help="default: $LUODI_API_KEY or the demo key")]
UrlOption = Annotated[str | None, typer.Option("--url", help="service URL (default: from the config)")]
JsonOption = Annotated[bool, typer.Option("--json", help="print the whole response as JSON, nothing else")]
CitationsOption = Annotated[
    bool,
    typer.Option("--show-citations", help="after the answer: citations, verification, tool calls, dialogue state"),
]


def ensure_demo_key(platform: Platform) -> None:
    """First start: a demo tenant and key, written to the data directory so `chat` and `ask` just work."""
    from sqlalchemy import select

    from luodi.gateway.tenants import Tenant, create_key, create_tenant
    from luodi.ledger import audit

    path = demo_key_file(platform.settings)
    with platform.store.transaction() as session:
        if path.exists() and session.scalar(select(Tenant).where(Tenant.name == DEMO_TENANT)) is not None:
            return
        tenant = session.scalar(select(Tenant).where(Tenant.name == DEMO_TENANT)) or create_tenant(session, DEMO_TENANT)
        key, secret = create_key(session, tenant, name="demo")
        audit.append(session, "key.created", {"key_id": key.id, "prefix": key.display_prefix}, tenant_id=tenant.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)


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
