"""What Luodi adds to an answer, printed readably after it: citations, verification, tool calls, dialogue state."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

MAX_VALUE_CHARS = 160  # a tool's output or a state value longer than this is cut, with an ellipsis
INDENT = "  "


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def citation_lines(citations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for number, citation in enumerate(citations, start=1):
        page = f", page {citation['page']}" if citation.get("page") is not None else ""
        quote = f": “{_short(citation['quote'])}”" if citation.get("quote") else ""
        lines.append(f"{INDENT}[{number}] {citation.get('source', '?')}{page}{quote}")
    return lines


def verification_lines(verification: dict[str, Any]) -> list[str]:
    lines = [f"verification: {verification.get('status', 'unchecked')}"]
    for check in verification.get("checks", []):
        mark = "✓" if check.get("supported") else "✗"
        note = f" — {check['note']}" if check.get("note") else ""
        lines.append(f"{INDENT}{mark} {check.get('claim', '')} ({check.get('kind', '?')}){note}")
    return lines


def tool_call_lines(calls: list[dict[str, Any]]) -> list[str]:
    lines = []
    for call in calls:
        arguments = ", ".join(f"{name}={_short(value)}" for name, value in (call.get("arguments") or {}).items())
        result = f"error: {call['error']}" if call.get("error") else _short(call.get("output"))
        lines.append(f"{INDENT}{call.get('name', '?')}({arguments}) → {result}")
    return lines


def state_lines(state: dict[str, Any]) -> list[str]:
    return [f"{INDENT}{name}: {_short(value)}" for name, value in state.items()]


def report_lines(extras: dict[str, Any]) -> list[str]:
    """The sections that have something to say, each headed by its name."""
    luodi = extras.get("luodi") or {}
    sections = [
        ("citations", citation_lines(extras.get("citations") or []), "citations: none"),
        ("", verification_lines(extras.get("verification") or {}), ""),
        ("tool calls", tool_call_lines(luodi.get("tool_calls") or []), ""),
        ("dialogue state", state_lines(luodi.get("state") or {}), ""),
    ]
    lines: list[str] = []
    for heading, body, when_empty in sections:
        if body:
            lines += ([heading] if heading else []) + body
        elif when_empty:
            lines.append(when_empty)
    if luodi.get("abstained"):
        lines.append("abstained: the assistant handed the question over rather than guess")
    if luodi.get("request_id"):
        lines.append(f"request {luodi['request_id']}")
    return lines


def print_report(console: Console, extras: dict[str, Any]) -> None:
    console.print("\n".join(["", *report_lines(extras)]), markup=False, highlight=False, soft_wrap=True)
