"""The chart's RBAC grants exactly what the operator uses: every request the operator and kopf made
during a full scenario is allowed by the rendered ClusterRoles, and no granted verb goes unused."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_sandbox.standin import ThreadedApiServer
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.chart.rendering import granted, render
from tests.conftest import Kubectl
from tests.operator import routing
from tests.operator.conftest import HEALTHY
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (
    (ROOT / "examples" / "support-agent.yaml").read_text().replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 0")
)
OPERATOR_CLIENTS = {"agentops-operator", "kopf"}


def test_chart_rbac_matches_operator_requests(
    kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, cluster: ThreadedApiServer
) -> None:
    metrics = StaticMetrics()
    for signal, value in HEALTHY.items():
        metrics.set_value(signal, "*", value)
    metrics.set_sessions("*", 100)
    operator = RunningOperator(kubeconfig, metrics=metrics).start()
    try:
        _scenario(kubectl, api, metrics)
    finally:
        operator.stop()
    requests = cluster.call(lambda s: dict(s.routes.requests) if s.routes else {})
    used = {(group, resource, verb) for (client, verb, group, resource) in requests if client in OPERATOR_CLIENTS}
    # Cluster-wide with both routers on (the scenario uses them); it sends no notifications, and
    # Secret reads are bound in no namespace.
    allowed = granted(render({"clusterWide": True, "trafficRouting": {"gatewayAPI": True, "istio": True}}))
    assert used - allowed == set(), f"the chart does not grant: {sorted(used - allowed)}"
    # A prompt ConfigMap is read with a GET only when the operator's watch has not reported it yet
    # (it depends on which watch event comes first): granted, but not always used.
    # The operator holds get on AgentEvaluations only so that the runner's Role may grant it.
    sometimes = {("", "configmaps", "get"), ("agentops.dev", "agentevaluations", "get")}
    assert allowed - used - sometimes == set(), f"the chart grants unused verbs: {sorted(allowed - used)}"


def _scenario(kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics) -> None:
    kubectl("apply", "-f", "-", input=EXAMPLE)
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    kubectl("apply", "-f", "-", input=EXAMPLE.replace("never promise refunds", "never promise refunds (v2)"))
    kubectl("wait", "--for=condition=Progressing=False", "agd/support-agent", "--timeout=30s")
    kubectl("apply", "-f", "-", input=EXAMPLE.replace("never promise refunds", "never promise refunds (v3)"))
    eventually(lambda: len(api.get("/apis/apps/v1/namespaces/default/deployments").json()["items"]) == 2)
    kubectl("apply", "-f", str(ROOT / "examples" / "support-agent-prompt-configmap.yaml"))
    kubectl("wait", "--for=condition=Ready", "agd/triage-agent", "--timeout=30s")
    # Progressive rollouts through both routers, with a manual promote (annotation removal).
    routing.install(api)
    for name, traffic in (
        ("gw-agent", {"gatewayAPI": {"httpRouteName": "support"}}),
        ("mesh-agent", {"istio": {"virtualServiceName": "support"}}),
    ):
        agent = yaml.safe_load(EXAMPLE)
        agent["metadata"]["name"] = name
        agent["spec"]["rollout"] = {"trafficRouting": traffic, "steps": [{"pause": {}}]}
        kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
        kubectl("wait", "--for=condition=Ready", f"agd/{name}", "--timeout=30s")
        agent["spec"]["prompt"]["system"] += " (v2)"
        kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
        kubectl("wait", "--for=condition=Paused", f"agd/{name}", "--timeout=30s")
        kubectl("annotate", "agd", name, "agentops.dev/promote=full")
        kubectl("wait", "--for=condition=Progressing=False", f"agd/{name}", "--timeout=30s")

    # An incident: an AgentIncident record is created and updated.
    metrics.set_value("safety-violations", "*", 1)
    agent = yaml.safe_load(EXAMPLE)
    agent["metadata"]["name"] = "risky-agent"
    agent["spec"]["monitoring"] = {"intervalSeconds": 1}
    kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
    eventually(lambda: api.get("/apis/agentops.dev/v1alpha1/namespaces/default/agentincidents").json()["items"])

    # The evaluation gate: the operator makes the run's objects; its runner's results (written as
    # admin here) get the operator's verdict, and the revision serves.
    agent = yaml.safe_load(EXAMPLE)
    agent["metadata"]["name"] = "gated-agent"
    suite = {"name": "s", "dataset": {"inline": [{"input": "x", "contains": ["y"]}]}, "scorers": [{"type": "contains"}]}
    agent["spec"]["evaluation"] = {"suites": [suite], "target": {"openai": {"model": "m"}}}
    kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
    runs = "/apis/agentops.dev/v1alpha1/namespaces/default/agentevaluations"
    run = eventually(lambda: api.get(runs).json()["items"])[0]["metadata"]["name"]
    results = {"status": {"finishedAt": "2026-01-01T00:00:00Z", "passed": 40, "failed": 0, "errors": 0}}
    headers = {"Content-Type": "application/merge-patch+json"}
    api.patch(f"{runs}/{run}/status", json=results, headers=headers).raise_for_status()
    kubectl("wait", "--for=condition=Ready", "agd/gated-agent", "--timeout=30s")
