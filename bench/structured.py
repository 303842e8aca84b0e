"""Structured-output benchmark: the embedded model through Luodi's real server, with and without the grammar.

    python bench/structured.py [--limit N] [--max-tokens 160] [--data bench/data/structured]

On the held-out sets bench/data/structured/extract.jsonl (extract the fields of a sentence) and tools.jsonl
(choose and fill one of three tools); see their README. Each item is asked twice with the same words, at
temperature 0, through the `general` chat assistant with the official `openai` SDK:

- with the grammar: extract sends `response_format` json_schema (strict) with the item's schema; tools sends
  the item's three `tools` with `tool_choice: "required"`;
- without it: the same messages, no `response_format` and no `tools`; for tools the system prompt carries the
  very words the server would add (luodi/models/tool_format.yaml, built by the server's own code), and the
  reply is asked to be the call JSON {"name", "arguments"}. The reply is read as JSON (the first JSON value in
  it, so prose around it or a code fence is forgiven).

A reply is schema-valid if it validates (JSON Schema Draft 2020-12, format checker on, as the data README's check):
extract against the item's schema; tools: an offered tool's name with arguments valid against that tool's
parameters. A call the server refuses (it judges what the grammar made: e.g. cut by max_tokens) counts as not
valid. Correct: valid and every value equal to gold (strings compared after case folding and collapsing
whitespace, numbers numerically, booleans as booleans); tools: the gold tool and its arguments. `fields` is the
share of extract fields with the gold value. p50 is the client's wall time per call.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from string import Template
from typing import Any

import jsonschema
import openai
import uvicorn
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from luodi.api.app import create_app  # noqa: E402
from luodi.config import DEFAULTS_FILE, load_settings  # noqa: E402
from luodi.contracts import Message, ToolSpec  # noqa: E402
from luodi.gateway.tenants import create_key, create_tenant  # noqa: E402
from luodi.models.structured import OutputPlan, conversation  # noqa: E402
from luodi.platform import Platform  # noqa: E402

HERE = Path(__file__).parent
DATA = HERE / "data" / "structured"
WORDS = yaml.safe_load((HERE / "structured.yaml").read_text(encoding="utf-8"))
ASSISTANT = "general"
PORT = 18741


# --- the server -------------------------------------------------------------------------------------------------
@dataclass
class Server:
    platform: Platform
    server: uvicorn.Server
    thread: threading.Thread
    client: openai.OpenAI


def start_server(folder: Path) -> Server:
    config = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    config.update(data_dir=str(folder / "data"), database_url="", embedded_parallel=1)
    path = folder / "luodi.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    platform = Platform(load_settings(path))
    server = uvicorn.Server(uvicorn.Config(create_app(platform), host="127.0.0.1", port=PORT, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the Luodi server did not start")
        time.sleep(0.05)
    with platform.store.transaction() as session:
        _, secret = create_key(session, create_tenant(session, f"bench-{uuid.uuid4().hex[:8]}"), "bench")
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{PORT}/v1", api_key=secret, max_retries=0, timeout=300)
    return Server(platform, server, thread, client)


def stop_server(running: Server) -> None:
    running.server.should_exit = True
    running.thread.join(timeout=10)
    running.platform.store.dispose()


# --- judging ----------------------------------------------------------------------------------------------------
def first_json(text: str) -> Any:
    """The reply as JSON: the whole of it, else the first JSON value starting at a "{" (None: there is none)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            return decoder.raw_decode(text, start)[0]
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
    return None


def is_valid(value: Any, schema: dict[str, Any]) -> bool:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return value is not None and validator.is_valid(value)


def same_value(got: Any, gold: Any) -> bool:
    if isinstance(gold, bool) or isinstance(got, bool):
        return isinstance(got, bool) and isinstance(gold, bool) and got == gold
    if isinstance(gold, int | float):
        return isinstance(got, int | float) and abs(float(got) - float(gold)) <= 1e-9 * max(1.0, abs(float(gold)))
    if isinstance(gold, str):
        return isinstance(got, str) and " ".join(got.split()).casefold() == " ".join(gold.split()).casefold()
    return bool(got == gold)


def same_object(got: Any, gold: dict[str, Any]) -> bool:
    return isinstance(got, dict) and set(got) == set(gold) and all(same_value(got[k], v) for k, v in gold.items())


@dataclass
class Outcome:
    valid: bool
    correct: bool
    fields_right: int = 0
    fields: int = 0
    refused: bool = False


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def share(self, what: Callable[[Outcome], bool]) -> float:
        return sum(1 for o in self.outcomes if what(o)) / max(1, len(self.outcomes))

    def field_share(self) -> float | None:
        total = sum(o.fields for o in self.outcomes)
        return sum(o.fields_right for o in self.outcomes) / total if total else None


def create(client: openai.OpenAI, **request: Any) -> Any:
    """One chat completion of the benchmark's assistant at temperature 0 (the request as plain JSON-like dicts)."""
    return client.chat.completions.create(model=ASSISTANT, temperature=0, **request)


# --- the two tasks ----------------------------------------------------------------------------------------------
def extract_messages(item: dict[str, Any]) -> list[dict[str, str]]:
    words = Template(WORDS["extract"]).substitute(
        schema=json.dumps(item["schema"], ensure_ascii=False), text=item["text"])
    return [{"role": "user", "content": words}]


def judge_extract(item: dict[str, Any], value: Any) -> Outcome:
    gold = item["gold"]
    right = sum(1 for k, v in gold.items() if isinstance(value, dict) and k in value and same_value(value[k], v))
    valid = is_valid(value, item["schema"])
    return Outcome(valid, valid and same_object(value, gold), right, len(gold))


