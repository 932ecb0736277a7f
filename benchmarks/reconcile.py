"""Operator reconcile benchmark, against the API stand-in or the real local control plane.

Runs the real operator (`agentops-operator run`, a separate process, so its memory is its own)
against the stand-in with the Deployment simulator on (0 s delay), or against the real control plane
(`--server kube`: kube-apiserver, etcd, the controller manager's Deployment → ReplicaSet → Pod chain,
kwok making the Pods Ready; the operator's writes are counted from the API server's audit log), and
prints:

1. apply → children latency over 200 agents applied one after another: from the POST of an
   AgentDeployment to its revision Deployment existing, and to Ready=True (p50/p99);
2. 1,000 agents applied at once: time until all are Ready, and the operator's peak RSS;
3. the operator's writes to the API during 35 s of idleness afterwards, which span one periodic resync
   (goal: 0), and the CPU that idleness costs;
4. with `--baseline`: the same bulk run, first, by a plain kopf operator written the obvious way
   (`plain_operator.py`, namespace `plain`), and both operators' requests per agent by verb, time to
   all Ready, CPU seconds and peak RSS, with ours as ratios to it (#14's goals: ≤ 10 requests per new
   agent, time ≤ 1.5×, CPU ≤ 2×).

Goals (stand-in): p50 ≤ 0.1 s, p99 ≤ 0.5 s; 1,000 agents ≤ 60 s and ≤ 250 MB; 0 writes when idle.
On the real server the chain to Ready runs through real controllers, so latencies are larger.
    .venv/bin/python benchmarks/reconcile.py [--server standin|kube|both] [--agents 1000] [--latency-agents 200]
        [--baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from agentops_operator.api.crd import crd_manifest
from bench_stats import percentile
from bench_targets import StandInTarget, Target, Who, open_target

AGENTS = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments"
PLAIN = "plain"  # the baseline operator's namespace
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Bulk:
    """One operator's bulk run: N agents applied at once until all are Ready."""

    agents: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    requests: Counter[str]  # by verb, during the run

    def per_agent(self, verb: str | None = None) -> float:
        total = self.requests[verb] if verb else sum(self.requests.values())
        return total / max(self.agents, 1)


def agent(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "agentops.dev/v1alpha1",
        "kind": "AgentDeployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "runtime": {"image": "ghcr.io/agentops-dev/example-agent:0.1.0"},
            "model": {"provider": "openai", "name": "gpt-4o-mini"},
            "prompt": {"system": f"You are agent {name}."},
            "tools": [{"name": "search", "sideEffects": "None"}],
        },
    }


