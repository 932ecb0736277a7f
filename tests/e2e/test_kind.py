"""End-to-end on a real cluster (kind): the CRD installs and the operator, run locally against the
cluster, rolls out an agent whose Pods really start (the pause image stands in for an agent)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def test_agent_rolls_out_on_a_real_cluster(real_kubeconfig: Path, tmp_path: Path) -> None:
    kubectl = Kubectl(real_kubeconfig, tmp_path / "cache")
    namespace = f"agentops-e2e-{uuid.uuid4().hex[:6]}"
    kubectl("apply", "-f", str(ROOT / "crds"))
    kubectl("wait", "--for=condition=Established", "crd/agentdeployments.agentops.dev", "--timeout=60s")
    kubectl("create", "namespace", namespace)
    operator = RunningOperator(real_kubeconfig, resync_seconds=5, namespaces=[namespace]).start()
    try:
        agent = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
        agent["metadata"]["namespace"] = namespace
        agent["spec"]["replicas"] = 1
        agent["spec"]["runtime"]["image"] = "registry.k8s.io/pause:3.10"
        agent["spec"]["runtime"]["env"] = [{"name": "LOG_LEVEL", "value": "info"}]
        kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
        kubectl("wait", "-n", namespace, "--for=condition=Ready", "agd/support-agent", "--timeout=180s", timeout=200)
        pods = kubectl(
            "get", "pods", "-n", namespace, "-l", "agentops.dev/agent=support-agent", "-o", "name"
        ).stdout.split()
        assert len(pods) == 1
    finally:
        operator.stop()
        kubectl("delete", "namespace", namespace, "--wait=false", check=False)
