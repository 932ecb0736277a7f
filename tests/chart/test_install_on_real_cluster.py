"""The chart, installed for real (Helm's install, through helm-python-sdk) into the real control
plane, CRDs included; then the operator is started the way the chart's Deployment starts it (its
arguments and environment) with its ServiceAccount's token, so every request it makes is authorized
by the chart's own RBAC on a real API server: a missing verb fails here for real, and so does a
right the chart should not give. Agents are rolled out through a real Deployment -> ReplicaSet ->
Pod chain (Pods played by kwok).

Two installs: the default (the operator manages its own namespace only, reads Secrets there, has
no router rights) and cluster-wide (agents everywhere, Secrets only where a namespace grants it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as helm
import httpx
import pytest
import yaml

from agentops_sandbox.testing import LocalControlPlane
from tests.conftest import Kubectl, Receiver, secret
from tests.kube import RealServer
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "agentops-operator"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
AGENTS = "/apis/agentops.dev/v1alpha1/namespaces/{}/agentdeployments"
EXAMPLE = (ROOT / "examples" / "support-agent.yaml").read_text()


@pytest.fixture
def real(control_plane: LocalControlPlane) -> Iterator[RealServer]:
    server = RealServer(control_plane)
    with server.client(timeout=30) as api:  # the chart brings the CRDs itself
        ours = ("agentdeployments.agentops.dev", "agentincidents.agentops.dev", "agentevaluations.agentops.dev")
        for name in ours:
            api.delete(f"{CRDS}/{name}")
        eventually(lambda: all(api.get(f"{CRDS}/{n}").status_code == 404 for n in ours))
    try:
        yield server
    finally:
        server.reset()


@dataclass
class Installed:
    kubectl: Kubectl
    api: httpx.Client
    log: Path

    def forbidden(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if "forbidden" in line.lower()]


@contextmanager
def operator_under_chart(
    real: RealServer, control_plane: LocalControlPlane, tmp_path: Path, namespace: str, values: dict[str, Any]
) -> Iterator[Installed]:
    """Helm-installs the chart into `namespace`, then runs the operator as its Deployment would, with
    its ServiceAccount's token; stops and uninstalls on the way out."""
    config = helm.Config(kubeconfig_path=control_plane.kubeconfig, namespace=namespace)
    release = config.install(str(CHART), "agentops", values, namespace=namespace, create_namespace=True, timeout=120)
    assert release["status"] == "deployed"
    try:
        with real.client(timeout=10) as api:
            argv, env, account = _operator_command(api, namespace)
            kubeconfig = control_plane.token_kubeconfig(
                tmp_path / "operator.kubeconfig", _token(api, namespace, account)
            )
            log = tmp_path / "operator.log"
            with log.open("wb") as out:
                operator = subprocess.Popen(
                    [*argv, f"--kubeconfig={kubeconfig}"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, **env},
                )
            try:
                yield Installed(Kubectl(control_plane.kubeconfig, tmp_path / "kubectl-cache"), api, log)
            finally:
                operator.terminate()
                operator.wait(timeout=30)
    finally:
        config.uninstall("agentops", timeout=60)


def _operator_command(api: httpx.Client, namespace: str) -> tuple[list[str], dict[str, str], str]:
    deployment = api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/agentops-agentops-operator").json()
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value", "") for e in container.get("env", [])}
    env.update(POD_NAME="agentops-operator-test", POD_NAMESPACE=namespace)
    local = ["--metrics-port=0", "--liveness-port=0"]  # on this machine: no ports beyond 127.0.0.1
    return (
        [str(Path(sys.executable).parent / "agentops-operator"), *container["args"], *local],
        env,
        pod["serviceAccountName"],
    )


def _token(api: httpx.Client, namespace: str, account: str) -> str:
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}}
    response = api.post(f"/api/v1/namespaces/{namespace}/serviceaccounts/{account}/token", json=request)
    assert response.status_code == 201, response.text
    token: str = response.json()["status"]["token"]
    return token


def _agent(namespace: str, name: str = "support-agent", **spec: Any) -> dict[str, Any]:
    agent = yaml.safe_load(EXAMPLE)
    agent["metadata"] = {"name": name, "namespace": namespace}
    agent["spec"].update(spec)
    return agent


def _hooked(namespace: str, receiver: str, api: httpx.Client) -> dict[str, Any]:
    """An agent whose Webhook receiver (its URL in a Secret of the agent's namespace) hears its rollouts."""
    secret(api, "hook", f"{receiver}/{namespace}", namespace=namespace)
    hook = {"name": "hook", "type": "Webhook", "secretRef": {"name": "hook", "key": "value"}}
    return _agent(
        namespace,
        notifications=[{**hook, "on": ["Rollouts"], "minSeverity": "info"}],
        rollout={"steps": [{"canary": {"weight": 50, "durationSeconds": 1}}]},
    )


