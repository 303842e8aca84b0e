"""`luodi assistant list|show|create|update|delete`: a tenant's own assistants, through the service's
`/v1/assistants` (httpx, as any client would), beside the platform's catalogue.

Any key of the tenant lists and shows; creating, changing and deleting need its admin key (the demo key `luodi
serve` writes is one). What the service refuses is printed with its message and exit code 1. `--option key=value`
reads the value as YAML, so `--option phrase_with_model=false` is a boolean and `--option skills=[a, b]` a list."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from luodi.cli.client import api_errors, call, escaped, http_client
from luodi.cli.common import ConfigOption, console, fail, settings_from
from luodi.cli.groups import app
from luodi.cli.output import Column, CsvOption, JsonOption, Record, emit, output_format, to_json
from luodi.cli.serve import ApiKeyOption, UrlOption

if TYPE_CHECKING:
    import httpx

assistant_app = typer.Typer(no_args_is_help=True, help="Define, list, change and delete your own assistants.")
app.add_typer(assistant_app, name="assistant")

OWNERS = {"tenant": "own", "platform": "catalogue"}  # how `assistant list` marks where an assistant comes from


class Kind(StrEnum):
    chat = "chat"
    grounded = "grounded"
    scenario = "scenario"


KnowledgeOption = Annotated[
    list[str] | None, typer.Option("--kb", help="a knowledge base (vector store id) it answers from; repeat for more")
]
SystemPromptOption = Annotated[str | None, typer.Option("--system-prompt", help="the instructions it is given")]
DescriptionOption = Annotated[str | None, typer.Option("--description", help="one line shown in the model list")]
OptionOption = Annotated[
    list[str] | None,
    typer.Option("--option", help="a kind's option as key=value, the value read as YAML (repeat for more); "
                                  "on update, key= with no value removes it"),
]
MaxTokensOption = Annotated[int | None, typer.Option("--max-tokens", min=1, help="the longest answer, in tokens")]
PartnerOption = Annotated[str | None, typer.Option("--partner", help="the industry partner paid for its calls")]
ShareOption = Annotated[
    float | None, typer.Option("--base-model-share", min=0.0, max=1.0,
                               help="the base-model provider's fraction of what a call earns")
]

LIST_FIELDS = ("name", "owned_by", "id", "kind", "base_model", "knowledge_bases", "description", "max_tokens",
               "partner", "base_model_share", "price_per_call", "revision")
LIST_COLUMNS = (  # 80 columns: the knowledge bases' ids are left to `assistant show` and --json
    Column("name", "name"),
    Column("from", "from", wrap=False),
    Column("kind", "kind", wrap=False),
    Column("base_model", "base model"),
    Column("knowledge", "kbs", "right"),
    Column("description", "description"),
)
SHOWN = (  # what `assistant show` prints, in this order, under these labels
    ("name", "name"), ("id", "id"), ("from", "from"), ("kind", "kind"), ("base_model", "base model"),
    ("knowledge_bases", "knowledge"), ("description", "description"), ("system_prompt", "system prompt"),
    ("max_tokens", "max tokens"), ("options", "options"), ("partner", "partner"),
    ("base_model_share", "base-model share"), ("price_per_call", "price per call"), ("revision", "revision"),
)


def parsed_options(pairs: list[str] | None) -> dict[str, Any]:
    """`key=value` pairs as a dict, each value read as a YAML scalar or list; `key=` gives None (removed)."""
    import yaml

    options: dict[str, Any] = {}
    for pair in pairs or []:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise fail(escape(f"--option must be key=value, got {pair!r}"))
        try:
            options[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise fail(escape(f"--option {key.strip()}: {value!r} is not a YAML value ({exc})")) from exc
    return options


def definition(
    kind: Kind | None = None,
    base_model: str | None = None,
    knowledge: list[str] | None = None,
    system_prompt: str | None = None,
    description: str | None = None,
    max_tokens: int | None = None,
    partner: str | None = None,
    base_model_share: float | None = None,
) -> dict[str, Any]:
    """The body's fields the options give; a field not given is not sent (on PATCH it stays as it is)."""
    given = {"kind": kind.value if kind else None, "base_model": base_model, "knowledge_bases": knowledge or None,
             "system_prompt": system_prompt, "description": description, "max_tokens": max_tokens,
             "partner": partner, "base_model_share": base_model_share}
    return {field: value for field, value in given.items() if value is not None}


