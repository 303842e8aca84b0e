"""`luodi packs`: the industry packs this installation serves, what each contributes, and those it cannot serve."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from luodi.cli.common import ConfigOption, console, fail, settings_from
from luodi.cli.groups import app

if TYPE_CHECKING:
    from luodi.pack import Pack


@app.command("packs")
def list_packs(config: ConfigOption = None) -> None:
    """The packs found (entry points and luodi.yaml's `packs:`): what each gives, or the library it is missing."""
    from luodi.pack import PackError, find_packs

    settings = settings_from(config)
    try:
        found = find_packs(settings.packs)
    except PackError as exc:
        raise fail(str(exc)) from exc
    table = Table("pack", "gives", "description")
    for pack in found.served:
        table.add_row(pack.name, ", ".join(contributions(pack)) or "-", pack.description)
    for pack, missing in found.skipped:
        table.add_row(pack.name, f"[red]not served: needs {', '.join(missing)}[/]", pack.description)
    console.print(table)
    if not found.served:
        typer.echo("no pack is served: only chat assistants, and grounded ones on the generic skills")


def contributions(pack: Pack) -> list[str]:
    parts = pack.components
    return [*(f"scenario {n}" for n in parts.scenarios), *(f"understander {n}" for n in parts.understanders),
            *(f"action {a.name}" for a in parts.actions), *(f"skill {s.name}" for s in parts.skills),
            *(f"extractor {e.name}" for e in parts.extractors), *(f"database {n}" for n in parts.builders)]