def ask_extract(client: openai.OpenAI, item: dict[str, Any], grammar: bool, max_tokens: int) -> Outcome:
    extra: dict[str, Any] = {}
    if grammar:
        extra["response_format"] = {
            "type": "json_schema", "json_schema": {"name": "fields", "schema": item["schema"], "strict": True}}
    reply = create(client, messages=extract_messages(item), max_tokens=max_tokens, **extra)
    return judge_extract(item, first_json(reply.choices[0].message.content or ""))


def tool_specs(item: dict[str, Any]) -> list[ToolSpec]:
    return [ToolSpec(name=t["name"], description=t["description"], parameters=t["parameters"]) for t in item["tools"]]


def judge_call(item: dict[str, Any], name: Any, arguments: Any) -> Outcome:
    tools = {t["name"]: t for t in item["tools"]}
    valid = name in tools and is_valid(arguments, tools[name]["parameters"])
    gold = item["gold"]
    return Outcome(valid, valid and name == gold["name"] and same_object(arguments, gold["arguments"]))


def ask_tools(client: openai.OpenAI, item: dict[str, Any], grammar: bool, max_tokens: int, system: str) -> Outcome:
    user = {"role": "user", "content": item["text"]}
    if grammar:
        tools = [{"type": "function", "function": t} for t in item["tools"]]
        reply = create(client, messages=[user], max_tokens=max_tokens, tools=tools, tool_choice="required")
        calls = reply.choices[0].message.tool_calls or []
        if len(calls) != 1:
            return Outcome(False, False)
        function = calls[0].function
        return judge_call(item, function.name, first_json(function.arguments))
    # the very system prompt the server writes when it is given the tools (its own words and code)
    addition = OutputPlan("call", tools=tuple(tool_specs(item))).system_addition()
    messages = conversation([Message(role="system", content=system), Message(role="user", content=item["text"])],
                            addition)
    reply = create(client, messages=messages, max_tokens=max_tokens)
    value = first_json(reply.choices[0].message.content or "")
    if not isinstance(value, dict):
        return Outcome(False, False)
    arguments = value.get("arguments")
    if isinstance(arguments, str):
        arguments = first_json(arguments)
    return judge_call(item, value.get("name"), arguments)


def ask(client: openai.OpenAI, task: str, item: dict[str, Any], grammar: bool, max_tokens: int, system: str) -> Outcome:
    if task == "extract":
        return ask_extract(client, item, grammar, max_tokens)
    return ask_tools(client, item, grammar, max_tokens, system)


def timed(ask: Callable[[], Outcome], tally: Tally) -> None:
    started = time.perf_counter()
    try:
        outcome = ask()
    except openai.APIStatusError as exc:  # the server judged the constrained reply and refused it: not valid
        outcome = Outcome(False, False, refused=True)
        print(f"    refused ({exc.status_code}): {exc.message[:160]}", flush=True)
    tally.latencies_ms.append((time.perf_counter() - started) * 1000)
    tally.outcomes.append(outcome)


def load(folder: Path, name: str, limit: int | None) -> list[dict[str, Any]]:
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()][:limit]


# --- report -----------------------------------------------------------------------------------------------------
def row(task: str, mode: str, tally: Tally) -> str:
    fields = tally.field_share()
    return (f"{task:<8} {mode:<16} {len(tally.outcomes):>5} {tally.share(lambda o: o.valid):>7.0%} "
            f"{tally.share(lambda o: o.correct):>8.0%} {'-' if fields is None else f'{fields:.0%}':>7} "
            f"{statistics.median(tally.latencies_ms):>8.0f} {sum(o.refused for o in tally.outcomes):>8}")


def headline(tallies: dict[tuple[str, bool], Tally]) -> str:
    def pooled(grammar: bool) -> float:
        outcomes = [o for (_, g), t in tallies.items() if g == grammar for o in t.outcomes]
        return sum(o.valid for o in outcomes) / max(1, len(outcomes))

    with_grammar, without = pooled(True), pooled(False)
    ratio = "inf" if without == 0 else f"{with_grammar / without:.2f}x"
    return (f"headline: schema-valid share with the grammar / without = {with_grammar:.0%} / {without:.0%} "
            f"= {ratio} (both tasks pooled)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N items of each set")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--data", type=Path, default=DATA, help="a folder with extract.jsonl and tools.jsonl")
    args = parser.parse_args()
    tasks = {name: load(args.data, f"{name}.jsonl", args.limit) for name in ("extract", "tools")}
    with tempfile.TemporaryDirectory() as folder:
        running = start_server(Path(folder))
        system = running.platform.settings.assistants[ASSISTANT].system_prompt
        base_model = running.platform.settings.assistants[ASSISTANT].base_model
        tallies: dict[tuple[str, bool], Tally] = {}
        try:
            for task, items in tasks.items():
                for grammar in (True, False):
                    tally = tallies.setdefault((task, grammar), Tally())
                    print(f"  {task}, {'with' if grammar else 'without'} the grammar: {len(items)} items", flush=True)
                    for item in items:
                        timed(partial(ask, running.client, task, item, grammar, args.max_tokens, system), tally)
        finally:
            stop_server(running)
    print(f"\nassistant {ASSISTANT!r} on base model {base_model!r}, temperature 0, max_tokens {args.max_tokens}")
    print(f"{'task':<8} {'mode':<16} {'items':>5} {'valid':>7} {'correct':>8} {'fields':>7} {'p50 ms':>8} "
          f"{'refused':>8}")
    for (task, grammar), tally in tallies.items():
        print(row(task, "grammar" if grammar else "prompt only", tally))
    print(headline(tallies))


if __name__ == "__main__":
    main()
