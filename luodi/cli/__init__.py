"""`luodi` on the command line: one command per thing a user does. Each module registers its commands and
imports its heavy dependencies inside the commands, so the CLI starts fast (`bench/cli_startup.py` measures it).

Packs add commands under `luodi eval` and `luodi train` only: loading them means importing every installed
pack, so it is done only when one of those groups is asked for (or the shell asks to complete a command)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from luodi.cli.groups import app
from luodi.modules import import_if_present

COMMAND_MODULES = ["serve", "assistants", "kb", "tenants", "ledger", "approvals", "nlu", "knowledge", "packs"]
PACK_COMMAND_GROUPS = frozenset({"eval", "train"})
COMPLETION_VARIABLE = "_LUODI_COMPLETE"


def needs_pack_commands(argv: Sequence[str]) -> bool:
    """Whether the command line names a group that packs add commands to."""
    if os.environ.get(COMPLETION_VARIABLE):
        return True
    first = next((word for word in argv if not word.startswith("-")), None)
    return first in PACK_COMMAND_GROUPS


def register_commands(with_packs: bool = True) -> None:
    for module in COMMAND_MODULES:
        import_if_present(f"luodi.cli.{module}")
    if not with_packs:
        return
    from luodi.pack import installed_packs

    for pack in installed_packs():  # each pack adds its own commands (luodi eval dst, luodi eval funds, …)
        if pack.commands is not None:
            pack.commands()


def main() -> None:
    register_commands(with_packs=needs_pack_commands(sys.argv[1:]))
    app()
