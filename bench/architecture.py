"""Architecture checks anyone can run: import cycles, upward imports, evaluation code in runtime modules, and
industry words in the core and generic layers.

    python bench/architecture.py

Reads every module under luodi/ with `ast` (nothing is imported, so it runs with the standard library only) and
prints one section per check, one line per finding, then a last line with the counts; exit code 1 if anything
is found. The checks:
- cycles: strongly connected components of the module graph, counting module-level imports (a class body is
  module level; `if TYPE_CHECKING:` is not); function-level cycles are those that appear only once imports inside
  functions (and type-checking ones) are counted too.
- upward imports, under the layering below (lowest first): a module may import its own layer and lower ones; a
  pack must not import another pack or luodi.api / luodi.platform; nothing outside luodi.packs imports luodi.packs.
- evaluation imports: only evaluation modules and cli modules (and bench/) import `luodi.evaluation` or a pack's
  `evaluation` module.
- industry words: travel's "hotel(s)" and "booking(s)", and filings' "registrant(s)", "10-K", "10-Q", "fiscal year
  ended", "balance sheet(s)" and "cash flow statement(s)", as whole words anywhere (code, strings, comments)
  outside luodi/packs/.

How to place a new module: add it (or its package) to LAYERS; a module no layer names is reported as unplaced.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "luodi"
PACKS = "luodi.packs"

# lowest first; a name covers the module and everything under it (the bare package `luodi` only its __init__)
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("foundation", frozenset({"luodi", "luodi.contracts", "luodi.errors", "luodi.config", "luodi.store",
                              "luodi.modules", "luodi.workers"})),
    ("core services", frozenset({"luodi.models", "luodi.gateway", "luodi.ledger", "luodi.governance",
                                 "luodi.tools"})),
    ("generic layers", frozenset({"luodi.knowledge", "luodi.grounding", "luodi.dialogue", "luodi.nlu",
                                  "luodi.assistants"})),
    ("composition", frozenset({"luodi.pack", "luodi.catalog", "luodi.platform", "luodi.api"})),
    ("packs and cli", frozenset({PACKS, "luodi.cli", "luodi.__main__"})),
)
FORBIDDEN_TO_PACKS = ("luodi.api", "luodi.platform")
INDUSTRY_WORDS = re.compile(
    r"\b(hotels?|bookings?"  # travel
    r"|registrants?|10-[KQ]|fiscal\s+years?\s+ended|balance\s+sheets?|cash[\s-]+flows?\s+statements?)\b",  # filings
    re.IGNORECASE,
)

ImportKind = Literal["module", "function", "typing"]
ImportNode = ast.Import | ast.ImportFrom


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    kind: ImportKind

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} (line {self.line}, {self.kind} level)"


@dataclass
class Findings:
    cycles: list[str] = field(default_factory=list)
    function_cycles: list[str] = field(default_factory=list)
    upward_imports: list[str] = field(default_factory=list)
    unplaced_modules: list[str] = field(default_factory=list)
    evaluation_imports: list[str] = field(default_factory=list)
    industry_words: list[str] = field(default_factory=list)

    def sections(self) -> dict[str, list[str]]:
        return {
            "import cycles (module level)": self.cycles,
            "import cycles (only with function-level imports)": self.function_cycles,
            "upward imports": self.upward_imports,
            "modules outside the layering": self.unplaced_modules,
            "evaluation code imported by runtime modules": self.evaluation_imports,
            "industry words in core and generic modules": self.industry_words,
        }

    @property
    def count(self) -> int:
        return sum(len(found) for found in self.sections().values())


# --- reading the modules -------------------------------------------------------------------------------------
def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def find_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(path, root): path for path in sorted((root / PACKAGE).rglob("*.py"))}


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """The luodi modules `module` imports, each with where and at which level."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: dict[Import, None] = {}  # `from a import b, c` is one import of a: counted once
    for node, kind in _import_nodes(tree.body, "module"):
        for target in _targets(node, module, is_package, modules):
            if target != module:
                found[Import(module, target, node.lineno, kind)] = None
    return list(found)


def _import_nodes(body: Iterable[ast.stmt], kind: ImportKind) -> Iterator[tuple[ImportNode, ImportKind]]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, kind
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _import_nodes(node.body, "function")
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_nodes(node.body, "typing" if kind == "module" else kind)
            yield from _import_nodes(node.orelse, kind)
        else:
            yield from _import_nodes(_child_statements(node), kind)


def _child_statements(node: ast.stmt) -> list[ast.stmt]:
    children: list[ast.stmt] = []
    for name in ("body", "orelse", "finalbody", "handlers", "cases"):
        for child in getattr(node, name, []):
            children.extend(child.body if isinstance(child, ast.ExceptHandler | ast.match_case) else [child])
    return children


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ImportNode, module: str, is_package: bool, modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [found for alias in node.names if (found := _known(alias.name, modules))]
    base = _absolute(node, module, is_package)
    if not base.startswith(PACKAGE):
        return []
    targets = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        found = submodule if submodule in modules else _known(base, modules)
        if found:
            targets.append(found)
    return targets


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    anchor = package[: len(package) - node.level + 1]
    return ".".join(anchor + ([node.module] if node.module else []))


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of `name` that is a luodi module (`import luodi.a.b` runs luodi.a.b)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def all_imports(root: Path = ROOT) -> tuple[dict[str, Path], list[Import]]:
    modules = find_modules(root)
    return modules, [found for name, path in modules.items() for found in imports_of(name, path, modules)]


