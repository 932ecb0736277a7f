"""Three distributions from one repository, released together: agentops-sdk (what an agent image
installs), agentops-operator (what the operator image installs) and agentops-sandbox (the API
stand-in, the real local control plane and the demo). Each is built here as a wheel and installed
into a fresh virtual environment, as an image build would, to check that nothing of a later one
comes with an earlier one."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = {"agentops-sdk": ROOT / "sdk", "agentops-operator": ROOT, "agentops-sandbox": ROOT / "sandbox"}


def project(name: str) -> dict[str, object]:
    return dict(tomllib.loads((PROJECTS[name] / "pyproject.toml").read_text())["project"])


def run(*argv: str | Path) -> str:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def wheel(name: str, tmp_path: Path) -> Path:
    """The distribution's wheel from dist/ (scripts/package builds them in CI), else built here."""
    filename = f"{name.replace('-', '_')}-{project(name)['version']}-py3-none-any.whl"
    if (ROOT / "dist" / filename).exists():
        return ROOT / "dist" / filename
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path / "dist", PROJECTS[name])
    return tmp_path / "dist" / filename


def install_alone(tmp_path: Path, *names: str) -> tuple[Path, set[str]]:
    """Install the named distributions' wheels into a fresh venv (their dependencies from the package
    index); returns its python and the installed distribution names."""
    wheels = [wheel(name, tmp_path) for name in names]
    run(sys.executable, "-m", "venv", tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wheels)
    listed = json.loads(run(python, "-m", "pip", "list", "--format", "json"))
    return python, {p["name"].lower().replace("_", "-") for p in listed}


def test_the_three_are_released_together() -> None:
    version = project("agentops-sdk")["version"]
    assert project("agentops-operator")["version"] == project("agentops-sandbox")["version"] == version
    assert f"agentops-sdk=={version}" in project("agentops-operator")["dependencies"]  # type: ignore[operator]
    assert f"agentops-operator=={version}" in project("agentops-sandbox")["dependencies"]  # type: ignore[operator]


@pytest.mark.timeout(300)
def test_the_sdk_wheel_installs_alone_with_prometheus_client_only(tmp_path: Path) -> None:
    python, installed = install_alone(tmp_path, "agentops-sdk")
    assert installed - {"pip", "setuptools"} == {"agentops-sdk", "prometheus-client"}
    code = (
        "import sys, agentops_sdk; from agentops_sdk import contract;"
        "agent = agentops_sdk.init(name='a', bundle_path='/nonexistent', allow_missing_bundle=True,"
        " start_exporter=False);"
        "print(contract.BUNDLE_PATH, sorted(m for m in ('kopf', 'kubernetes', 'pydantic', 'aiohttp', "
        "'httpx') if m in sys.modules))"
    )
    assert run(python, "-c", code).split() == ["/etc/agentops/bundle", "[]"]


@pytest.mark.timeout(300)
def test_the_operator_wheel_brings_nothing_of_the_sandbox(tmp_path: Path) -> None:
    python, installed = install_alone(tmp_path, "agentops-sdk", "agentops-operator")
    assert {"agentops-operator", "agentops-sdk", "kopf", "pydantic"} <= installed
    assert not installed & {"agentops-sandbox", "cel-python", "cryptography", "rich", "genai-prices"}
    run(python, "-m", "agentops_operator.cli", "crds")  # the operator's entry point works on its own
    plugin = subprocess.run(
        [tmp_path / "venv" / "bin" / "kubectl-agents", "status", "x"], capture_output=True, text=True
    )
    assert plugin.returncode == 2 and "pip install 'agentops-operator[kubectl]'" in plugin.stderr  # no traceback
    run(python, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('agentops_sandbox') is not None)")


@pytest.mark.timeout(300)
def test_the_sandbox_wheel_brings_the_stand_in_and_the_testing_module(tmp_path: Path) -> None:
    python, installed = install_alone(tmp_path, "agentops-sdk", "agentops-operator", "agentops-sandbox")
    assert {"agentops-sandbox", "aiohttp", "cel-python", "cryptography", "genai-prices"} <= installed
    code = (
        "from agentops_sandbox.standin import ThreadedApiServer; from agentops_sandbox.testing import LocalControlPlane"
    )
    run(python, "-c", code)
    assert "serve" in run(tmp_path / "venv" / "bin" / "agentops-sandbox", "--help")


@pytest.mark.parametrize(
    ("dockerfile", "wheels"),
    [
        pytest.param("Dockerfile", {"agentops-sdk", "agentops-operator"}, id="operator-image"),
        pytest.param("examples/agent/Dockerfile", {"agentops-sdk"}, id="agent-image"),
    ],
)
def test_images_install_only_their_distributions_wheels(dockerfile: str, wheels: set[str]) -> None:
    """Image builds take the wheels scripts/package builds, at the released version, and no others."""
    text = (ROOT / dockerfile).read_text()
    named = {n for n in PROJECTS if f"dist/{n.replace('-', '_')}-{project(n)['version']}-py3-none-any.whl" in text}
    assert named == wheels
    assert "COPY operator" not in text and "COPY sandbox" not in text and "--no-deps" not in text
