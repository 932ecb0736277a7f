"""The project layout keeps the standard library's `operator` module importable."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_operator_from_the_repo_root_is_the_standard_library() -> None:
    code = "import operator, agentops_operator; print(operator.__file__); print(hasattr(operator, 'itemgetter'))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    location, has_itemgetter = result.stdout.split()
    assert has_itemgetter == "True"
    assert not Path(location).is_relative_to(ROOT / "operator")


def test_source_folder_is_not_a_package() -> None:
    assert not (ROOT / "operator" / "__init__.py").exists()


PACKAGES = [ROOT / "operator" / "agentops_operator", ROOT / "sdk" / "agentops_sdk"]


def _functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    return [
        (node.name, node.end_lineno - node.lineno + 1)  # type: ignore[operator]
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_modules_and_functions_stay_small() -> None:
    """The house limits: no module over 400 lines, no function over 60, and `decide` (the chain
    of the engine's phases) short enough to read at a glance."""
    too_big = []
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            where = path.relative_to(ROOT)
            if (lines := len(path.read_text().splitlines())) > 400:
                too_big.append(f"{where}: {lines} lines")
            too_big += [f"{where}: {name}() is {length} lines" for name, length in _functions(path) if length > 60]
    assert not too_big, "\n".join(too_big)
    decide = dict(_functions(PACKAGES[0] / "engine" / "decide.py"))["decide"]
    assert decide <= 40, f"decide() is {decide} lines"
