"""`luodi` on the command line: one command per thing a user does. Each module registers its commands and
imports its heavy dependencies inside the commands, so the CLI starts fast."""

from __future__ import annotations

from luodi.cli.groups import app
from luodi.modules import import_if_present
from luodi.pack import installed_packs

COMMAND_MODULES = ["serve", "tenants", "ledger", "approvals", "nlu", "knowledge", "packs"]


def main() -> None:
    for module in COMMAND_MODULES:
        import_if_present(f"luodi.cli.{module}")
    for pack in installed_packs():  # each pack adds its own commands (luodi eval dst, luodi eval funds, …)
        if pack.commands is not None:
            pack.commands()
    app()
