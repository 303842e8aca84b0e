"""`luodi packs`: the industry packs this installation serves, and what each contributes."""

from __future__ import annotations

import typer
from rich.table import Table

from luodi.cli.common import ConfigOption, console, fail, settings_from
from luodi.cli.groups import app
from luodi.pack import PackError, installed_packs


@app.command("packs")
def list_packs(config: ConfigOption = None) -> None:
    """The installed packs (entry points and luodi.yaml's `packs:`), with their scenarios, understanders and actions."""
    settings = settings_from(config)
    try:
        packs = installed_packs(settings.packs)
    except PackError as exc:
        raise fail(str(exc)) from exc
    table = Table("pack", "contributes", "folder", "description")
    for pack in packs:
        parts = pack.components
        contributed = [*(f"scenario {n}" for n in parts.scenarios), *(f"understander {n}" for n in parts.understanders),
                       *(f"action {a.name}" for a in parts.actions)]
        table.add_row(pack.name, ", ".join(contributed) or "-", str(pack.root), pack.description)
    console.print(table)
    if not packs:
        typer.echo("no packs installed: only chat and grounded assistants on the generic skills are served")
