"""Fault tests through the fault proxy: the operator converges while a tenth of its API requests fail
the ways a busy server and a flaky network fail them, and a steady agent whose signals wobble is
monitored without a single write."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_operator.engine.measurements import Sample, SignalQuery
from agentops_sandbox.testing.fault_proxy import FaultProxy, RandomFaults
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl
from tests.operator.conftest import HEALTHY
from tests.waiting import after_reconciles, eventually

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
AGENTS = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


@pytest.fixture
def proxy(kubeconfig: Path) -> Iterator[FaultProxy]:
    with FaultProxy(kubeconfig) as running:
        yield running


def agents(count: int, **spec: Any) -> str:
    documents = []
    for index in range(count):
        agent = yaml.safe_load(yaml.safe_dump(EXAMPLE))
        agent["metadata"]["name"] = f"f-{index:02d}"
        agent["spec"].update(spec)
        documents.append(agent)
    return yaml.safe_dump_all(documents)


def converged(api: httpx.Client, count: int) -> bool:
    """Every agent Ready for its current generation, with exactly one Deployment of its revision."""
    items = api.get(AGENTS).json()["items"]
    ready = [
        a
        for a in items
        if a.get("status", {}).get("observedGeneration") == a["metadata"]["generation"]
        and any(c["type"] == "Ready" and c["status"] == "True" for c in a["status"].get("conditions", []))
    ]
    owners = [d["metadata"]["labels"].get("agentops.dev/agent") for d in api.get(DEPLOYMENTS).json()["items"]]
    return len(ready) == count and sorted(owners) == sorted(a["metadata"]["name"] for a in items)


def test_twenty_agents_converge_while_a_tenth_of_api_requests_fail(
    proxy: FaultProxy, kubectl: Kubectl, api: httpx.Client, tmp_path: Path
) -> None:
    """500s, 409s, 429s with Retry-After, 0.5–2 s delays and dropped connections on 10 % of requests,
    every watch cut after 3–10 s: all twenty agents end Ready with one Deployment each."""
    proxy.plan = RandomFaults(share=0.1, seed=7, delay=(0.5, 2.0), watch_life=(3.0, 10.0))
    operator = RunningOperator(proxy.write_kubeconfig(tmp_path / "proxied"), resync_seconds=30).start()
    try:
        kubectl("apply", "-f", "-", input=agents(20))
        eventually(lambda: converged(api, 20), 120, "the agents did not converge through the faults")
    finally:
        operator.stop()
    injected = {(f.kind, f.status) for _, f in proxy.faults if f.kind != "cut"}
    assert len(injected) >= 3, f"too few kinds of fault were injected to mean anything: {injected}"


class Wobbling(StaticMetrics):
    """Healthy signals that differ a little on every reading, as real measurements do."""

    def __init__(self) -> None:
        super().__init__(HEALTHY, sessions=200)
        self.random = random.Random(3)

    async def read(self, query: SignalQuery) -> dict[str, Sample]:
        steady = await super().read(query)
        factor = 1 + self.random.uniform(-0.02, 0.02)
        return {
            rev: Sample(value=s.value * factor if s.value else s.value, sessions=s.sessions)
            for rev, s in steady.items()
        }


def test_a_monitored_steady_agent_writes_nothing(
    proxy: FaultProxy, kubectl: Kubectl, api: httpx.Client, tmp_path: Path
) -> None:
    metrics = Wobbling()
    operator = RunningOperator(proxy.write_kubeconfig(tmp_path / "proxied"), metrics=metrics).start()
    try:
        kubectl("apply", "-f", "-", input=agents(1, monitoring={"intervalSeconds": 1}))
        eventually(lambda: converged(api, 1), 30)
        eventually(lambda: api.get(f"{AGENTS}/f-00").json()["status"].get("baselines"), 30, "no baselines recorded")
        after_reconciles(1)
        passes, before = len(metrics.queries), proxy.writes
        after_reconciles(4)  # several monitoring passes, each reading every runbook's signal
        assert len(metrics.queries) > passes, "monitoring did not run"
        assert proxy.writes == before, f"{proxy.writes - before} writes by a steady agent"
    finally:
        operator.stop()


class Hanging(StaticMetrics):
    """A metrics backend that takes every query and never answers."""

    def __init__(self) -> None:
        super().__init__()
        self.outstanding = 0

    async def read(self, query: SignalQuery) -> dict[str, Sample]:
        self.outstanding += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def ready(api: httpx.Client, name: str) -> bool:
    conditions = api.get(f"{AGENTS}/{name}").json().get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def test_a_hanging_metrics_backend_holds_up_no_other_work(
    kubectl: Kubectl, api: httpx.Client, kubeconfig: Path
) -> None:
    """Ten monitored agents and a canary under analysis, every query hanging: a new agent still
    becomes Ready and a manual abort still takes effect, while the backend has answered nothing."""
    metrics = Hanging()
    operator = RunningOperator(kubeconfig, metrics=metrics, metrics_deadline_seconds=600).start()
    try:
        kubectl("apply", "-f", "-", input=agents(10, monitoring={"intervalSeconds": 1}))
        eventually(lambda: metrics.outstanding >= 10, 30, "the monitoring passes did not start")
        canary = yaml.safe_load(yaml.safe_dump(EXAMPLE))
        canary["metadata"]["name"] = "canary"
        checks = [{"name": "session-success-rate", "min": 0.9}]
        canary["spec"]["rollout"] = {
            "analysis": {"intervalSeconds": 1, "checks": checks},
            "steps": [{"canary": {"weight": 50, "durationSeconds": 3600}}],
        }
        kubectl("apply", "-f", "-", input=yaml.safe_dump(canary))
        eventually(lambda: ready(api, "canary"), 30, "the first revision did not become Ready")
        canary["spec"]["prompt"]["system"] += " Be brief."
        kubectl("apply", "-f", "-", input=yaml.safe_dump(canary))
        eventually(lambda: (api.get(f"{AGENTS}/canary").json()["status"].get("rollout") or {}).get("stepStartedAt"), 30)
        kubectl("annotate", "agd", "canary", "agentops.dev/abort=true")
        rollout = lambda: api.get(f"{AGENTS}/canary").json()["status"].get("rollout") or {}  # noqa: E731
        eventually(lambda: rollout().get("abortReason") == "ManualAbort", 10, "the abort waited for the metrics")
        assert metrics.outstanding >= 11  # every agent's first pass, and the canary's analysis, still hang
    finally:
        operator.stop()


def test_metrics_unavailable_follows_the_deadline(kubectl: Kubectl, api: httpx.Client, kubeconfig: Path) -> None:
    """With the backend hanging, the analysis reads errors at each deadline: errorLimit of them pause
    the rollout with MetricsUnavailable, naming the wait."""
    metrics = Hanging()
    operator = RunningOperator(kubeconfig, metrics=metrics, metrics_deadline_seconds=1).start()
    try:
        canary = yaml.safe_load(yaml.safe_dump(EXAMPLE))
        checks = [{"name": "session-success-rate", "min": 0.9}]
        canary["spec"]["rollout"] = {
            "analysis": {"intervalSeconds": 1, "errorLimit": 2, "checks": checks},
            "steps": [{"canary": {"weight": 50, "durationSeconds": 3600}}],
        }
        kubectl("apply", "-f", "-", input=yaml.safe_dump(canary))
        kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
        canary["spec"]["prompt"]["system"] += " Be brief."
        kubectl("apply", "-f", "-", input=yaml.safe_dump(canary))

        def paused() -> dict[str, Any] | None:
            conditions = api.get(f"{AGENTS}/support-agent").json()["status"].get("conditions", [])
            return next((c for c in conditions if c["type"] == "Paused" and c["status"] == "True"), None)

        condition = eventually(paused, 30, "no MetricsUnavailable")
        assert condition["reason"] == "MetricsUnavailable" and "did not answer within 1 s" in condition["message"]
    finally:
        operator.stop()
