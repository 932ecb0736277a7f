"""Integration: progressive rollouts run by the real operator against the API stand-in.

Routers are real routing objects (Gateway API HTTPRoute, Istio VirtualService, their CRDs
installed with schemas the tests write); the analysis reads an in-process metric provider whose
numbers the tests set (the Prometheus provider is tested in its own issue).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl
from tests.operator import routing
from tests.waiting import after_reconciles, eventually

ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
AGENT = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/support-agent"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
CHECKS = [{"name": "session-success-rate", "min": 0.9}, {"name": "cost-per-session", "maxRatioToStable": 1.5}]


@pytest.fixture
def metrics() -> StaticMetrics:
    provider = StaticMetrics()
    provider.set_value("session-success-rate", "*", 0.95)
    provider.set_value("cost-per-session", "*", 0.02)
    provider.set_sessions("*", 200)
    return provider


@pytest.fixture
def running(kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, metrics: StaticMetrics) -> Iterator[RunningOperator]:
    routing.install(api)
    operator = RunningOperator(kubeconfig, metrics=metrics).start()
    try:
        yield operator
    finally:
        operator.stop()


def manifest(rollout: dict[str, Any], prompt_suffix: str = "", replicas: int = 2) -> str:
    agent = yaml.safe_load(yaml.safe_dump(BASE))
    agent["spec"]["rollout"] = rollout
    agent["spec"]["replicas"] = replicas
    agent["spec"]["prompt"]["system"] += prompt_suffix
    return yaml.safe_dump(agent)


def status(api: httpx.Client) -> dict[str, Any]:
    return api.get(AGENT).json().get("status", {})  # type: ignore[no-any-return]


def condition(api: httpx.Client, kind: str) -> dict[str, Any]:
    return next((c for c in status(api).get("conditions", []) if c["type"] == kind), {})


def deploy_v1_then_v2(kubectl: Kubectl, rollout: dict[str, Any], replicas: int = 2) -> None:
    kubectl("apply", "-f", "-", input=manifest(rollout, replicas=replicas))
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    kubectl("apply", "-f", "-", input=manifest(rollout, " Be brief.", replicas=replicas))


def record_until(sample: Any, done: Any, timeout: float = 40) -> list[Any]:
    """Poll `sample()` and keep each distinct value in order until `done()`."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = sample()
        if not seen or seen[-1] != value:
            seen.append(value)
        if done():
            return seen
        time.sleep(0.02)
    raise AssertionError(f"did not finish; saw {seen}")


def promoted(api: httpx.Client, number: int = 2) -> bool:
    current = status(api)
    return (current.get("stableRevision") or {}).get("number") == number and not current.get("rollout")


