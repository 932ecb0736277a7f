"""The evaluation runner's throughput and memory, and how fast the operator's verdict follows a run.

1. 500 cases (`--cases`) against the demo's support agent over HTTP (each request a real SDK session,
   an LLM call and a tool call, answered at once): `agentops-eval` as a subprocess, with `parallelism`
   1, 4 and 16, beside a baseline in the same run — the same number of plain httpx POSTs in as many
   threads, no scoring, no report. Prints cases per second, the ratio to the baseline, and the
   runner's peak RSS.
2. On the API stand-in (or `--server kube`, the real local control plane) with the real operator: the
   time from a run's results landing in its AgentEvaluation status (what the runner's last write does)
   to the operator's verdict there, over `--verdicts` runs (median and max).

    .venv/bin/python benchmarks/evaluation_runner.py [--cases 500] [--verdicts 20] [--server standin|kube]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import yaml

from agentops_sandbox.demo.agents import Behaviour, SimulatedRevision
from agentops_sandbox.testing.crds import crd_established
from agentops_sandbox.testing.operator_thread import RunningOperator
from bench_targets import open_target

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = {
    "model": {"provider": "openai", "name": "gpt-4o-mini"},
    "prompt": {"system": "You are the support assistant of Acme. Answer from the knowledge base only."},
    "tools": [{"name": "search_kb", "sideEffects": "None"}],
}


def demo_agent() -> tuple[SimulatedRevision, str]:
    """The demo's support agent (a simulated revision's Pods: each request a real SDK session)."""
    revision = SimulatedRevision("bench", "support-agent", "r1", BUNDLE, Behaviour())
    return revision, revision.url


def baseline(url: str, cases: int, parallelism: int) -> float:
    """Cases per second of plain POSTs, `parallelism` at a time."""
    with httpx.Client() as client, ThreadPoolExecutor(parallelism) as pool:
        started = time.perf_counter()
        list(pool.map(lambda i: client.post(f"{url}/chat", json={"message": f"case {i}"}).json(), range(cases)))
        return cases / (time.perf_counter() - started)


def runner(url: str, cases: int, parallelism: int, folder: Path) -> tuple[float, float]:
    """Cases per second of `agentops-eval` (its own time, from its JSON report) and its peak RSS in MB."""
    (folder / "cases.jsonl").write_text(
        "".join(json.dumps({"id": str(i), "input": f"case {i}", "contains": ["30 days"]}) + "\n" for i in range(cases))
    )
    suite = {
        "name": "bench", "dataset": {"path": "cases.jsonl"}, "scorers": [{"type": "contains"}, {"type": "maxLatency"}],
        "target": {"request": {"path": "/chat", "body": {"message": "{{input}}"}}, "answerPath": "$.reply"},
        "parallelism": parallelism, "minCases": 1,
    }  # fmt: skip
    (folder / "suite.json").write_text(json.dumps(suite))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    command = [sys.executable, "-m", "agentops_sdk.evaluation", str(folder / "suite.json"), "--url", url]
    subprocess.run([*command, "--json", str(folder / "report.json")], check=True, capture_output=True)
    report = json.loads((folder / "report.json").read_text())
    assert report["passed"] == cases, report
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return cases / report["seconds"], peak


def verdict_latency(runs: int, server: str) -> list[float]:
    """Seconds from results in an AgentEvaluation's status to the operator's verdict there."""
    waits = []
    target = open_target(server)
    try:
        with target.client(timeout=10) as api:
            for crd in sorted((ROOT / "crds").glob("*.yaml")):
                manifest = yaml.safe_load(crd.read_text())
                api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=manifest)
                while not crd_established(api, manifest["metadata"]["name"]):
                    time.sleep(0.1)
            operator = RunningOperator(target.operator_kubeconfig()).start()
            runs_path = "/apis/agentops.dev/v1alpha1/namespaces/default/agentevaluations"
            suite = {"name": "s", "dataset": {"inline": [{"input": "x"}]}, "target": {}, "scorers": [{"type": "exact"}]}
            headers = {"Content-Type": "application/merge-patch+json"}
            try:
                for i in range(runs):
                    meta = {
                        "apiVersion": "agentops.dev/v1alpha1",
                        "kind": "AgentEvaluation",
                        "metadata": {"name": f"r{i}"},
                    }
                    api.post(runs_path, json={**meta, "spec": {"suite": suite}}).raise_for_status()
                    results = {"status": {"finishedAt": "2026-01-01T00:00:00Z", "passed": 50, "failed": 0, "errors": 0}}
                    started = time.perf_counter()
                    api.patch(f"{runs_path}/r{i}/status", json=results, headers=headers).raise_for_status()
                    while not (api.get(f"{runs_path}/r{i}").json().get("status") or {}).get("verdict"):
                        time.sleep(0.005)  # a benchmark's polling granularity, not a test's wait
                    waits.append(time.perf_counter() - started)
            finally:
                operator.stop()
    finally:
        target.close()
    return waits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--verdicts", type=int, default=20)
    parser.add_argument("--server", choices=("standin", "kube"), default="standin", help="where verdicts are timed")
    args = parser.parse_args()
    agent, url = demo_agent()
    try:
        print(f"{args.cases} cases against the demo agent over HTTP on 127.0.0.1")
        for parallelism in (1, 4, 16):
            plain = baseline(url, args.cases, parallelism)
            rate, peak = runner(url, args.cases, parallelism, Path(tempfile.mkdtemp()))
            print(
                f"  parallelism {parallelism:>2}: runner {rate:7.1f} cases/s, plain POSTs {plain:7.1f}/s "
                f"(ratio {rate / plain:.2f}); runner peak RSS {peak:.0f} MB"
            )
    finally:
        agent.close()
    waits = verdict_latency(args.verdicts, args.server)
    print(
        f"results -> verdict in status ({args.server}, {len(waits)} runs): "
        f"median {statistics.median(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
