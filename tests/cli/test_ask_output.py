"""`luodi ask --json` and `--show-citations` against a real server: the whole response, and what Luodi adds to an
answer (citations, verification, tool calls, dialogue state) printed after it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from luodi.cli import register_commands
from luodi.cli.groups import app
from luodi.cli.report import report_lines
from luodi.config import load_settings
from tests.conftest import LiveServer, write_config

register_commands(with_packs=False)
runner = CliRunner(env={"COLUMNS": "100"})
POLICY = "# Travel policy\n\nEconomy class is booked for flights under six hours.\n"


def run(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config)])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def grounded(server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, str, str]:
    """A server with a grounded assistant `docs` whose knowledge base `luodi ingest` filled; its config and a key."""
    folder = tmp_path_factory.mktemp("ask")
    (folder / "travel.md").write_text(POLICY, encoding="utf-8")
    docs = {"kind": "grounded", "base_model": "smollm2-135m",
            "options": {"knowledge_dir": str(folder / "kb"), "phrase_with_model": False}}
    config = write_config(folder / "luodi.yaml", folder / "data", extra_assistants={"docs": docs})
    code, output = run(config, "ingest", "docs", str(folder / "travel.md"))
    assert code == 0, output
    server = server_factory(load_settings(config))
    return config, server.url, server.new_key()


def test_ask_json_prints_the_whole_response(grounded: tuple[Path, str, str]) -> None:
    config, url, key = grounded
    code, output = run(config, "ask", "docs", "Which class is booked for flights under six hours?", "--json",
                       "--url", url, "--api-key", key)
    assert code == 0, output
    response = json.loads(output)  # nothing but the JSON on stdout
    assert response["object"] == "chat.completion" and response["model"] == "docs"
    assert "Economy class" in response["choices"][0]["message"]["content"]
    assert set(response["usage"]) >= {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert response["citations"][0]["source"] == "Travel policy"
    assert response["luodi"]["request_id"] == response["id"]


def test_show_citations_prints_citations_and_verification_after_the_answer(grounded: tuple[Path, str, str]) -> None:
    config, url, key = grounded
    question = "Which class is booked for flights under six hours?"
    plain = run(config, "ask", "docs", question, "--url", url, "--api-key", key)[1]
    code, output = run(config, "ask", "docs", question, "--show-citations", "--url", url, "--api-key", key)
    assert code == 0, output
    answer, _, report = output.partition("\ncitations\n")
    assert "Economy class" in answer and "Travel policy" not in plain and "verification" not in plain
    first = report.splitlines()[0]
    assert first.startswith("  [1] ") and "Travel policy" in first and "“Economy class is booked" in first
    assert "\nverification: " in report and "\nrequest chatcmpl-" in report


def test_show_citations_prints_the_dialogue_state(server_factory: Callable[..., LiveServer],
                                                            tmp_path: Path) -> None:
    config = write_config(tmp_path / "luodi.yaml", tmp_path / "data")
    server = server_factory(load_settings(config))
    code, output = run(config, "ask", "hotel", "I need a cheap hotel in the north with free wifi.", "--show-citations",
                       "--url", server.url, "--api-key", server.new_key())
    assert code == 0, output
    assert "\ncitations\n  [1] hotels: “id: " in output and "\nverification: verified\n" in output
    state = output.split("\ndialogue state\n", 1)[1]
    assert "  scenario: hotel\n" in state and '"pricerange": "cheap"' in state


def test_report_lines_read_each_part() -> None:
    extras = {
        "citations": [{"source": "a.pdf", "page": 3, "quote": "Revenue was 5."}],
        "verification": {"status": "verified", "checks": [
            {"claim": "5", "kind": "number", "supported": True}, {"claim": "7", "kind": "number", "supported": False,
                                                                  "note": "not in the evidence"}]},
        "luodi": {"tool_calls": [{"name": "search", "arguments": {"area": "north"}, "output": {"count": 2}},
                                 {"name": "book", "arguments": {}, "error": "no such hotel"}],
                  "state": {"area": "north", "long": "x" * 500}, "abstained": True, "request_id": "chatcmpl-1"},
    }
    lines = report_lines(extras)
    assert lines[:2] == ["citations", "  [1] a.pdf, page 3: “Revenue was 5.”"]
    assert lines[2:5] == ["verification: verified", "  ✓ 5 (number)", "  ✗ 7 (number) — not in the evidence"]
    assert lines[5:8] == ["tool calls", '  search(area=north) → {"count": 2}', "  book() → error: no such hotel"]
    assert lines[8:10] == ["dialogue state", "  area: north"] and lines[10].endswith("…") and len(lines[10]) < 200
    assert lines[-2].startswith("abstained") and lines[-1] == "request chatcmpl-1"
