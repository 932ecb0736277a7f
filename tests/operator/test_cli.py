"""`agentops-operator`: the run command serves liveness and metrics and logs JSON; `crds` prints
the CRD. Run as real subprocesses, as a user or the chart's Deployment would."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from agentops_operator.cli import default_address
from tests.conftest import Kubectl
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_operator(kubeconfig: Path, log_path: Path, liveness: int, metrics: int) -> subprocess.Popen[bytes]:
    """`agentops-operator run` as its own process (its own recursion limit, no test imports), live."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agentops_operator.cli",
                "run",
                "--kubeconfig",
                str(kubeconfig),
                "--log-format",
                "json",
                "--liveness-port",
                str(liveness),
                "--liveness-address",
                "127.0.0.1",
                "--metrics-port",
                str(metrics),
                "--metrics-address",
                "127.0.0.1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    eventually(lambda: httpx.get(f"http://127.0.0.1:{liveness}/healthz", timeout=1).status_code == 200, timeout=30)
    return process


def test_run_serves_liveness_metrics_and_json_logs(kubectl: Kubectl, kubeconfig: Path, tmp_path: Path) -> None:
    liveness, metrics = free_port(), free_port()
    log_path = tmp_path / "operator.log"
    process = start_operator(kubeconfig, log_path, liveness, metrics)
    try:
        kubectl("apply", "-f", str(ROOT / "examples" / "support-agent.yaml"))
        kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
        text = httpx.get(f"http://127.0.0.1:{metrics}/metrics", timeout=2).text
        assert 'agentops_operator_reconciles_total{result="success"}' in text
        assert "agentops_operator_reconcile_duration_seconds_bucket" in text
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert any("applying Deployment default/support-agent-" in r.get("message", "") for r in records)


def test_crds_command_prints_the_generated_crds() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agentops_operator.cli", "crds"], capture_output=True, text=True, check=True
    ).stdout
    names = (
        "agentdeployments.agentops.dev.yaml",
        "agentincidents.agentops.dev.yaml",
        "agentevaluations.agentops.dev.yaml",
    )
    assert out == "".join("---\n" + (ROOT / "crds" / name).read_text() for name in names)
    assert [d["kind"] for d in yaml.safe_load_all(out) if d] == ["CustomResourceDefinition"] * 3


def test_bad_flags_are_usage_errors_not_tracebacks() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agentops_operator.cli", "run", "--log-format", "xml"], capture_output=True, text=True
    )
    assert result.returncode == 2 and "invalid choice: 'xml'" in result.stderr and "Traceback" not in result.stderr


def create_deep_agent(api: httpx.Client, name: str, depth: int = 9_990) -> None:
    """The example agent with guardrail settings nested `depth` levels, written as JSON text."""
    agent = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    agent["metadata"]["name"] = name
    nested = '{"k": ' * depth + "1" + "}" * depth
    body = json.dumps(agent).replace('"config": {', '"config": {"deep": ' + nested + ", ", 1)
    created = api.post(
        "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments",
        content=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 201, created.text[:300]


def test_an_agent_nested_as_deep_as_the_server_allows_stops_no_other_agent(
    kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, tmp_path: Path
) -> None:
    """Guardrail settings nested 9,990 levels deep (a real API server takes up to 10,000): the
    standard JSON decoder gave up at about 1,000, so every watch and LIST of agents failed and a
    restarted operator served no agent; kopf's copy of an object gave up at about 500. One deep
    agent is there before the operator starts, one comes while it runs."""
    create_deep_agent(api, "deep-before")
    process = start_operator(kubeconfig, tmp_path / "operator.log", free_port(), free_port())
    try:
        kubectl("apply", "-f", str(ROOT / "examples" / "support-agent.yaml"))
        kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
        create_deep_agent(api, "deep-after")
        ready = '{.status.conditions[?(@.type=="Ready")].reason}|{.status.conditions[?(@.type=="Ready")].message}'
        for name in ("deep-before", "deep-after"):
            shown = eventually(
                lambda name=name: (
                    (out := kubectl("get", "agd", name, "-o", f"jsonpath={ready}").stdout.strip()) != "|" and out
                ),
                message=f"{name} never shown not Ready",
            )
            assert shown.startswith("InvalidSpec|spec.guardrails[0].config.deep.k.k.k"), shown[:200]
            assert "nested more than 32 levels deep" in shown
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_endpoints_listen_on_this_machine_only_outside_a_pod(monkeypatch: pytest.MonkeyPatch) -> None:
    """A laptop's /metrics and /healthz are nobody else's; in a Pod, Prometheus and the kubelet need them."""
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    assert default_address() == "127.0.0.1"
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    assert default_address() == "0.0.0.0"
