"""Agent Pods meet the Pod Security Standards' "restricted" profile by default, judged by the real
API server's own PodSecurity admission in a namespace that enforces it (the stand-in has none).
The same namespace refuses the Pods of an agent that asks for root, so the check is live."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl
from tests.operator.agents import ROOT
from tests.waiting import eventually

NAMESPACE = "restricted"


def pods(api: httpx.Client, agent: str) -> list[dict[str, Any]]:
    listed = api.get(f"/api/v1/namespaces/{NAMESPACE}/pods", params={"labelSelector": f"agentops.dev/agent={agent}"})
    return listed.json()["items"]  # type: ignore[no-any-return]


def refused_pods(api: httpx.Client) -> list[str]:
    events = api.get(f"/api/v1/namespaces/{NAMESPACE}/events").json()["items"]
    return [
        e["message"] for e in events if e.get("reason") == "FailedCreate" and "violates PodSecurity" in e["message"]
    ]


@pytest.mark.kube_only
def test_agent_pods_run_where_the_restricted_profile_is_enforced(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    labels = {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
    }
    api.post(
        "/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE, "labels": labels}},
    )
    agent = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    agent["metadata"]["namespace"] = NAMESPACE
    kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
    kubectl("wait", "-n", NAMESPACE, "--for=condition=Ready", "agd/support-agent", "--timeout=60s")
    running = eventually(lambda: pods(api, "support-agent"), message="no agent Pod was admitted")
    spec = running[0]["spec"]
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    # An agent asking for root gets no Pod in the same namespace: the enforcement is real.
    agent["metadata"]["name"] = "root-agent"
    agent["spec"]["runtime"]["podSecurityContext"] = {"runAsNonRoot": False, "runAsUser": 0}
    kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
    refused = eventually(lambda: refused_pods(api), timeout=60, message="the root agent's Pods were not refused")
    assert any("runAsNonRoot != true" in message or "runAsUser=0" in message for message in refused), refused
    assert pods(api, "root-agent") == []