class Recorder:
    """Watches Deployments and AgentDeployments and records when each agent got there."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.deployed: dict[tuple[str, str], float] = {}  # (namespace, agent) -> when
        self.ready: dict[tuple[str, str], float] = {}
        self._threads = [
            threading.Thread(target=self._watch, args=("/apis/apps/v1/deployments", self._on_deployment), daemon=True),
            threading.Thread(
                target=self._watch, args=("/apis/agentops.dev/v1alpha1/agentdeployments", self._on_agent), daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()

    def _watch(self, path: str, handle: Any) -> None:
        try:
            with (
                self.target.client(timeout=None) as client,
                client.stream("GET", path, params={"watch": "true"}) as stream,
            ):
                for line in stream.iter_lines():
                    if line:
                        handle(json.loads(line)["object"], time.perf_counter())
        except httpx.HTTPError:  # the server stopped at the end of the run
            return

    def _on_deployment(self, obj: dict[str, Any], now: float) -> None:
        labels = obj["metadata"].get("labels", {})
        name = labels.get("agentops.dev/agent") or labels.get("plain.agentops.dev/agent")
        if name:
            self.deployed.setdefault((obj["metadata"]["namespace"], name), now)

    def _on_agent(self, obj: dict[str, Any], now: float) -> None:
        conditions = obj.get("status", {}).get("conditions", [])
        if any(c["type"] == "Ready" and c["status"] == "True" for c in conditions):
            self.ready.setdefault((obj["metadata"]["namespace"], obj["metadata"]["name"]), now)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(predicate: Any, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", choices=["standin", "kube", "both"], default="standin")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--latency-agents", type=int, default=200)
    parser.add_argument("--baseline", action="store_true", help="compare with a plain kopf operator")
    parser.add_argument(
        "--unlimited-controllers",
        action="store_true",
        help="real control plane: no client rate limits in the controller manager and scheduler (kwokctl's "
        "--disable-qps-limits), so they do not set the pace",
    )
    parser.add_argument("--idle-seconds", type=float, default=35.0, help="idle window (spans one 30 s resync)")
    args = parser.parse_args()
    for server in ["standin", "kube"] if args.server == "both" else [args.server]:
        pods = 2 * args.agents + args.latency_agents if args.baseline else args.agents + args.latency_agents
        target = open_target(server, nodes=max(2, -(-pods // 3000)), unlimited_controllers=args.unlimited_controllers)
        try:
            print(f"== on the {target.name} ==")
            run(target, args.agents, args.latency_agents, args.baseline, args.idle_seconds)
        finally:
            target.close()


def run(target: Target, agents: int, latency_agents: int, baseline: bool, idle_seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="agentops-bench-"))
    with target.client(timeout=30) as api:
        api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd_manifest()).raise_for_status()
        wait_until(lambda: api.get(AGENTS).status_code == 200, 30)  # a real server establishes it after a moment
        recorder = Recorder(target)
        plain = run_plain(target, api, recorder, agents, workdir) if baseline else None
        log_file = (workdir / "operator.log").open("w")
        operator = start_operator(target.operator_kubeconfig(), log_file)
        try:
            time.sleep(3)  # kopf start-up
            measure_latency(api, recorder, latency_agents)
            ours = measure_bulk(api, recorder, agents, operator.pid, target, "ours")
            if plain is not None:
                compare(ours, plain)
            time.sleep(2)
            before, cpu_before = target.operator_writes(), cpu_seconds(operator.pid)
            time.sleep(idle_seconds)
            after, idle_cpu = target.operator_writes(), cpu_seconds(operator.pid) - cpu_before
            print(
                f"{target.writes_label}: {before} to bring {agents + latency_agents} agents up, "
                f"{after - before} during {idle_seconds:.0f} s idle afterwards (operator CPU {idle_cpu:.1f} s, "
                f"peak RSS {peak_rss_mb(operator.pid):.0f} MB)"
            )
            if os.environ.get("BENCH_AUDIT") and isinstance(target, StandInTarget):  # requests by route, busiest first
                audit = target.server.call(lambda s: dict(s.routes.requests) if s.routes else {})
                for key, count in sorted(audit.items(), key=lambda kv: -kv[1])[:20]:
                    print("   ", key, count)
        finally:
            operator.send_signal(signal.SIGINT)
            try:
                operator.wait(timeout=20)
            except subprocess.TimeoutExpired:
                operator.kill()
            log_file.close()


def start_operator(kubeconfig: Path, log_file: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            *os.environ.get("BENCH_PROFILE", "").split(),
            "-m",
            "agentops_operator.cli",
            "run",
            "--kubeconfig",
            str(kubeconfig),
            "--liveness-port",
            "0",
            "--metrics-port",
            "0",
            "--resync-seconds",
            "30",
            "--namespace",
            "default",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log_file,
        env={**os.environ},
    )


def measure_latency(api: httpx.Client, recorder: Recorder, count: int) -> None:
    sent: dict[str, float] = {}
    for index in range(count):
        name = f"lat-{index:04d}"
        sent[name] = time.perf_counter()
        api.post(AGENTS, json=agent(name)).raise_for_status()
        wait_until(lambda n=name: ("default", n) in recorder.ready, 10)
    deployed = {n: at for (_, n), at in recorder.deployed.items()}
    ready = {n: at for (ns, n), at in recorder.ready.items() if ns == "default"}
    to_children = [(deployed[n] - t) for n, t in sent.items() if n in deployed]
    to_ready = [(ready[n] - t) for n, t in sent.items() if n in ready]
    for what, values in (("revision Deployment", to_children), ("Ready=True         ", to_ready)):
        print(
            f"apply -> {what} over {len(values)} agents: "
            f"p50 {statistics.median(values):.3f} s, p99 {percentile(values, 0.99):.3f} s"
        )


def measure_bulk(
    api: httpx.Client,
    recorder: Recorder,
    count: int,
    operator_pid: int,
    target: Target,
    who: Who,
    namespace: str = "default",
) -> Bulk:
    before, cpu_before = target.requests(who), cpu_seconds(operator_pid)
    start = time.perf_counter()
    names = [f"bulk-{index:04d}" for index in range(count)]
    collection = f"/apis/agentops.dev/v1alpha1/namespaces/{namespace}/agentdeployments"
    sent: dict[str, float] = {}
    for name in names:
        sent[name] = time.perf_counter()
        api.post(collection, json=agent(name)).raise_for_status()
    posted = time.perf_counter() - start
    done = wait_until(lambda: all((namespace, n) in recorder.ready for n in names), 600 + 0.3 * count)
    elapsed = time.perf_counter() - start
    ready_count = sum(1 for n in names if (namespace, n) in recorder.ready)
    result = Bulk(
        agents=count,
        seconds=elapsed,
        cpu_seconds=cpu_seconds(operator_pid) - cpu_before,
        peak_rss_mb=peak_rss_mb(operator_pid),
        requests=target.requests(who) - before,
    )
    print(
        f"{who}: {count} agents: {ready_count} Ready in {elapsed:.1f} s (POSTs took {posted:.1f} "
        f"s){'' if done else ' (timed out)'}; operator CPU {result.cpu_seconds:.1f} s, peak RSS "
        f"{result.peak_rss_mb:.0f} MB"
    )
    to_children = [
        recorder.deployed[(namespace, n)] - at for n, at in sent.items() if (namespace, n) in recorder.deployed
    ]
    if to_children:
        print(
            f"{who}: apply -> revision Deployment during the load, over {len(to_children)} agents: "
            f"p50 {statistics.median(to_children):.3f} s, p99 {percentile(to_children, 0.99):.3f} s"
        )
    return result


def run_plain(target: Target, api: httpx.Client, recorder: Recorder, count: int, workdir: Path) -> Bulk:
    """The baseline: the plain kopf operator alone on the server, the same bulk run in its namespace."""
    api.post("/api/v1/namespaces", json={"metadata": {"name": PLAIN}})
    log_file = (workdir / "plain.log").open("w")
    plain = subprocess.Popen(
        [sys.executable, "-m", "kopf", "run", str(HERE / "plain_operator.py"), "--standalone", "--namespace", PLAIN],
        stdout=subprocess.DEVNULL,
        stderr=log_file,
        env={**os.environ, "KUBECONFIG": str(target.operator_kubeconfig("plain"))},
    )
    try:
        time.sleep(3)  # kopf start-up
        return measure_bulk(api, recorder, count, plain.pid, target, "plain", namespace=PLAIN)
    finally:
        stop(plain)
        log_file.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def compare(ours: Bulk, plain: Bulk) -> None:
    """Both operators' bulk runs side by side; ours as a ratio to the plain one."""
    verbs = sorted(set(ours.requests) | set(plain.requests))
    print(f"{'per new agent':<24}{'plain kopf':>12}{'agentops':>12}{'ratio':>8}")
    rows = [(f"requests: {v}", plain.per_agent(v), ours.per_agent(v)) for v in verbs]
    rows += [("requests: all", plain.per_agent(), ours.per_agent())]
    rows += [
        (f"{ours.agents} agents to Ready (s)", plain.seconds, ours.seconds),
        ("operator CPU (s)", plain.cpu_seconds, ours.cpu_seconds),
        ("operator peak RSS (MB)", plain.peak_rss_mb, ours.peak_rss_mb),
    ]
    for label, theirs, mine in rows:
        ratio = f"{mine / theirs:.2f}x" if theirs else "-"
        print(f"{label:<24}{theirs:>12.2f}{mine:>12.2f}{ratio:>8}")
    print("goals: requests: all <= 10 per agent; time <= 1.5x; CPU <= 2x")


if __name__ == "__main__":
    main()
