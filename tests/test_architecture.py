"""The architecture holds: no import cycles, no upward imports, no evaluation code in runtime modules, and no
industry words in the core and generic layers (`python bench/architecture.py` prints the same findings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.architecture import Findings, check

FINDINGS = check()


@pytest.mark.parametrize("section", list(Findings().sections()))
def test_the_tree_has_no(section: str) -> None:
    found = FINDINGS.sections()[section]
    assert found == [], f"{section}:\n" + "\n".join(found)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def broken_tree(tmp_path: Path) -> Findings:
    """A small luodi tree with one instance of each problem, to show each check finds what it looks for."""
    return check(write_tree(tmp_path, {
        "luodi/__init__.py": "",
        "luodi/store.py": "def create_schema():\n    import luodi.gateway.tenants\n",
        "luodi/gateway/__init__.py": "",
        "luodi/gateway/tenants.py": "from luodi.store import create_schema\n",
        "luodi/contracts.py": "from luodi import config\n",
        "luodi/config.py": "from luodi.contracts import Message\n",
        "luodi/tools/__init__.py": "from luodi.dialogue import engine\n",
        "luodi/dialogue/__init__.py": "",
        "luodi/dialogue/engine.py": "# the hotel is booked\nfrom luodi.packs.travel.evaluation import score\n",
        "luodi/packs/__init__.py": "",
        "luodi/packs/travel/__init__.py": "",
        "luodi/packs/travel/evaluation.py": "from ..funds import pack\nfrom luodi.platform import Platform\n",
        "luodi/packs/travel/cli.py": "from luodi.packs.travel.evaluation import score\n",
        "luodi/packs/funds/__init__.py": "",
        "luodi/packs/funds/pack.py": "",
        "luodi/platform.py": "",
        "luodi/extras.py": "",
    }))


def test_a_module_level_cycle_is_found(broken_tree: Findings) -> None:
    assert [cycle.splitlines()[0] for cycle in broken_tree.cycles] == ["luodi.config <-> luodi.contracts"]


def test_a_cycle_through_a_function_level_import_is_reported_apart(broken_tree: Findings) -> None:
    assert [cycle.splitlines()[0] for cycle in broken_tree.function_cycles] == ["luodi.gateway.tenants <-> luodi.store"]


def test_upward_and_cross_pack_imports_are_found(broken_tree: Findings) -> None:
    problems = [line.split(": ", 1)[1] for line in broken_tree.upward_imports]
    assert problems == [
        "only luodi.packs imports a pack",  # dialogue.engine -> travel
        "a pack imports no other pack",  # travel -> funds
        "a pack imports neither luodi.api nor luodi.platform",
        "foundation imports core services",  # store -> gateway
        "core services imports generic layers",  # tools -> dialogue
    ]


def test_evaluation_code_is_only_imported_by_evaluation_and_cli_modules(broken_tree: Findings) -> None:
    assert [line.split(" (")[0] for line in broken_tree.evaluation_imports] == [
        "luodi.dialogue.engine -> luodi.packs.travel.evaluation"
    ]


def test_industry_words_and_unplaced_modules_are_found(broken_tree: Findings) -> None:
    assert [line.split(": ")[0:2] for line in broken_tree.industry_words] == [["luodi/dialogue/engine.py:1", "hotel"]]
    assert [line.split(":")[0] for line in broken_tree.unplaced_modules] == ["luodi.extras"]
