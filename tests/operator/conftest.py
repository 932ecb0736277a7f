"""Fixtures for operator integration tests: the stand-in with the CRD installed, and the operator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentops_operator.sandbox import ThreadedApiServer
from tests.conftest import Kubectl
from tests.operator.harness import RunningOperator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ThreadedApiServer]:
    with ThreadedApiServer(simulate_deployments=True, deployment_delay=0.3, bookmark_interval=5) as server:
        yield server


@pytest.fixture
def kubeconfig(cluster: ThreadedApiServer, tmp_path: Path) -> Path:
    return cluster.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def api(cluster: ThreadedApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cluster.url, timeout=10) as client:
        yield client


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    runner = Kubectl(kubeconfig, tmp_path / "kubectl-cache")
    runner("apply", "-f", str(ROOT / "crds"))
    runner("wait", "--for=condition=Established", "crd/agentdeployments.agentops.dev", "--timeout=10s")
    return runner


@pytest.fixture
def operator(kubectl: Kubectl, kubeconfig: Path) -> Iterator[RunningOperator]:
    running = RunningOperator(kubeconfig).start()
    try:
        yield running
    finally:
        running.stop()
