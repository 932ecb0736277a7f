"""Part 3 of `fault_recovery.py`: a steady agent under real monitoring — a real Prometheus scraping the
SDK's exporter while sessions run at a steady ~40 per second — and the operator's API writes
(counted at the fault proxy) over a window of monitoring passes, and per hour. Goal: 0."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

import agentops_sdk
from agentops_operator.adapters.metrics.prometheus import PrometheusProvider
from agentops_operator.engine.measurements import Sample, SignalQuery
from agentops_sandbox.testing.fault_proxy import FaultProxy
from agentops_sandbox.testing.operator_thread import RunningOperator
from agentops_sandbox.testing.prometheus import LocalPrometheus, serve_metrics

NAMESPACE = "steady"
PATH = f"/apis/agentops.dev/v1alpha1/namespaces/{NAMESPACE}/agentdeployments/steady"
PROMPT = "You answer questions about orders from the knowledge base only, and never promise refunds."
MODEL = {"provider": "openai", "name": "gpt-4o-mini"}


class CountingProvider:
    """The Prometheus provider, counting the queries the monitoring passes make."""

    def __init__(self, url: str) -> None:
        self.inner = PrometheusProvider(url)
        self.default_url = self.inner.default_url
        self.reads = 0

    async def read(self, query: SignalQuery) -> dict[str, Sample]:
        self.reads += 1
        return await self.inner.read(query)


def manifest(interval: int) -> dict[str, Any]:
    return {
        "apiVersion": "agentops.dev/v1alpha1",
        "kind": "AgentDeployment",
        "metadata": {"name": "steady", "namespace": NAMESPACE},
        "spec": {
            "runtime": {"image": "ghcr.io/agentops-dev/example-agent:0.1.0"},
            "model": MODEL,
            "prompt": {"system": PROMPT},
            "tools": [{"name": "search_kb", "sideEffects": "None"}],
            "monitoring": {"intervalSeconds": interval},
        },
    }


def run_sessions(agent: agentops_sdk.Agent, stop: threading.Event) -> None:
    while not stop.wait(0.025):
        with agent.session() as session:
            session.llm_call(tokens_in=100, tokens_out=50, latency_s=0.2)
            session.call_tool("search_kb", lambda: None)
            session.grounding(0.9)
            session.check_output("Your order ships tomorrow.")


def poll(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def steady_agent_writes(api: httpx.Client, proxy: FaultProxy, kubeconfig: Path, workdir: Path, seconds: float) -> None:
    interval = 5
    print(f"\n3. a steady agent, real Prometheus, monitoring every {interval} s: the operator's API writes")
    api.post("/api/v1/namespaces", json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    (workdir / "prometheus").mkdir()
    stop = threading.Event()
    with LocalPrometheus(workdir / "prometheus") as prometheus:
        provider = CountingProvider(prometheus.url)
        operator = RunningOperator(kubeconfig, metrics=provider, namespaces=[NAMESPACE]).start()
        try:
            api.post(PATH.rsplit("/", 1)[0], json=manifest(interval))
            poll(lambda: (api.get(PATH).json().get("status") or {}).get("stableRevision"), 60, "not Ready")
            revision = api.get(PATH).json()["status"]["stableRevision"]["hash"]
            bundle = workdir / "bundle"
            bundle.mkdir()
            (bundle / "bundle.json").write_text(json.dumps({"model": MODEL, "prompt": {"system": PROMPT}}))
            registry = CollectorRegistry()
            server, port = serve_metrics(registry)
            sdk = agentops_sdk.init(
                name="steady",
                namespace=NAMESPACE,
                revision=revision,
                bundle_path=bundle,
                controls_path=bundle,
                registry=registry,
                log_stream=io.StringIO(),
                start_exporter=False,
            )
            threading.Thread(target=run_sessions, args=(sdk, stop), daemon=True).start()
            prometheus.scrape([f"127.0.0.1:{port}"])

            def baselines() -> dict[str, float]:
                return dict((api.get(PATH).json().get("status") or {}).get("baselines", {}).get(revision, {}))

            poll(lambda: "cost-per-session" in baselines(), 120, "no baseline recorded")
            reads, writes = provider.reads, proxy.writes
            time.sleep(seconds)  # the measured window: the operator monitors on its own meanwhile
            reads, writes = provider.reads - reads, proxy.writes - writes
            passes = reads / max(len(baselines()), 1)
            print(f"   {seconds:.0f} s, ~{passes:.0f} monitoring passes ({reads} Prometheus queries): {writes} writes")
            print(f"   → {writes * 3600 / seconds:.0f} writes per hour (goal 0); baselines kept: {baselines()}")
            server.shutdown()
        finally:
            stop.set()
            operator.stop()
