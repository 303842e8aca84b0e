"""`luodi serve`, `luodi chat`, `luodi ask`: run the service, and talk to it as any OpenAI client would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import openai
import typer
from openai.types.chat import ChatCompletionMessageParam
from sqlalchemy import select

from luodi.cli.common import ConfigOption, client_key, console, demo_key_file, errors, fail, settings_from
from luodi.cli.groups import app
from luodi.config import Settings
from luodi.errors import AssistantCannotStart
from luodi.gateway.tenants import Tenant, create_key, create_tenant
from luodi.ledger import audit
from luodi.models.base import BackendUnavailable

if TYPE_CHECKING:
    from luodi.platform import Platform

DEMO_TENANT = "demo"

ApiKeyOption = Annotated[str | None, typer.Option("--api-key", help="default: $LUODI_API_KEY or the demo key")]
UrlOption = Annotated[str | None, typer.Option("--url", help="service URL (default: from the config)")]


def ensure_demo_key(platform: Platform) -> None:
    """First start: a demo tenant and key, written to the data directory so `chat` and `ask` just work."""
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
    base_url = url or f"http://{settings.host}:{settings.port}/v1"
    return openai.OpenAI(base_url=base_url, api_key=client_key(settings, api_key), max_retries=0, timeout=120)


def _print_stream(client: openai.OpenAI, assistant: str, messages: list[ChatCompletionMessageParam]) -> str:
    pieces: list[str] = []
    try:
        stream = client.chat.completions.create(model=assistant, messages=messages, stream=True)
        for chunk in stream:
            for choice in chunk.choices:
                text = choice.delta.content or ""
                pieces.append(text)
                console.print(text, end="", markup=False, highlight=False)
    except openai.APIConnectionError as exc:
        raise fail(f"cannot reach the service at {client.base_url}: is `luodi serve` running?") from exc
    except openai.APIStatusError as exc:
        raise fail(f"{exc.status_code}: {exc.message}") from exc
    except openai.APIError as exc:
        raise fail(str(exc)) from exc
    console.print()
    return "".join(pieces)


@app.command()
def ask(
    assistant: str,
    question: str,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Ask an assistant one question through the API."""
    settings = settings_from(config)
    if not question.strip():
        raise fail("the question is empty")
    _print_stream(_client(settings, url, api_key), assistant, [{"role": "user", "content": question}])


@app.command()
def chat(
    assistant: str,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Chat with an assistant in the terminal (empty line or Ctrl-D to leave)."""
    settings = settings_from(config)
    client = _client(settings, url, api_key)
    history: list[ChatCompletionMessageParam] = []
    console.print(f"chatting with [bold]{assistant}[/]; an empty line ends the chat")
    while True:
        try:
            line = console.input("[bold green]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            break
        history.append({"role": "user", "content": line})
        console.print(f"[bold blue]{assistant}>[/] ", end="")
        history.append({"role": "assistant", "content": _print_stream(client, assistant, history)})
