"""The layout holds: one room per job, arrows pointing down, checked rather than remembered.

import-linter states the layers (pyproject.toml, [tool.importlinter]); the graph test below finds any
circle on its own, imports inside functions included, so neither check rests on the other.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "footprint"
PACKAGES = ("footprint", "footprint_cli", "flows", "tasks")
WIRING = ("prefect", "flows", "tasks", "footprint_cli")
LINES_AT_MOST = 500


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module]
    return []


def test_core_never_imports_prefect_or_the_wiring() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in CORE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        for name in _imported(node)
        if name.split(".")[0] in WIRING
    ]
    assert offenders == []


def test_core_imports_its_own_modules_at_the_top() -> None:
    """An import of footprint inside a function is how a circle hides; third-party ones may be lazy."""
    offenders = []
    for path in CORE.rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                offenders += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {function.name}: {name}"
                    for node in ast.walk(function)
                    for name in _imported(node)
                    if name.split(".")[0] in PACKAGES
                ]
    assert offenders == []


def _circles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(imports):
        if start in index:
            continue
        work = [(start, iter(sorted(imports[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(imports.get(target, ())))))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_circle_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_anywhere() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph(*PACKAGES)
    finally:
        sys.path.remove(str(ROOT))
    imports = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _circles(imports) == []


def test_import_contracts_hold() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " broken" in done.stdout and "0 broken" in done.stdout


def test_core_modules_stay_small() -> None:
    large = {
        str(path.relative_to(ROOT)): lines
        for path in CORE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LINES_AT_MOST
    }
    assert large == {}


def test_readme_layout_table_names_every_room_and_nothing_gone() -> None:
    """A newcomer finds each room from the README's table: every path it names exists, every package and
    top-level module of the core is named."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Layout"):].split("\n\n")[1]
    named = set(re.findall(r"`([\w./-]+)`", table))
    paths = {n.rstrip("/") for n in named if "/" in n}
    assert [p for p in sorted(paths) if not (ROOT / p).exists()] == []
    rooms = {f"footprint/{p.name}" for p in CORE.iterdir() if (p / "__init__.py").exists()}
    rooms |= {f"footprint/{p.name}" for p in CORE.glob("*.py") if p.name not in ("__init__.py",)}
    small = {"footprint/errors.py", "footprint/periods.py", "footprint/schemas.py", "footprint/units.py",
             "footprint/visible.py", "footprint/yaml_strict.py", "footprint/json_strict.py", "footprint/ean.py",
             "footprint/crashpoints.py", "footprint/restatements.py"}  # plain values and helpers every room uses
    assert sorted(rooms - paths - small) == []