def test_healthy_canary_walks_every_step_on_gateway_api(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    rollout = {
        "trafficRouting": {"gatewayAPI": {"httpRouteName": "support", "ruleName": "chat"}},
        "sessionAffinity": {"header": "x-session-id"},
        "analysis": {"intervalSeconds": 1, "minSessions": 10, "failureLimit": 2, "checks": CHECKS},
        "steps": [
            {"shadow": {"percent": 50, "durationSeconds": 1}},
            {"canary": {"weight": 20, "durationSeconds": 1}},
            {"ramp": {"fromWeight": 40, "toWeight": 60, "stepWeight": 20, "intervalSeconds": 1}},
        ],
    }
    deploy_v1_then_v2(kubectl, rollout)
    seen = record_until(lambda: routing.gateway_traffic(api), lambda: promoted(api))
    assert [s[:3] for s in seen if s[:3] != (100, 0, 0)] == [(100, 0, 50), (80, 20, 0), (60, 40, 0), (40, 60, 0)]
    assert routing.gateway_traffic(api) == (100, 0, 0, "Header")
    final = status(api)
    assert final["summary"] == "Healthy" and [h["outcome"] for h in final["history"]] == ["Superseded", "Stable"]
    services = {
        s["metadata"]["name"]: s["spec"]["selector"].get("agentops.dev/revision")
        for s in api.get("/api/v1/namespaces/default/services").json()["items"]
        if s["metadata"]["name"].startswith("support-agent")  # a real cluster has `kubernetes` here too
    }
    new = final["stableRevision"]["hash"]
    assert services["support-agent"] == services["support-agent-stable"] == services["support-agent-canary"] == new
    events = api.get(
        "/api/v1/namespaces/default/events", params={"fieldSelector": "involvedObject.name=support-agent"}
    ).json()["items"]
    assert {"StepStarted", "Promoted"} <= {e["reason"] for e in events}


def test_istio_weights_and_mirror(running: RunningOperator, kubectl: Kubectl, api: httpx.Client) -> None:
    rollout = {
        "trafficRouting": {"istio": {"virtualServiceName": "support", "routeName": "chat"}},
        "steps": [{"shadow": {"percent": 30, "durationSeconds": 1}}, {"canary": {"weight": 25, "durationSeconds": 1}}],
    }
    deploy_v1_then_v2(kubectl, rollout)
    seen = record_until(lambda: routing.istio_traffic(api), lambda: promoted(api))
    assert [s for s in seen if s != (100, 0, 0.0)] == [(100, 0, 30.0), (75, 25, 0.0)]


def test_failing_canary_aborts_with_weight_zero_and_names_the_check(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    rollout = {
        "trafficRouting": {"gatewayAPI": {"httpRouteName": "support", "ruleName": "chat"}},
        "analysis": {"intervalSeconds": 1, "minSessions": 10, "failureLimit": 2, "checks": CHECKS},
        "steps": [{"canary": {"weight": 30, "durationSeconds": 60}}],
    }
    kubectl("apply", "-f", "-", input=manifest(rollout))
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    kubectl("apply", "-f", "-", input=manifest(rollout, " Be brief."))
    canary = eventually(lambda: (status(api).get("canaryRevision") or {}).get("hash"))
    eventually(lambda: routing.gateway_traffic(api)[1] == 30, message="canary never got 30%")
    metrics.set_value("session-success-rate", canary, 0.6)
    degraded = eventually(lambda: condition(api, "Degraded").get("status") == "True" and condition(api, "Degraded"))
    assert degraded["reason"] == "AnalysisFailed"
    assert "session-success-rate: canary 0.6 < 0.9 (canary 0.6, stable 0.95)" in degraded["message"]
    assert routing.gateway_traffic(api)[:3] == (100, 0, 0)
    final = status(api)
    assert final["summary"] == "Degraded" and final["rollout"]["weight"] == 0
    assert final["stableRevision"]["number"] == 1 and final["history"][-1]["outcome"] == "Failed"
    checks = {c["name"]: c for c in final["rollout"]["lastAnalysis"]["checks"]}
    assert checks["session-success-rate"]["verdict"] == "Fail" and checks["cost-per-session"]["verdict"] == "Pass"


def test_metrics_backend_failure_pauses_and_never_promotes(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    metrics.fail_with("connection refused by prometheus:9090")
    rollout = {
        "trafficRouting": {"gatewayAPI": {"httpRouteName": "support", "ruleName": "chat"}},
        "analysis": {"intervalSeconds": 1, "errorLimit": 2, "checks": CHECKS},
        "steps": [{"canary": {"weight": 10, "durationSeconds": 1}}],
    }
    deploy_v1_then_v2(kubectl, rollout)
    paused = eventually(lambda: condition(api, "Paused").get("status") == "True" and condition(api, "Paused"))
    assert paused["reason"] == "MetricsUnavailable" and "connection refused" in paused["message"]
    step_ends = datetime.fromisoformat(status(api)["rollout"]["stepStartedAt"]).timestamp() + 1
    eventually(lambda: time.time() > step_ends + 0.5, message="clock")
    after_reconciles(2)  # reconciled after the step's duration had passed
    current = status(api)
    assert current["stableRevision"]["number"] == 1 and current["summary"] == "Paused"
    assert routing.gateway_traffic(api)[1] == 10  # held, not promoted, not aborted


def test_restart_resumes_at_the_same_step_and_promote_annotation(
    kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, metrics: StaticMetrics
) -> None:
    routing.install(api)
    rollout = {
        "trafficRouting": {"gatewayAPI": {"httpRouteName": "support", "ruleName": "chat"}},
        "steps": [
            {"canary": {"weight": 20, "durationSeconds": 1}},
            {"pause": {}},
            {"canary": {"weight": 50, "durationSeconds": 1}},
        ],
    }
    first = RunningOperator(kubeconfig, metrics=metrics).start()
    try:
        deploy_v1_then_v2(kubectl, rollout)
        eventually(lambda: condition(api, "Paused").get("reason") == "AwaitingPromotion")
        before = status(api)["rollout"]
    finally:
        first.stop()
    second = RunningOperator(kubeconfig, metrics=metrics).start()
    try:
        after_reconciles(2)  # the restarted operator has reconciled the rollout
        after = status(api)["rollout"]
        assert (after["stepIndex"], after["stepStartedAt"], after["startedAt"]) == (
            before["stepIndex"],
            before["stepStartedAt"],
            before["startedAt"],
        )
        assert routing.gateway_traffic(api)[1] == 20
        kubectl("annotate", "agd", "support-agent", "agentops.dev/promote=step")
        eventually(lambda: routing.gateway_traffic(api)[1] == 50, message="promote did not move to the next step")
        eventually(lambda: promoted(api))
        annotations = api.get(AGENT).json()["metadata"].get("annotations", {})
        assert "agentops.dev/promote" not in annotations
    finally:
        second.stop()


def test_replica_ratio_without_a_router(running: RunningOperator, kubectl: Kubectl, api: httpx.Client) -> None:
    rollout = {"steps": [{"canary": {"weight": 25}}, {"pause": {}}]}
    deploy_v1_then_v2(kubectl, rollout, replicas=4)
    eventually(lambda: condition(api, "Paused").get("reason") == "AwaitingPromotion")
    current = status(api)
    stable, canary = current["stableRevision"]["hash"], current["canaryRevision"]["hash"]
    replicas = {
        d["metadata"]["labels"]["agentops.dev/revision"]: d["spec"]["replicas"]
        for d in api.get(DEPLOYMENTS).json()["items"]
    }
    assert replicas == {stable: 3, canary: 1}
    service = api.get("/api/v1/namespaces/default/services/support-agent").json()
    assert service["spec"]["selector"] == {"agentops.dev/agent": "support-agent"}  # both revisions, by Pod count
    kubectl("annotate", "agd", "support-agent", "agentops.dev/promote=full")
    eventually(lambda: promoted(api))
    replicas = eventually(
        lambda: (
            (
                r := {
                    d["metadata"]["labels"]["agentops.dev/revision"]: d["spec"]["replicas"]
                    for d in api.get(DEPLOYMENTS).json()["items"]
                }
            )
            == {stable: 0, canary: 4}
            and r
        )
    )
    service = api.get("/api/v1/namespaces/default/services/support-agent").json()
    assert service["spec"]["selector"]["agentops.dev/revision"] == canary


def test_shadow_without_router_pauses_with_a_clear_reason(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    deploy_v1_then_v2(kubectl, {"steps": [{"shadow": {"percent": 50, "durationSeconds": 1}}]})
    paused = eventually(lambda: condition(api, "Paused").get("status") == "True" and condition(api, "Paused"))
    assert paused["reason"] == "ShadowNeedsTrafficRouter"


def test_a_sequential_check_aborts_a_surely_worse_canary_and_shows_its_intervals(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, metrics: StaticMetrics
) -> None:
    check = {"name": "session-success-rate", "method": "Sequential", "maxDropVsStable": 0.02}
    rollout = {
        "trafficRouting": {"gatewayAPI": {"httpRouteName": "support", "ruleName": "chat"}},
        "analysis": {"intervalSeconds": 1, "minSessions": 10, "failureLimit": 1, "checks": [check]},
        "steps": [{"canary": {"weight": 30, "durationSeconds": 60}}],
    }
    kubectl("apply", "-f", "-", input=manifest(rollout))
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    kubectl("apply", "-f", "-", input=manifest(rollout, " Be brief."))
    canary = eventually(lambda: (status(api).get("canaryRevision") or {}).get("hash"))
    # The canary gets 30 % of the sessions, as the weight says (else the split check holds the verdict).
    metrics.set_sessions(canary, 857)
    metrics.set_sessions("*", 2000)
    metrics.set_value("session-success-rate", canary, 0.6)
    degraded = eventually(lambda: condition(api, "Degraded").get("status") == "True" and condition(api, "Degraded"))
    assert degraded["reason"] == "AnalysisFailed"
    (result,) = status(api)["rollout"]["lastAnalysis"]["checks"]
    assert result["verdict"] == "Fail" and "vs stable 0.95, margin 0.02 → Fail" in result["reason"]
    lower, upper = result["interval"]
    assert lower < 0.6 < upper and result["vsStable"][1] < -0.02  # stored by the API server as written