def _with_options(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**current, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def path_of(name: str) -> str:
    """The route of one assistant, its name quoted (a name may hold spaces or a slash)."""
    from urllib.parse import quote

    return f"/assistants/{quote(name, safe='')}"


def _connect(config: ConfigOption, url: str | None, api_key: str | None) -> httpx.Client:
    return http_client(settings_from(config), url, api_key)


@assistant_app.command("list")
def assistant_list(
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """List your tenant's own assistants, then the platform's catalogue (marked `own` and `catalogue`)."""
    fmt = output_format(as_json, as_csv)
    with _connect(config, url, api_key) as http, api_errors(str(http.base_url)):
        records: list[Record] = call(http, "GET", "/assistants")["data"]
    if fmt == "table":
        rows = [{**escaped(record), "from": OWNERS.get(record["owned_by"], record["owned_by"]),
                 "knowledge": len(record["knowledge_bases"])} for record in records]
        emit(console, rows, LIST_COLUMNS, fmt)
        return
    if fmt == "csv":
        records = [{**record, "knowledge_bases": " ".join(record["knowledge_bases"])} for record in records]
    emit(console, records, LIST_COLUMNS, fmt, LIST_FIELDS)


@assistant_app.command("show")
def assistant_show(
    name: str,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Show one assistant's whole definition."""
    with _connect(config, url, api_key) as http, api_errors(str(http.base_url)):
        record = call(http, "GET", path_of(name))
    if as_json:
        typer.echo(to_json(record))
        return
    console.print(_definition_grid(record))


def _definition_grid(record: Record) -> Table:
    shown = {**record, "from": OWNERS.get(record["owned_by"], record["owned_by"]),
             "knowledge_bases": " ".join(record["knowledge_bases"]) or None,
             "options": ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}"
                                  for key, value in record["options"].items()) or None}
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for field, label in SHOWN:
        value = shown.get(field)
        grid.add_row(label, "-" if value in (None, "") else escape(str(value)))
    return grid


@assistant_app.command("create")
def assistant_create(
    name: str,
    base_model: Annotated[str, typer.Option("--base-model", help="a base model of the platform's catalogue")],
    kind: Annotated[Kind, typer.Option("--kind", help="how it answers")] = Kind.chat,
    knowledge: KnowledgeOption = None,
    system_prompt: SystemPromptOption = None,
    description: DescriptionOption = None,
    option: OptionOption = None,
    max_tokens: MaxTokensOption = None,
    partner: PartnerOption = None,
    base_model_share: ShareOption = None,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Define an assistant of your tenant (needs the tenant's admin key); it is served from the next call."""
    body = {"name": name, **definition(kind, base_model, knowledge, system_prompt, description, max_tokens,
                                       partner, base_model_share)}
    options = _with_options({}, parsed_options(option))
    if options:
        body["options"] = options
    with _connect(config, url, api_key) as http, api_errors(str(http.base_url)):
        made = call(http, "POST", "/assistants", body)
    knowledge_note = f", knowledge {' '.join(made['knowledge_bases'])}" if made["knowledge_bases"] else ""
    console.print(escape(f"assistant {made['name']} created ({made['kind']} on {made['base_model']}"
                         f"{knowledge_note})"))


@assistant_app.command("update")
def assistant_update(
    name: str,
    base_model: Annotated[str | None, typer.Option("--base-model", help="another base model")] = None,
    kind: Annotated[Kind | None, typer.Option("--kind", help="how it answers")] = None,
    knowledge: Annotated[
        list[str] | None, typer.Option("--kb", help="the knowledge bases it answers from, replacing the ones it has")
    ] = None,
    system_prompt: SystemPromptOption = None,
    description: DescriptionOption = None,
    option: OptionOption = None,
    max_tokens: MaxTokensOption = None,
    partner: PartnerOption = None,
    base_model_share: ShareOption = None,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Change an assistant of your tenant; what is not given stays as it is, options given are changed one by one."""
    body = definition(kind, base_model, knowledge, system_prompt, description, max_tokens, partner, base_model_share)
    changes = parsed_options(option)
    if not body and not changes:
        raise fail("nothing to change: give --kind, --base-model, --kb, --system-prompt, --description, --option, "
                   "--max-tokens, --partner or --base-model-share")
    with _connect(config, url, api_key) as http, api_errors(str(http.base_url)):
        if changes:  # the service replaces the options as a whole: send the current ones with these changed
            body["options"] = _with_options(call(http, "GET", path_of(name))["options"], changes)
        changed = call(http, "PATCH", path_of(name), body)
    console.print(escape(f"assistant {changed['name']} updated (revision {changed['revision']}): "
                         f"{', '.join(sorted(body))}"))


@assistant_app.command("delete")
def assistant_delete(
    name: str,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Delete an assistant of your tenant; calls to it get 404 from then on."""
    with _connect(config, url, api_key) as http, api_errors(str(http.base_url)):
        call(http, "DELETE", path_of(name))
    console.print(escape(f"assistant {name} deleted"))
