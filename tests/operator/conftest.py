"""Fixtures for operator integration tests: the stand-in (with the Deployment simulator) and the
CRD installed, and the operator running against it — plain (`operator`), or reading an in-process
metric provider whose every signal starts healthy (`running`, `metrics`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_operator.demo.operator_thread import RunningOperator
from agentops_operator.sandbox import ThreadedApiServer
from tests.conftest import Kubectl

ROOT = Path(__file__).resolve().parents[2]
HEALTHY = {"prompt-leaks": 0, "safety-violations": 0, "cost-per-session": 0.02, "tool-calls-per-session": 2,
           "grounding-score": 0.9, "cost-per-hour": 1.0, "session-success-rate": 0.95}  # fmt: skip


@pytest.fixture
def apiserver() -> Iterator[ThreadedApiServer]:
    with ThreadedApiServer(simulate_deployments=True, deployment_delay=0.3, bookmark_interval=5) as server:
        yield server


@pytest.fixture
def cluster(apiserver: ThreadedApiServer) -> ThreadedApiServer:
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
    provider = StaticMetrics()
    for signal, value in HEALTHY.items():
        provider.set_value(signal, "*", value)
    provider.set_sessions("*", 100)
    return provider


@pytest.fixture
def running(kubectl: Kubectl, kubeconfig: Path, metrics: StaticMetrics) -> Iterator[RunningOperator]:
    operator = RunningOperator(kubeconfig, metrics=metrics).start()
    try:
        yield operator
    finally:
        operator.stop()
