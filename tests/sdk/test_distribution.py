"""agentops-sdk is its own distribution: an agent image installs it alone and gets the SDK and
prometheus-client, nothing of the operator (no kopf, kubernetes client, pydantic or aiohttp). Built
here from sdk/ as a wheel and installed into a fresh virtual environment, as an image build would."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def version_of(pyproject: Path) -> str:
    return str(tomllib.loads(pyproject.read_text())["project"]["version"])


def test_the_sdk_and_the_operator_are_released_together() -> None:
    operator = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    sdk_version = version_of(ROOT / "sdk" / "pyproject.toml")
    assert operator["version"] == sdk_version
    assert f"agentops-sdk=={sdk_version}" in operator["dependencies"]


@pytest.mark.timeout(300)
def test_the_sdk_wheel_installs_alone_with_prometheus_client_only(tmp_path: Path) -> None:
    def run(*argv: str | Path) -> str:
        result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return result.stdout

    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path / "dist", ROOT / "sdk")
    (wheel,) = (tmp_path / "dist").glob("agentops_sdk-*.whl")
    run(sys.executable, "-m", "venv", tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    installed = {
        p["name"].lower().replace("_", "-") for p in json.loads(run(python, "-m", "pip", "list", "--format", "json"))
    }
    assert installed - {"pip", "setuptools"} == {"agentops-sdk", "prometheus-client"}
    code = (
        "import sys, agentops_sdk; from agentops_sdk import contract;"
        "agent = agentops_sdk.init(name='a', bundle_path='/nonexistent', start_exporter=False);"
        "print(contract.BUNDLE_PATH, sorted(m for m in ('kopf', 'kubernetes', 'pydantic', 'aiohttp', 'httpx') if m in sys.modules))"
    )  # fmt: skip
    assert run(python, "-c", code).split() == ["/etc/agentops/bundle", "[]"]
