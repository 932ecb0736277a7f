"""The chart, installed for real (Helm's install, through helm-python-sdk) into the real control
plane, CRDs included; then the operator is started the way the chart's Deployment starts it (its
arguments and environment) with its ServiceAccount's token, so every request it makes is authorized
by the chart's own RBAC on a real API server: a missing verb fails here for real. An agent is rolled
out through a real Deployment -> ReplicaSet -> Pod chain (Pods played by kwok)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import httpx
import pytest

from agentops_sandbox.testing import LocalControlPlane
from tests.conftest import Kubectl
from tests.kube import RealServer
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "agentops-operator"
NAMESPACE = "agentops-system"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
EXAMPLE = (ROOT / "examples" / "support-agent.yaml").read_text()


@pytest.fixture
def real(control_plane: LocalControlPlane) -> Iterator[RealServer]:
    server = RealServer(control_plane)
    with server.client(timeout=30) as api:  # the chart brings the CRDs itself
        for name in ("agentdeployments.agentops.dev", "agentincidents.agentops.dev"):
            api.delete(f"{CRDS}/{name}")
        eventually(
            lambda: all(
                api.get(f"{CRDS}/{n}").status_code == 404
                for n in ("agentdeployments.agentops.dev", "agentincidents.agentops.dev")
            )
        )
    try:
        yield server
    finally:
        server.reset()


def _operator_command(api: httpx.Client) -> tuple[list[str], dict[str, str], str]:
    deployment = api.get(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/agentops-agentops-operator").json()
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value", "") for e in container.get("env", [])}
    env.update(POD_NAME="agentops-operator-test", POD_NAMESPACE=NAMESPACE)
    local = ["--metrics-port=0", "--liveness-port=0"]  # on this machine: no ports beyond 127.0.0.1
    return (
        [str(Path(sys.executable).parent / "agentops-operator"), *container["args"], *local],
        env,
        pod["serviceAccountName"],
    )


def _token(api: httpx.Client, account: str) -> str:
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}}
    response = api.post(f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/{account}/token", json=request)
    assert response.status_code == 201, response.text
    token: str = response.json()["status"]["token"]
    return token


@pytest.mark.kube_only
@pytest.mark.timeout(240)
def test_helm_install_then_the_operator_works_under_the_charts_rbac(
    real: RealServer, control_plane: LocalControlPlane, tmp_path: Path
) -> None:
    config = helm.Config(kubeconfig_path=control_plane.kubeconfig, namespace=NAMESPACE)
    # Leader election on: the Lease rights are limited to the operator's own Lease by name.
    values = {"leaderElection": {"enabled": True}}
    release = config.install(str(CHART), "agentops", values, namespace=NAMESPACE, create_namespace=True, timeout=120)
    assert release["status"] == "deployed"
    kubectl = Kubectl(control_plane.kubeconfig, tmp_path / "kubectl-cache")
    try:
        with real.client(timeout=10) as api:
            argv, env, account = _operator_command(api)
            kubeconfig = control_plane.token_kubeconfig(tmp_path / "operator.kubeconfig", _token(api, account))
            log = tmp_path / "operator.log"
            with log.open("wb") as out:
                operator = subprocess.Popen(
                    [*argv, f"--kubeconfig={kubeconfig}"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, **env},
                )
            try:
                _roll_out_two_revisions(kubectl, api)
            finally:
                operator.terminate()
                operator.wait(timeout=30)
        forbidden = [line for line in log.read_text().splitlines() if "forbidden" in line.lower()]
        assert forbidden == [], "the chart's RBAC refused the operator:\n" + "\n".join(forbidden[:10])
    finally:
        config.uninstall("agentops", timeout=60)


def _roll_out_two_revisions(kubectl: Kubectl, api: httpx.Client) -> None:
    kubectl("apply", "-f", "-", input=EXAMPLE)
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=60s")
    pods = api.get("/api/v1/namespaces/default/pods", params={"labelSelector": "agentops.dev/agent=support-agent"})
    running = [p for p in pods.json()["items"] if p["status"].get("phase") == "Running"]
    assert len(running) == 2, json.dumps([p["status"] for p in pods.json()["items"]])[:2000]
    owners: Any = {p["metadata"]["ownerReferences"][0]["kind"] for p in running}
    assert owners == {"ReplicaSet"}
    kubectl("apply", "-f", "-", input=EXAMPLE.replace("never promise refunds", "never promise refunds (v2)"))
    kubectl("wait", "--for=condition=Progressing=False", "agd/support-agent", "--timeout=60s")
    history = api.get("/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/support-agent").json()
    assert [h["number"] for h in history["status"]["history"]] == [1, 2]
