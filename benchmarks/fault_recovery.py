"""Fault-tolerance benchmark (#20's goals), against the API stand-in or the real local control plane.

The real operator (in-process, kopf) runs behind the fault proxy (agentops_sandbox.testing.fault_proxy)
and prints, with each faulty row next to its fault-free baseline run in the same process (rows
interleaved, so machine noise hits both):

1. **API faults**: time until N new agents are all Ready, without faults and with `--share` of API
   requests failing (500, 409, 429 + Retry-After, 2–5 s delays, dropped connections; watches cut after
   5–20 s). Goal: ≤ 5× the fault-free time, all converged.
2. **A hanging metrics backend**: ten monitored agents, then the time for a new agent to become Ready
   and for a manual abort of a canary under analysis to take effect, with a healthy backend and with
   one that never answers. Goal: ≤ 2× the healthy latency.
3. **A steady agent with monitoring on**: a real Prometheus scraping the SDK's exporter under steady
   traffic, monitoring every 5 s: the operator's API writes over `--steady-seconds`, and per hour.
   Goal: 0.

    .venv/bin/python benchmarks/fault_recovery.py [--server standin|kube] [--rounds 3] [--agents 20]
        [--share 0.1] [--steady-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_operator.api.crd import crd_manifest
from agentops_operator.engine.measurements import Sample, SignalQuery
from agentops_operator.ports.metrics import SignalProvider
from agentops_sandbox.testing.fault_proxy import FaultProxy, RandomFaults, WriteFaults
from agentops_sandbox.testing.operator_thread import RunningOperator
from bench_targets import Target, open_target
from steady_prometheus import steady_agent_writes

CHECKS = [{"name": "session-success-rate", "min": 0.9}]
HEALTHY = {"session-success-rate": 0.95, "cost-per-session": 0.02, "tool-calls-per-session": 2.0}


def agent(name: str, namespace: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "agentops.dev/v1alpha1",
        "kind": "AgentDeployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 2,
            "runtime": {"image": "ghcr.io/agentops-dev/example-agent:0.1.0"},
            "model": {"provider": "openai", "name": "gpt-4o-mini"},
            "prompt": {"system": "You answer questions about orders."},
            **spec,
        },
    }


def agents_path(namespace: str) -> str:
    return f"/apis/agentops.dev/v1alpha1/namespaces/{namespace}/agentdeployments"


def wait_for(predicate: Callable[[], Any], timeout: float) -> float:
    """Seconds until `predicate()` is truthy (polled every 20 ms); raises after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    raise TimeoutError(f"not within {timeout} s")


def ready(api: httpx.Client, namespace: str, name: str | None = None) -> int:
    """How many agents (or whether the named one) are Ready for their current generation."""
    path = agents_path(namespace) + (f"/{name}" if name else "")
    found = api.get(path).json()
    items = [found] if name else found.get("items", [])
    return sum(
        1
        for a in items
        if (a.get("status") or {}).get("observedGeneration") == a["metadata"].get("generation")
        and any(c["type"] == "Ready" and c["status"] == "True" for c in a["status"].get("conditions", []))
    )


