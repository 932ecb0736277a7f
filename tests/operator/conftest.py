"""Fixtures for operator integration tests: each test runs on the real control plane and on the
stand-in (with its Deployment simulator), the CRD installed, and the operator running against it —
plain (`operator`), or reading an in-process metric provider whose every signal starts healthy
(`running`, `metrics`). A test that inspects the stand-in's internals (it takes `cluster`) runs on
the stand-in only; one marked `kube_only` on the real control plane only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_sandbox.standin import ThreadedApiServer
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl, Server, parametrize_servers, server_for

ROOT = Path(__file__).resolve().parents[2]
HEALTHY = {
    "prompt-leaks": 0,
    "safety-violations": 0,
    "cost-per-session": 0.02,
    "tool-calls-per-session": 2,
    "grounding-score": 0.9,
    "cost-per-hour": 1.0,
    "session-success-rate": 0.95,
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_servers(metafunc)


@pytest.fixture
def apiserver(request: pytest.FixtureRequest) -> Iterator[Server]:
    yield from server_for(request, simulate_deployments=True, deployment_delay=0.3, bookmark_interval=5)


@pytest.fixture
def cluster(apiserver: Server) -> ThreadedApiServer:
    assert isinstance(apiserver, ThreadedApiServer)
    return apiserver


@pytest.fixture
def kubectl(kubectl: Kubectl) -> Kubectl:
    kubectl("apply", "-f", str(ROOT / "crds"))
    kubectl("wait", "--for=condition=Established", "crd/agentdeployments.agentops.dev", "--timeout=10s")
    return kubectl


@pytest.fixture
def operator(kubectl: Kubectl, kubeconfig: Path) -> Iterator[RunningOperator]:
    running = RunningOperator(kubeconfig).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def metrics() -> StaticMetrics:
    return StaticMetrics(HEALTHY, sessions=100)


@pytest.fixture
def running(kubectl: Kubectl, kubeconfig: Path, metrics: StaticMetrics) -> Iterator[RunningOperator]:
    operator = RunningOperator(kubeconfig, metrics=metrics).start()
    try:
        yield operator
    finally:
        operator.stop()
