"""The documentation stays true: its generated pages (API, plugin and troubleshooting references)
match what generates them, and every block marked `<!-- runnable … -->` runs — shell blocks in bash
against a fresh API stand-in (with the operator when the block starts it), YAML manifests applied to
the stand-in as a server-side dry run (a `spec:` snippet onto examples/support-agent.yaml).
`mkdocs build --strict` (broken links, pages missing from the nav) runs in scripts/test."""

from __future__ import annotations

import copy
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentops_sandbox.standin import ThreadedApiServer
from tests.conftest import kubectl_binary

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RUNNABLE = re.compile(r"<!-- runnable[^>]*-->\n```(bash|yaml)\n(.*?)```", re.S)
EXAMPLE = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())


def _blocks() -> list[Any]:
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for index, (language, text) in enumerate(RUNNABLE.findall(page.read_text())):
            found.append(pytest.param(language, text, id=f"{page.relative_to(DOCS)}-{index}-{language}"))
    return found


BLOCKS = _blocks()


def test_generated_pages_are_current() -> None:
    loaded = importlib.util.spec_from_file_location("docs_reference", ROOT / "scripts" / "docs_reference.py")
    assert loaded and loaded.loader
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    for path, text in module.render().items():
        assert path.read_text() == text, f"stale: run `python scripts/docs_reference.py --write` ({path.name})"


def test_there_are_runnable_blocks_of_both_kinds() -> None:
    assert {p.values[0] for p in BLOCKS} == {"bash", "yaml"} and len(BLOCKS) >= 4


@pytest.mark.timeout(180)
@pytest.mark.parametrize(("language", "text"), BLOCKS)
def test_a_runnable_block_runs(language: str, text: str, tmp_path: Path) -> None:
    for name in (".venv", "crds", "examples"):  # the block runs as from a checkout
        (tmp_path / name).symlink_to(ROOT / name)
    with ThreadedApiServer(simulate_deployments=True, deployment_delay=0.3) as server:
        server.write_kubeconfig(tmp_path / "sandbox.kubeconfig")
        env = {
            **os.environ,
            "KUBECONFIG": str(tmp_path / "sandbox.kubeconfig"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        kubectl = [kubectl_binary(), "--kubeconfig", str(tmp_path / "sandbox.kubeconfig")]
        if language == "yaml":
            subprocess.run([*kubectl, "apply", "-f", str(ROOT / "crds")], check=True, capture_output=True, timeout=60)
            manifest = _manifest(yaml.safe_load(text))
            result = subprocess.run(
                [*kubectl, "apply", "--dry-run=server", "-f", "-"],
                input=yaml.safe_dump(manifest),
                capture_output=True,
                text=True,
                timeout=60,
            )
        else:
            # Background jobs the block starts (the operator) stop with it.
            script = f"trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{text}"
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=150,
            )
    assert result.returncode == 0, f"{text}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def _manifest(document: dict[str, Any]) -> dict[str, Any]:
    """A whole manifest as it is; a `spec:` snippet laid onto the example agent."""
    if "kind" in document:
        return document
    agent = copy.deepcopy(EXAMPLE)
    agent["spec"].update(document["spec"])
    return agent
