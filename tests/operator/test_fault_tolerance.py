"""Fault tests through the fault proxy: the operator converges while a tenth of its API requests fail
the ways a busy server and a flaky network fail them, and a steady agent whose signals wobble is
monitored without a single write."""

from __future__ import annotations

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
        super().__init__()
        self.random = random.Random(3)
        for key, value in HEALTHY.items():
            self.set_value(key, "*", value)
        self.set_sessions("*", 200)

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
