"""`luodi --help` starts fast: it imports none of the libraries the commands use, and no pack; the packs' commands
are still there under `luodi eval` (bench/cli_startup.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys

from luodi.cli import needs_pack_commands

HEAVY = ("sqlalchemy", "openai", "pydantic", "pydantic_settings", "numpy", "luodi.pack", "luodi.packs",
         "luodi.platform", "luodi.config")
PROBE = """
import json, sys
sys.argv = ["luodi", *json.loads(sys.argv[1])]
from luodi.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported_by(*argv: str) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True,
                          check=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_nothing_heavy() -> None:
    output, modules = imported_by("--help")
    assert "ask" in output and "usage" in output and "eval" in output
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY or m.startswith("luodi.packs")) == []


def test_a_command_s_help_imports_nothing_heavy() -> None:
    output, modules = imported_by("usage", "--help")
    assert "--json" in output and "--csv" in output
    assert not {"sqlalchemy", "luodi.config", "luodi.pack"} & modules


def test_eval_still_lists_the_packs_commands() -> None:
    output, modules = imported_by("eval", "--help")
    assert {"dst", "funds", "financebench"} <= set(output.split())
    assert "luodi.pack" in modules


def test_only_eval_and_train_load_packs() -> None:
    assert needs_pack_commands(["eval", "funds"]) and needs_pack_commands(["train", "--help"])
    assert not needs_pack_commands(["--help"]) and not needs_pack_commands(["usage", "--tenant", "eval"])
