"""`luodi audit show REQUEST_ID`: a request's audit records, summarised or raw, read from the database a real
server wrote them to."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import openai
import pytest
from typer.testing import CliRunner

from luodi.cli import main  # noqa: F401  (main registers the command modules)
from luodi.cli.groups import app
from luodi.cli.ledger import audit_summary
from luodi.config import load_settings
from luodi.gateway.tenants import Quotas
from luodi.modules import import_if_present
from tests.conftest import LiveServer, write_config

import_if_present("luodi.cli.ledger")

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "luodi.yaml", tmp_path / "data")


@pytest.fixture()
def server(server_factory: Callable[..., LiveServer], config: Path) -> LiveServer:
    """A server on the database the command reads."""
    return server_factory(settings=load_settings(config))


def run(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "show", *args, "--config", str(config)])
    return result.exit_code, result.output


def test_show_summarises_an_answered_and_a_rejected_call(server: LiveServer, config: Path) -> None:
    client = server.client(server.new_key(quotas=Quotas(requests_per_minute=1)))
    reply = client.chat.completions.create(
        model="general", messages=[{"role": "user", "content": "Say hi."}], max_tokens=4, user="ana"
    )
    code, output = run(config, reply.id)
    assert code == 0, output
    assert output.startswith("#") and "request.answered" in output
    for line in ("assistant: general (base model smollm2-135m)", "outcome: ok", "end user: ana", "user: Say hi.",
                 "citations: none"):
        assert line in output
    assert f"answer: {' '.join((reply.choices[0].message.content or '').split())}" in output
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model="general", messages=[{"role": "user", "content": "Again"}], max_tokens=4)
    code, output = run(config, raised.value.response.headers["x-request-id"])
    assert code == 0 and "request.rejected" in output and "reason: rate limit reached" in output


def test_show_json_prints_the_raw_records(server: LiveServer, config: Path) -> None:
    reply = server.client(server.new_key()).chat.completions.create(
        model="general", messages=[{"role": "user", "content": "Hello"}], max_tokens=4
    )
    code, output = run(config, reply.id, "--json")
    assert code == 0, output
    [record] = json.loads(output)
    assert (record["event"], record["request_id"]) == ("request.answered", reply.id)
    assert record["payload"]["messages"] == [{"role": "user", "content": "Hello"}]
    assert len(record["hash"]) == 64 and len(record["prev_hash"]) == 64


def test_an_unknown_request_id_exits_non_zero(config: Path) -> None:
    code, output = run(config, "chatcmpl-nothing")
    assert code == 1 and "no audit records for request 'chatcmpl-nothing'" in output


def test_summary_lists_citations_tool_calls_and_a_failure() -> None:
    record = {
        "seq": 7,
        "event": "request.answered",
        "created_at": "2026-05-01T09:30:00+00:00",
        "payload": {
            "assistant": "filings",
            "answer": "Revenue was $10 [1].",
            "citations": [{"source": "acme.pdf", "page": 3, "quote": "Revenue 10"}],
            "tool_calls": [{"name": "calculator", "arguments": {"expression": "4+6"}, "output": 10}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5},
            "cost_usd": "0.0005",
        },
    }
    lines = audit_summary(record)
    assert lines[0] == "#7 request.answered  2026-05-01T09:30:00+00:00"
    assert "    [1] acme.pdf, page 3: “Revenue 10”" in lines
    assert "    calculator(expression=4+6) → 10" in lines
    assert "  usage: 12 tokens in, 5 out, $0.0005" in lines
    payload = {"outcome": "backend_error", "error": "connection refused", "partial_answer": "Rev"}
    failed = audit_summary({"seq": 8, "event": "request.failed", "created_at": "t", "payload": payload})
    assert failed[1:] == ["  outcome: backend_error", "  error: connection refused", "  partial answer: Rev"]
