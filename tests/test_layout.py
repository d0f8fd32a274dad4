"""The core package never imports Prefect: it must stay fast to test and reusable."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "footprint"


def test_core_never_imports_prefect() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            # The CLI starts flows (lazily, inside its commands); nothing else in the core may.
            wiring = ("prefect",) if path.parent.name == "cli" else ("prefect", "flows", "tasks")
            offenders += [f"{path.relative_to(CORE)}: {n}" for n in names if n.split(".")[0] in wiring]
    assert offenders == []