def namespace(api: httpx.Client, name: str) -> str:
    api.post("/api/v1/namespaces", json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def api_faults(api: httpx.Client, proxy: FaultProxy, kubeconfig: Path, rounds: int, count: int, share: float) -> None:
    print(f"\n1. {count} new agents until all Ready, through the proxy; {share:.0%} of API requests failing")
    print(f"   {'round':<6}{'no faults':>12}{'faults':>12}{'ratio':>8}{'faults injected':>17}")
    ratios = []
    for index in range(rounds):
        seconds = {}
        for mode in ("clean", "faulty"):
            proxy.plan = RandomFaults(share=share, seed=index) if mode == "faulty" else WriteFaults()
            before = len(proxy.faults)
            operator = RunningOperator(kubeconfig, resync_seconds=30).start()
            try:
                ns = namespace(api, f"faults-{index}-{mode}")
                for number in range(count):
                    api.post(agents_path(ns), json=agent(f"a-{number:02d}", ns))
                seconds[mode] = wait_for(lambda ns=ns: ready(api, ns) == count, 600)
            finally:
                operator.stop()
            injected = sum(1 for _, f in proxy.faults[before:] if f.kind != "cut")
        ratios.append(seconds["faulty"] / seconds["clean"])
        print(
            f"   {index + 1:<6}{seconds['clean']:>11.1f}s{seconds['faulty']:>11.1f}s{ratios[-1]:>7.1f}×{injected:>17}"
        )
    print(f"   median ratio {statistics.median(ratios):.1f}× (goal ≤ 5×); every run converged")


class Hanging(StaticMetrics):
    """Takes every query and never answers."""

    async def read(self, query: SignalQuery) -> dict[str, Sample]:
        await asyncio.Event().wait()
        return {}


def latencies(api: httpx.Client, kubeconfig: Path, metrics: SignalProvider, ns: str) -> tuple[float, float]:
    """(new agent → Ready, abort annotation → aborted) with ten monitored agents next to them."""
    operator = RunningOperator(kubeconfig, metrics=metrics, metrics_deadline_seconds=600).start()
    try:
        for number in range(10):
            api.post(agents_path(ns), json=agent(f"m-{number}", ns, monitoring={"intervalSeconds": 1}))
        wait_for(lambda: ready(api, ns) == 10, 120)
        step = {"canary": {"weight": 50, "durationSeconds": 3600}}
        rollout = {"analysis": {"intervalSeconds": 1, "checks": CHECKS}, "steps": [step]}
        canary = agent("canary", ns, rollout=rollout)
        api.post(agents_path(ns), json=canary)
        wait_for(lambda: ready(api, ns, "canary"), 60)
        api.post(agents_path(ns), json=agent("new", ns))
        new_ready = wait_for(lambda: ready(api, ns, "new"), 120)
        patch = {"spec": {"prompt": {"system": "You answer questions about orders. Be brief."}}}
        merge = {"Content-Type": "application/merge-patch+json"}
        api.patch(f"{agents_path(ns)}/canary", json=patch, headers=merge)

        def rollout_of() -> dict[str, Any]:
            return api.get(f"{agents_path(ns)}/canary").json().get("status", {}).get("rollout") or {}

        wait_for(lambda: rollout_of().get("stepStartedAt"), 60)
        annotate = {"metadata": {"annotations": {"agentops.dev/abort": "true"}}}
        api.patch(f"{agents_path(ns)}/canary", json=annotate, headers=merge)
        aborted = wait_for(lambda: rollout_of().get("abortReason") == "ManualAbort", 120)
        return new_ready, aborted
    finally:
        operator.stop()


def hanging_backend(api: httpx.Client, kubeconfig: Path, rounds: int) -> None:
    print("\n2. with 10 monitored agents: a new agent → Ready, and a manual abort → aborted")
    print(f"   {'round':<6}{'Ready healthy':>15}{'hanging':>10}{'abort healthy':>15}{'hanging':>10}")
    ready_ratios, abort_ratios = [], []
    for index in range(rounds):
        healthy = latencies(api, kubeconfig, StaticMetrics(HEALTHY, sessions=200), namespace(api, f"healthy-{index}"))
        hanging = latencies(api, kubeconfig, Hanging(), namespace(api, f"hanging-{index}"))
        ready_ratios.append(hanging[0] / healthy[0])
        abort_ratios.append(hanging[1] / healthy[1])
        print(f"   {index + 1:<6}{healthy[0]:>14.2f}s{hanging[0]:>9.2f}s{healthy[1]:>14.2f}s{hanging[1]:>9.2f}s")
    print(
        f"   median ratio hanging/healthy: Ready {statistics.median(ready_ratios):.1f}×, "
        f"abort {statistics.median(abort_ratios):.1f}× (goal ≤ 2×)"
    )


def install_crds(api: httpx.Client) -> None:
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    api.post(path, json=crd_manifest())
    wait_for(lambda: api.get(agents_path("default")).status_code == 200, 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=("standin", "kube"), default="standin")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--share", type=float, default=0.1)
    parser.add_argument("--steady-seconds", type=float, default=60.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the faults make the operator warn a lot: only numbers here
    for noisy in ("kopf", "aiohttp", "agentops_operator"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    target: Target = open_target(args.server)
    try:
        with target.client(timeout=30) as api, tempfile.TemporaryDirectory() as workdir:
            install_crds(api)
            with FaultProxy(target.operator_kubeconfig()) as proxy:
                kubeconfig = proxy.write_kubeconfig(Path(workdir) / "proxied")
                print(f"on the {target.name}")
                api_faults(api, proxy, kubeconfig, args.rounds, args.agents, args.share)
                proxy.plan = WriteFaults()
                hanging_backend(api, kubeconfig, args.rounds)
                steady_agent_writes(api, proxy, kubeconfig, Path(workdir), args.steady_seconds)
    finally:
        target.close()


if __name__ == "__main__":
    main()
