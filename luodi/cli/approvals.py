"""`luodi approvals list|approve|reject`: the operator's side of copilot mode."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from luodi.cli.common import ConfigOption, console, fail, settings_from
from luodi.cli.groups import app

if TYPE_CHECKING:
    from luodi.platform import Platform

approvals_app = typer.Typer(no_args_is_help=True, help="Side-effecting actions waiting for an operator.")
app.add_typer(approvals_app, name="approvals")

OperatorOption = Annotated[str, typer.Option("--operator", help="who decides (recorded in the audit log)")]
NoteOption = Annotated[str, typer.Option("--note", help="a note for the user and the audit log")]


def _platform(config: Path | None) -> Platform:
    from luodi.platform import Platform

    return Platform(settings_from(config))


@approvals_app.command("list")
def list_approvals(
    status: Annotated[str, typer.Option(help="pending, executed, rejected, failed or all")] = "pending",
    config: ConfigOption = None,
) -> None:
    """List approval requests."""
    if status not in {"pending", "executed", "rejected", "failed", "all"}:
        raise fail(f"--status must be pending, executed, rejected, failed or all, got {status!r}")
    found = _platform(config).list_approvals(None, None if status == "all" else status)
    table = Table("id", "assistant", "action", "status", "summary", "decided by", "result")
    for approval in found:
        table.add_row(
            approval.id,
            approval.assistant,
            approval.action,
            approval.status,
            approval.summary,
            approval.decided_by,
            ", ".join(f"{k}={v}" for k, v in approval.result.items()),
        )
    console.print(table)


def _decide(approval_id: str, approve: bool, operator: str, note: str, config: ConfigOption) -> None:
    from luodi.governance.approvals import ApprovalError

    try:
        decided = _platform(config).decide(approval_id, approve, operator, note)
    except ApprovalError as exc:
        raise fail(str(exc)) from exc
    detail = ", ".join(f"{k}={v}" for k, v in decided.result.items())
    console.print(f"{decided.id}: {decided.status}" + (f" ({detail})" if detail else ""))
    if decided.status == "failed":
        raise typer.Exit(code=1)


@approvals_app.command("approve")
def approve(approval_id: str, operator: OperatorOption, note: NoteOption = "", config: ConfigOption = None) -> None:
    """Approve a request: the action runs now (its record is written in one transaction)."""
    _decide(approval_id, True, operator, note, config)


@approvals_app.command("reject")
def reject(approval_id: str, operator: OperatorOption, note: NoteOption = "", config: ConfigOption = None) -> None:
    """Reject a request: nothing is written; the user is told at their next message."""
    _decide(approval_id, False, operator, note, config)