# --- cycles ---------------------------------------------------------------------------------------------------
def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components with more than one module (or a module importing itself), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            successor = next(successors, None)
            if successor is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    components.append(_pop_component(node, stack, on_stack))
            elif successor not in index:
                index[successor] = low[successor] = len(index)
                stack.append(successor)
                on_stack.add(successor)
                work.append((successor, iter(sorted(graph.get(successor, ())))))
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(sorted(c) for c in components if len(c) > 1 or c[0] in graph.get(c[0], ()))


def _pop_component(root: str, stack: list[str], on_stack: set[str]) -> list[str]:
    component: list[str] = []
    while True:
        node = stack.pop()
        on_stack.discard(node)
        component.append(node)
        if node == root:
            return component


def import_graph(imports: Iterable[Import], kinds: set[ImportKind]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for found in imports:
        if found.kind in kinds:
            graph.setdefault(found.source, set()).add(found.target)
    return graph


def describe_cycle(component: list[str], imports: list[Import]) -> str:
    members = set(component)
    edges = sorted(str(i) for i in imports if i.source in members and i.target in members)
    return " <-> ".join(component) + "\n      " + "\n      ".join(edges)


def cycles(imports: list[Import]) -> tuple[list[str], list[str]]:
    """(module-level cycles, cycles that need a function-level or type-checking import), described."""
    module_level = strongly_connected(import_graph(imports, {"module"}))
    everything = strongly_connected(import_graph(imports, {"module", "function", "typing"}))
    known = [set(component) for component in module_level]
    only_late = [c for c in everything if set(c) not in known]
    return [describe_cycle(c, imports) for c in module_level], [describe_cycle(c, imports) for c in only_late]


# --- layers ---------------------------------------------------------------------------------------------------
def _covers(prefix: str, module: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int | None:
    """The layer's rank (0 lowest) by the longest name in LAYERS covering the module."""
    best: tuple[int, int] | None = None  # (length of the matching name, rank)
    for rank, (_, names) in enumerate(LAYERS):
        for name in names:
            covers = module == name if name == PACKAGE else _covers(name, module)
            if covers and (best is None or len(name) > best[0]):
                best = (len(name), rank)
    return None if best is None else best[1]


def pack_of(module: str) -> str | None:
    """The pack a module belongs to (`luodi.packs.travel.cli` -> travel), None outside the packs."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and _covers(PACKS, module) else None


def layering_problem(found: Import) -> str | None:
    source_pack, target_pack = pack_of(found.source), pack_of(found.target)
    if target_pack is not None and source_pack is None:
        return "only luodi.packs imports a pack"
    if source_pack is not None and target_pack is not None and source_pack != target_pack:
        return "a pack imports no other pack"
    if source_pack is not None and any(_covers(name, found.target) for name in FORBIDDEN_TO_PACKS):
        return "a pack imports neither luodi.api nor luodi.platform"
    source_layer, target_layer = layer_of(found.source), layer_of(found.target)
    if source_layer is not None and target_layer is not None and target_layer > source_layer:
        return f"{LAYERS[source_layer][0]} imports {LAYERS[target_layer][0]}"
    return None


def upward_imports(imports: Iterable[Import]) -> list[str]:
    return [f"{found}: {problem}" for found in imports if (problem := layering_problem(found))]


def unplaced_modules(modules: Iterable[str]) -> list[str]:
    return [f"{module}: add it (or its package) to LAYERS" for module in modules if layer_of(module) is None]


# --- evaluation code ------------------------------------------------------------------------------------------
def is_evaluation(module: str) -> bool:
    return _covers("luodi.evaluation", module) or (pack_of(module) is not None and "evaluation" in module.split("."))


def may_import_evaluation(module: str) -> bool:
    return is_evaluation(module) or "cli" in module.split(".") or module == "luodi.__main__"


def evaluation_imports(imports: Iterable[Import]) -> list[str]:
    return [
        f"{found}: only evaluation and cli modules import evaluation code"
        for found in imports
        if is_evaluation(found.target) and not may_import_evaluation(found.source)
    ]


# --- industry words -------------------------------------------------------------------------------------------
def industry_words(modules: dict[str, Path], root: Path = ROOT) -> list[str]:
    """Each line of a core or generic module (all but luodi/packs/) using an industry word (INDUSTRY_WORDS)."""
    found: list[str] = []
    for module, path in modules.items():
        if _covers(PACKS, module):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            words = sorted({match.group(0).lower() for match in INDUSTRY_WORDS.finditer(line)})
            if words:
                found.append(f"{path.relative_to(root)}:{number}: {', '.join(words)}: {line.strip()[:100]}")
    return found


# --- all together ---------------------------------------------------------------------------------------------
def check(root: Path = ROOT) -> Findings:
    modules, imports = all_imports(root)
    module_cycles, function_cycles = cycles(imports)
    return Findings(
        cycles=module_cycles,
        function_cycles=function_cycles,
        upward_imports=upward_imports(imports),
        unplaced_modules=unplaced_modules(modules),
        evaluation_imports=evaluation_imports(imports),
        industry_words=industry_words(modules, root),
    )


def report(findings: Findings) -> str:
    lines: list[str] = []
    for title, found in findings.sections().items():
        lines.append(f"{title}: {len(found)}")
        lines.extend(f"  - {item}" for item in found)
    counts = ", ".join(f"{len(found)} {title}" for title, found in findings.sections().items())
    verdict = "FAIL" if findings.count else "OK"
    lines.append(f"architecture {verdict}: {counts}")
    return "\n".join(lines)


def main() -> int:
    findings = check()
    print(report(findings))
    return 1 if findings.count else 0


if __name__ == "__main__":
    sys.exit(main())