def _roll_out_two_revisions(kubectl: Kubectl, api: httpx.Client, agents: list[dict[str, Any]]) -> None:
    for agent in agents:
        kubectl("apply", "-f", "-", input=json.dumps(agent))
    for agent in agents:
        ns, name = agent["metadata"]["namespace"], agent["metadata"]["name"]
        kubectl("wait", "-n", ns, "--for=condition=Ready", f"agd/{name}", "--timeout=60s")
        pods = api.get(f"/api/v1/namespaces/{ns}/pods", params={"labelSelector": f"agentops.dev/agent={name}"})
        running = [p for p in pods.json()["items"] if p["status"].get("phase") == "Running"]
        assert len(running) == 2, json.dumps([p["status"] for p in pods.json()["items"]])[:2000]
        assert {p["metadata"]["ownerReferences"][0]["kind"] for p in running} == {"ReplicaSet"}
    for agent in agents:
        agent["spec"]["prompt"]["system"] += " (v2)"
        kubectl("apply", "-f", "-", input=json.dumps(agent))
    for agent in agents:
        ns, name = agent["metadata"]["namespace"], agent["metadata"]["name"]
        kubectl("wait", "-n", ns, "--for=condition=Progressing=False", f"agd/{name}", "--timeout=60s")
        history = api.get(f"{AGENTS.format(ns)}/{name}").json()["status"]["history"]
        assert [h["number"] for h in history] == [1, 2]


def _promoted_heard_by(path: str) -> bool:
    return any(p == path and b.get("event") == "Promoted" for p, b in Receiver.received)


@pytest.mark.kube_only
@pytest.mark.timeout(240)
def test_by_default_the_operator_manages_its_own_namespace_with_the_charts_rights(
    real: RealServer, control_plane: LocalControlPlane, tmp_path: Path, receiver: str
) -> None:
    namespace = "agentops-system"
    # Leader election on: the Lease rights are limited to the operator's own Lease by name.
    with operator_under_chart(real, control_plane, tmp_path, namespace, {"leaderElection": {"enabled": True}}) as it:
        stray = _agent("default", "stray-agent")  # outside the operator's namespace: not its business
        it.kubectl("apply", "-f", "-", input=json.dumps(stray))
        routed = _agent(namespace, "routed-agent", rollout={"trafficRouting": {"gatewayAPI": {"httpRouteName": "r"}}})
        it.kubectl("apply", "-f", "-", input=json.dumps(routed))
        # The evaluation gate: under the chart's rights the operator creates the run, its Job, and the
        # runner's ServiceAccount and Role (RBAC lets it grant only what it holds itself).
        suite = {"name": "s", "dataset": {"inline": [{"input": "hi", "contains": ["hello"]}]}, "minCases": 1,
                 "scorers": [{"type": "contains"}]}  # fmt: skip
        gated = _agent(namespace, "gated-agent", evaluation={"suites": [suite], "target": {"openai": {"model": "m"}}})
        it.kubectl("apply", "-f", "-", input=json.dumps(gated))
        _roll_out_two_revisions(it.kubectl, it.api, [_hooked(namespace, receiver, it.api)])
        eventually(lambda: _promoted_heard_by(f"/{namespace}"), message=f"no Promoted notice: {Receiver.received}")
        # No router rights unless enabled: the agent says so, and how to grant them.
        it.kubectl("wait", "-n", namespace, "--for=condition=Ready=False", "agd/routed-agent", "--timeout=60s")
        (ready,) = [
            c
            for c in it.api.get(f"{AGENTS.format(namespace)}/routed-agent").json()["status"]["conditions"]
            if c["type"] == "Ready"
        ]
        assert ready["reason"] == "TrafficRoutingFailed", ready
        assert "may not get HTTPRoute" in ready["message"] and "trafficRouting.gatewayAPI=true" in ready["message"]
        assert "status" not in it.api.get(f"{AGENTS.format('default')}/stray-agent").json()
        jobs = f"/apis/batch/v1/namespaces/{namespace}/jobs"
        job = eventually(
            lambda: it.api.get(jobs, params={"labelSelector": "agentops.dev/agent=gated-agent"}).json()["items"]
        )
        assert job[0]["spec"]["template"]["spec"]["serviceAccountName"] == "gated-agent-eval"
        role = it.api.get(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/gated-agent-eval").json()
        assert role["rules"][0]["resourceNames"] == [job[0]["metadata"]["name"]]
        unexpected = [line for line in it.forbidden() if "httproutes" not in line]
        assert unexpected == [], "the chart's RBAC refused the operator:\n" + "\n".join(unexpected[:10])


@pytest.mark.kube_only
@pytest.mark.timeout(240)
def test_cluster_wide_the_operator_reads_secrets_only_where_a_namespace_allows(
    real: RealServer, control_plane: LocalControlPlane, tmp_path: Path, receiver: str
) -> None:
    with real.client(timeout=10) as api:
        for namespace in ("team-a", "team-b"):
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
            assert api.post("/api/v1/namespaces", json=body).status_code == 201
    values = {"clusterWide": True, "notifications": {"secretNamespaces": ["team-a"]}}
    with operator_under_chart(real, control_plane, tmp_path, "agentops-cluster", values) as it:
        agents = [_hooked(namespace, receiver, it.api) for namespace in ("team-a", "team-b")]
        _roll_out_two_revisions(it.kubectl, it.api, agents)
        eventually(lambda: _promoted_heard_by("/team-a"), message=f"no Promoted notice: {Receiver.received}")
        hook = eventually(
            lambda: (
                it.api.get(f"{AGENTS.format('team-b')}/support-agent").json()["status"].get("receivers", {}).get("hook")
            )
        )
        assert hook["lastError"].startswith('the operator may not get Secret "hook" in namespace "team-b": grant it')
        assert not _promoted_heard_by("/team-b")
        unexpected = [line for line in it.forbidden() if "team-b" not in line]
        assert unexpected == [], "the chart's RBAC refused the operator:\n" + "\n".join(unexpected[:10])
