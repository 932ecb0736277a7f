"""The project layout keeps the standard library's `operator` module importable."""

from __future__ import annotations

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
