"""`kubectl agents`: the real kubectl finds the plugin on PATH and runs it against the API stand-in
with the real operator: status and history of a paused canary, promote, the prompt diff of two
revisions, incidents and resolve, and offline lint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl, kubectl_binary
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
AGENT = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/support-agent"


def agents(kubeconfig: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`kubectl agents …` as a user runs it: the plugin on PATH, the cluster from KUBECONFIG."""
    env = {
        **os.environ,
        "KUBECONFIG": str(kubeconfig),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "COLUMNS": "200",
    }
    result = subprocess.run([kubectl_binary(), "agents", *args], capture_output=True, text=True, env=env, timeout=60)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def manifest(suffix: str = "") -> str:
    agent: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    agent["spec"]["prompt"]["system"] += suffix
    agent["spec"]["rollout"] = {"steps": [{"canary": {"weight": 50, "durationSeconds": 1}}, {"pause": {}}]}
    agent["spec"]["monitoring"] = {"intervalSeconds": 1, "cooldownSeconds": 0}
    return yaml.safe_dump(agent)


def test_status_promote_history_diff_incidents_and_resolve(
    running: RunningOperator, kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, metrics: StaticMetrics
) -> None:
    kubectl("apply", "-f", "-", input=manifest())
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    kubectl("apply", "-f", "-", input=manifest(" Always answer in English."))
    eventually(lambda: (api.get(AGENT).json()["status"].get("rollout") or {}).get("pauseReason") == "AwaitingPromotion")
    status = agents(kubeconfig, "status", "support-agent").stdout
    assert "step 2/2 (pause)" in status and "paused (AwaitingPromotion)" in status and "Progressing" in status

    diff = agents(kubeconfig, "diff", "support-agent").stdout
    assert diff.startswith("support-agent: revision 1 (") and " → revision 2 (" in diff.splitlines()[0]
    assert "\n+     Always answer in English.\n" in diff  # the prompt's new line, as a line of its own (YAML)
    assert "\n     You are the support assistant of Acme" in diff  # the rest of the prompt as context
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed == ["-  system: |"]  # only the block's chomping: the prompt no longer ends in a newline

    agents(kubeconfig, "promote", "support-agent")
    eventually(lambda: api.get(AGENT).json()["status"]["stableRevision"]["number"] == 2, message="not promoted")
    assert "agentops.dev/promote" not in (api.get(AGENT).json()["metadata"].get("annotations") or {})
    history = agents(kubeconfig, "history", "support-agent").stdout
    assert "Superseded" in history and "Stable" in history
    # Once promoted, stable and latest are one revision: the default diff still shows what it changed.
    promoted = agents(kubeconfig, "diff", "support-agent").stdout
    assert "+     Always answer in English." in promoted and "(no difference)" not in promoted
    assert "(no difference)" in agents(kubeconfig, "diff", "support-agent", "2", "2").stdout

    agents(kubeconfig, "rollback", "support-agent")  # to the revision before the stable one
    eventually(lambda: api.get(AGENT).json()["status"]["stableRevision"]["number"] == 1, message="no rollback")
    assert "held revision" in agents(kubeconfig, "status", "support-agent").stdout
    agents(kubeconfig, "retry", "support-agent")  # revision 2 goes through its rollout again
    eventually(lambda: (api.get(AGENT).json()["status"].get("rollout") or {}).get("pauseReason") == "AwaitingPromotion")
    agents(kubeconfig, "promote", "support-agent", "--full")
    eventually(lambda: api.get(AGENT).json()["status"]["stableRevision"]["number"] == 2, message="not promoted again")

    stable = api.get(AGENT).json()["status"]["stableRevision"]["hash"]
    metrics.set_value("safety-violations", stable, 1)
    eventually(
        lambda: "SafetyViolation" in agents(kubeconfig, "incidents", "support-agent").stdout, message="no incident"
    )
    metrics.set_value("safety-violations", stable, 0)
    agents(kubeconfig, "resolve", "support-agent", "SafetyViolation")
    eventually(
        lambda: all(i.get("resolvedAt") for i in api.get(AGENT).json()["status"].get("incidents", [])),
        message="not resolved",
    )

    missing = agents(kubeconfig, "status", "nobody", check=False)
    assert (
        missing.returncode == 1
        and "AgentDeployment 'nobody' not found" in missing.stderr
        and "Traceback" not in missing.stderr
    )


def test_lint_names_each_bad_field_and_passes_the_example(tmp_path: Path, kubeconfig: Path) -> None:
    good = agents(kubeconfig, "lint", str(ROOT / "examples" / "support-agent.yaml"))
    assert "error" not in good.stdout and "spec.rollout.steps: none" in good.stdout
    bad = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    bad["spec"]["replicas"] = -1
    bad["spec"]["tools"][0]["sideEffects"] = "Sometimes"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    result = agents(kubeconfig, "lint", str(path), check=False)
    assert result.returncode == 1
    assert "error: spec.replicas:" in result.stdout and "error: spec.tools[0].sideEffects:" in result.stdout
    rated = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    checks = [{"name": "session-success-rate", "min": 0.9}, {"name": "cost-per-session", "max": 0.1}]
    rated["spec"]["rollout"] = {"steps": [{"canary": {"weight": 20}}], "analysis": {"checks": checks}}
    path.write_text(yaml.safe_dump(rated))
    warned = agents(kubeconfig, "lint", str(path)).stdout
    assert "spec.rollout.analysis.checks[0].method: unset, so session-success-rate is judged by point values" in warned
    assert "checks[1]" not in warned  # cost is no rate: Threshold is its only method yet
    checks[0]["method"] = "Sequential"
    path.write_text(yaml.safe_dump(rated))
    assert "method: unset" not in agents(kubeconfig, "lint", str(path)).stdout
