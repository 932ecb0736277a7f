"""Integration: always-on runbooks run by the real operator against the API stand-in, reading an
in-process metric provider whose numbers the tests set per revision. Checks the mitigations a
user would see in the cluster: the controls ConfigMap, the Service's revision, replicas, status
incidents and conditions, Events."""

from __future__ import annotations

import base64
import socket
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl
from tests.operator import routing
from tests.operator.agents import AGENT, controls, open_incidents, status, two_revisions
from tests.waiting import after_reconciles, eventually


def test_cost_spike_throttles_then_resolves_and_lifts(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    _v1, v2 = two_revisions(kubectl, api)
    metrics.set_value("cost-per-session", v2, 0.5)  # 25x v1's baseline
    incident = eventually(lambda: open_incidents(api).get("CostSpike"))
    assert (
        incident["revision"] == v2
        and incident["baseline"] == pytest.approx(0.02)
        and incident["value"] == pytest.approx(0.5)
    )
    assert eventually(lambda: controls(api).get(v2, {}).get("sessionsPerMinute")) == 10
    labels = {"namespace": "default", "agent": "support-agent", "type": "CostSpike", "severity": "error"}
    eventually(lambda: REGISTRY.get_sample_value("agentops_incidents_open", labels) == 1, message="gauge not open")
    assert (REGISTRY.get_sample_value("agentops_incidents_total", labels) or 0) >= 1
    record_path = f"/apis/agentops.dev/v1alpha1/namespaces/default/agentincidents/support-agent-costspike-{v2}"
    record = eventually(lambda: api.get(record_path).json().get("status"))
    timeline = {c["type"]: c["status"] for c in record["conditions"]}
    taken = api.get(record_path).json()["spec"]["actionsTaken"]
    assert [a["action"] for a in taken] == ["Throttle", "Notify"] and all(
        a["time"] == incident["detectedAt"] for a in taken
    )
    assert timeline == {"Detected": "True", "Mitigated": "True", "Resolved": "False"}
    owner = api.get(record_path).json()["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "AgentDeployment" and owner["name"] == "support-agent"
    incident_events = api.get(
        "/api/v1/namespaces/default/events", params={"fieldSelector": "involvedObject.kind=AgentIncident"}
    )
    assert [e["reason"] for e in incident_events.json()["items"]] == ["CostSpike"]
    header = kubectl("get", "agi").stdout.splitlines()[0].split()
    assert header == ["NAME", "AGENT", "TYPE", "SEVERITY", "REVISION", "RESOLVED", "OCCURRENCES", "AGE"]
    metrics.set_value("cost-per-session", v2, 0.02)
    eventually(lambda: "CostSpike" not in open_incidents(api), message="did not resolve")
    eventually(lambda: v2 not in controls(api), message="throttle not lifted")
    # metrics are recorded after the cluster and the status are written
    eventually(lambda: REGISTRY.get_sample_value("agentops_incidents_open", labels) == 0, message="gauge still open")
    resolved = eventually(
        lambda: (
            {c["type"]: c["status"] for c in api.get(record_path).json()["status"]["conditions"]}["Resolved"] == "True"
        )
    )
    assert resolved

    def agent_events() -> set[str]:
        selector = {"fieldSelector": "involvedObject.name=support-agent"}
        return {e["reason"] for e in api.get("/api/v1/namespaces/default/events", params=selector).json()["items"]}

    # Events are posted after the status is written.
    eventually(lambda: {"CostSpike", "CostSpikeResolved"} <= agent_events(), message="no Events")


def test_prompt_leak_rolls_back_to_the_last_good_revision(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    # A receiver that accepts connections and never answers: its retries must not hold up the rollback.
    black_hole = socket.socket()
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(16)
    url = f"http://127.0.0.1:{black_hole.getsockname()[1]}/hook"
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "hook"},
        "data": {"url": base64.b64encode(url.encode()).decode()},
    }
    assert api.post("/api/v1/namespaces/default/secrets", json=secret).status_code == 201
    receivers = [{"name": "stuck", "type": "Webhook", "secretRef": {"name": "hook", "key": "url"}}]
    v1, v2 = two_revisions(kubectl, api, notifications=receivers)
    metrics.set_value("prompt-leaks", v2, 3)
    leaked_at = time.monotonic()
    eventually(lambda: status(api)["stableRevision"]["hash"] == v1, message="no rollback")
    assert time.monotonic() - leaked_at < 5, "the rollback waited for the stuck receiver"
    black_hole.close()
    current = status(api)
    assert (
        current["hold"]["revision"] == v2
        and current["hold"]["reason"] == "PromptLeak"
        and current["summary"] == "Degraded"
    )
    degraded = next(c for c in current["conditions"] if c["type"] == "Degraded")
    assert degraded["status"] == "True" and degraded["reason"] == "PromptLeak"
    service = api.get("/api/v1/namespaces/default/services/support-agent").json()
    assert service["spec"]["selector"]["agentops.dev/revision"] == v1
    replicas = eventually(
        lambda: (
            (
                r := {
                    d["metadata"]["labels"]["agentops.dev/revision"]: d["spec"]["replicas"]
                    for d in api.get("/apis/apps/v1/namespaces/default/deployments").json()["items"]
                }
            )
            == {v1: 2, v2: 0}
            and r
        )
    )
    assert replicas
    spec = api.get(AGENT).json()["spec"]
    assert "Be brief." in spec["prompt"]["system"]  # the spec is never edited


def replicas(api: httpx.Client) -> dict[str, int]:
    return {
        d["metadata"]["labels"]["agentops.dev/revision"]: d["spec"]["replicas"]
        for d in api.get("/apis/apps/v1/namespaces/default/deployments").json()["items"]
    }


def test_safety_violation_blocks_the_revision(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    v1, v2 = two_revisions(kubectl, api)
    metrics.set_value("safety-violations", v2, 1)
    eventually(lambda: controls(api).get(v2, {}).get("mode") == "blocked", message="not blocked")
    eventually(lambda: status(api)["stableRevision"]["hash"] == v1, message="blocked revision still in traffic")
    eventually(lambda: replicas(api) == {v1: 2, v2: 0}, message="blocked revision still running")
    assert status(api)["hold"]["reason"] == "SafetyViolation" and "SafetyViolation" in open_incidents(api)


def test_rollback_re_creates_the_last_good_revision_when_its_deployment_was_deleted(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    v1, v2 = two_revisions(kubectl, api)
    eventually(lambda: replicas(api) == {v1: 0, v2: 2})
    kubectl("delete", "deployment", f"support-agent-{v1}")
    eventually(lambda: v1 not in replicas(api), message="not deleted")
    metrics.set_value("prompt-leaks", v2, 1)
    eventually(lambda: replicas(api) == {v1: 2, v2: 0}, message="v1 not re-created")
    kubectl("wait", "--for=condition=Available", f"deployment/support-agent-{v1}", "--timeout=30s")
    service = api.get("/api/v1/namespaces/default/services/support-agent").json()
    assert service["spec"]["selector"]["agentops.dev/revision"] == v1
    assert eventually(lambda: status(api)["stableRevision"]["hash"] == v1)


def test_hallucination_moves_the_revision_to_mirrored_traffic_and_back(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    routing.install(api)
    gateway = {"trafficRouting": {"gatewayAPI": {"httpRouteName": "support", "ruleName": "chat"}}}
    v1, v2 = two_revisions(kubectl, api, rollout=gateway)
    assert routing.gateway_traffic(api)[:3] == (100, 0, 0)
    metrics.set_value("grounding-score", v2, 0.2)
    eventually(lambda: routing.gateway_traffic(api)[:3] == (100, 0, 100), message="no mirror to the revision")
    current = eventually(lambda: (s := status(api)).get("hold") and s)  # the cluster changes first, then status
    assert current["stableRevision"]["hash"] == v1 and current["hold"]["mirrorPercent"] == 100
    services = "/api/v1/namespaces/default/services"
    assert api.get(f"{services}/support-agent-stable").json()["spec"]["selector"]["agentops.dev/revision"] == v1
    assert api.get(f"{services}/support-agent-canary").json()["spec"]["selector"]["agentops.dev/revision"] == v2
    assert controls(api)[v2]["mode"] == "shadow" and replicas(api) == {v1: 2, v2: 2}
    assert current["summary"] == "Degraded"
    metrics.set_value("grounding-score", v2, 0.9)  # its mirrored sessions are grounded again
    eventually(lambda: status(api)["stableRevision"]["hash"] == v2, message="did not return to live traffic")
    eventually(lambda: routing.gateway_traffic(api)[:3] == (100, 0, 0) and replicas(api) == {v1: 0, v2: 2})
    assert v2 not in controls(api) and "hold" not in status(api)
    assert eventually(lambda: status(api)["summary"] == "Healthy")


def test_tool_abuse_rate_limits_tools_and_budget_throttles(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    _, v2 = two_revisions(kubectl, api, budget={"maxCostPerHourUSD": 5, "throttleSessionsPerMinute": 3})
    metrics.set_value("tool-calls-per-session", v2, 9)  # 4.5x v1
    limits = eventually(lambda: controls(api).get(v2, {}).get("toolRateLimits"))
    assert limits == {"search_kb": 30, "get_order": 30, "create_ticket": 30}
    metrics.set_value("cost-per-hour", v2, 12)
    eventually(lambda: controls(api).get(v2, {}).get("sessionsPerMinute") == 3, message="budget did not throttle")


def test_restart_during_an_incident_creates_no_duplicate(
    kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, metrics: StaticMetrics
) -> None:
    first = RunningOperator(kubeconfig, metrics=metrics).start()
    try:
        _, v2 = two_revisions(kubectl, api)
        metrics.set_value("cost-per-session", v2, 0.5)
        detected = eventually(lambda: open_incidents(api).get("CostSpike"))
    finally:
        first.stop()
    second = RunningOperator(kubeconfig, metrics=metrics).start()
    try:
        after_reconciles(3)  # the restarted operator has looked at the incident again and again
        incidents = [i for i in status(api)["incidents"] if i["type"] == "CostSpike"]
        assert len(incidents) == 1 and incidents[0]["detectedAt"] == detected["detectedAt"]
    finally:
        second.stop()
