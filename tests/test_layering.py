"""Layers run flows -> library -> models: storage loads no HTTP, alerting or orchestration library, the library
does not import Prefect, and the flow's tasks are short wrappers over library functions."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def modules_after(statement: str) -> set[str]:
    """Top-level packages in sys.modules after ``statement``, in a fresh interpreter."""
    code = f"import sys\n{statement}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(proc.stdout.split())


@pytest.mark.parametrize("module", ["borderwatch.models.store", "borderwatch.models.db", "borderwatch.models.queries"])
def test_storage_loads_no_http_alerting_or_orchestration_library(module):
    loaded = modules_after(f"import {module}")
    assert "sqlalchemy" in loaded
    assert not loaded & {"httpx", "httpcore", "apprise", "prefect", "feedparser", "trafilatura"}, \
        f"importing {module} loads {sorted(loaded & {'httpx', 'httpcore', 'apprise', 'prefect', 'feedparser', 'trafilatura'})}"


def test_the_library_does_not_import_prefect():
    modules = sorted(p for p in (ROOT / "borderwatch").rglob("*.py") if "demo" not in p.parts)
    names = " ".join(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in modules)
    imports = "; ".join(f"import {n}" for n in names.split() if not n.endswith(("__main__", "cli")))
    assert "prefect" not in modules_after(imports)


def _tasks(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
            and any("task" in ast.unparse(d) for d in node.decorator_list)]


def test_every_task_in_flows_is_a_short_wrapper():
    tasks = [(path, fn) for path in sorted((ROOT / "flows").glob("*.py")) for fn in _tasks(path)]
    assert len(tasks) >= 4
    for path, fn in tasks:
        body = fn.body[1:] if isinstance(fn.body[0], ast.Expr) else fn.body  # the docstring aside
        lines = body[-1].end_lineno - body[0].lineno + 1
        assert lines <= 10, f"{path.name}:{fn.name} is {lines} lines: move its logic into the library"


def test_the_flows_run_no_queries_of_their_own():
    for path in sorted((ROOT / "flows").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "sqlalchemy" not in source and "select(" not in source, f"{path.name} queries the database itself"
