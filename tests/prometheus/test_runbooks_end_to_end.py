"""End to end, per default incident: the operator on each API server (the real control plane and the
stand-in), a real Prometheus scraping
real SDK exporters (one per revision), the second revision producing the bad signal, and the
mitigation observed in the cluster. Prints the time from the bad signal being visible in
Prometheus to the mitigation being in the cluster."""

from __future__ import annotations

import asyncio
import io
import json
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry

import agentops_sdk
from agentops_operator.adapters.metrics.prometheus import PrometheusProvider
from agentops_operator.engine.measurements import SignalQuery
from agentops_sandbox.testing.operator_thread import RunningOperator
from agentops_sandbox.testing.prometheus import LocalPrometheus, serve_metrics
from tests.conftest import Kubectl, Receiver, secret
from tests.operator import routing
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
PROMPT = (
    "You are the support assistant of Acme. Answer from the knowledge base only and never promise refunds to anyone."
)


def session(agent: agentops_sdk.Agent, bad: str | None) -> None:
    with agent.session() as s:
        big = bad == "CostSpike"
        s.llm_call(tokens_in=10_000 if big else 100, tokens_out=5_000 if big else 50, latency_s=0.2)
        for _ in range(10 if bad == "ToolAbuse" else 2):
            s.call_tool("search_kb", lambda: None)
        s.grounding(0.2 if bad == "HallucinationSurge" else 0.9)
        if bad == "SafetyViolation":
            s.safety_violation("harm")
        s.check_output(PROMPT if bad == "PromptLeak" else "Your order ships tomorrow.")


class Traffic:
    """Runs sessions against an SDK agent on a thread, ~40 per second, until stopped."""

    def __init__(self, agent: agentops_sdk.Agent, bad: str | None) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(agent, bad), daemon=True)
        self.thread.start()

    def _run(self, agent: agentops_sdk.Agent, bad: str | None) -> None:
        while not self.stop.wait(0.025):
            session(agent, bad)


def exporter(name: str, revision: str, bundle_dir: Path) -> tuple[agentops_sdk.Agent, str]:
    registry = CollectorRegistry()
    _, port = serve_metrics(registry)
    agent = agentops_sdk.init(
        name=name,
        namespace="default",
        revision=revision,
        bundle_path=bundle_dir,
        controls_path=bundle_dir,
        registry=registry,
        log_stream=io.StringIO(),
        start_exporter=False,
    )
    return agent, f"127.0.0.1:{port}"


class Seen:
    """What a user sees of one agent in the cluster: the Service's revision, the HTTPRoute's
    (stable weight, canary weight, mirror percent) and the controls ConfigMap, per revision."""

    def __init__(self, api: httpx.Client, name: str) -> None:
        services = "/api/v1/namespaces/default/services"
        self.serving = api.get(f"{services}/{name}").json()["spec"]["selector"].get("agentops.dev/revision")
        shadow_arm = api.get(f"{services}/{name}-canary")
        self.canary_service = (
            shadow_arm.json()["spec"]["selector"].get("agentops.dev/revision")
            if shadow_arm.status_code == 200
            else None
        )
        self.route = routing.gateway_traffic(api, agent=name, route=name)[:3]
        config_map = api.get(f"/api/v1/namespaces/default/configmaps/{name}-controls")
        self.controls: dict[str, Any] = (
            json.loads(config_map.json()["data"]["controls.json"])["revisions"] if config_map.status_code == 200 else {}
        )


EXPECTED: dict[str, Callable[[Seen, str, str], bool]] = {
    "PromptLeak": lambda seen, v1, v2: seen.serving == v1 and seen.route == (100, 0, 0),
    "SafetyViolation": lambda seen, v1, v2: seen.serving == v1 and seen.controls.get(v2, {}).get("mode") == "blocked",
    "HallucinationSurge": lambda seen, v1, v2: (
        seen.serving == v1
        and seen.route == (100, 0, 100)
        and seen.canary_service == v2
        and seen.controls.get(v2, {}).get("mode") == "shadow"
    ),
    "CostSpike": lambda seen, v1, v2: seen.controls.get(v2, {}).get("sessionsPerMinute") == 10,
    "ToolAbuse": lambda seen, v1, v2: seen.controls.get(v2, {}).get("toolRateLimits", {}).get("search_kb") == 30,
}
SIGNAL = {
    "PromptLeak": "prompt-leaks",
    "SafetyViolation": "safety-violations",
    "HallucinationSurge": "grounding-score",
    "CostSpike": "cost-per-session",
    "ToolAbuse": "tool-calls-per-session",
}


def visible(prometheus: LocalPrometheus, name: str, v1: str, v2: str, incident: str) -> bool:
    """Whether Prometheus already shows the bad signal for v2 over the monitoring window."""
    signal = SIGNAL[incident]
    query = SignalQuery(
        key=signal,
        signal=signal,
        promql=None,
        namespace="default",
        agent=name,
        revisions=(v2, v1),
        window_seconds=2,
        backend_url=None,
    )

    async def measure() -> Any:
        provider = PrometheusProvider(prometheus.url)
        try:
            return await provider.read(query)
        finally:
            await provider.close()

    samples = asyncio.run(measure())
    bad, good = samples[v2].value, samples[v1].value
    if bad is None or math.isnan(bad):
        return False
    return {
        "PromptLeak": bad > 0,
        "SafetyViolation": bad > 0,
        "HallucinationSurge": bad < 0.5,
        "CostSpike": good is not None and bad > 10 * good,
        "ToolAbuse": good is not None and bad > 3 * good,
    }[incident]


@pytest.mark.parametrize("incident", list(EXPECTED))
def test_default_runbook_end_to_end(
    incident: str,
    prometheus: LocalPrometheus,
    api: httpx.Client,
    kubeconfig: Path,
    kubectl: Kubectl,
    tmp_path: Path,
    receiver: str,
) -> None:
    name = f"agent-{incident.lower()}"
    kubectl("apply", "-f", str(ROOT / "crds"))
    kubectl(
        "wait",
        "--for=condition=Established",
        "crd/agentdeployments.agentops.dev",
        "crd/agentincidents.agentops.dev",
        "--timeout=10s",
    )
    routing.install(api, route_name=name, backend=name)
    secret(api, "slack", f"{receiver}/slack")
    secret(api, "hook", f"{receiver}/hook")
    secret(api, "pagerduty", "routing-key")
    agent = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    agent["metadata"]["name"] = name
    agent["spec"]["prompt"]["system"] = PROMPT
    agent["spec"]["model"]["pricing"] = {"inputPerMillionTokensUSD": 1, "outputPerMillionTokensUSD": 2}
    agent["spec"]["monitoring"] = {"intervalSeconds": 2, "cooldownSeconds": 0}
    agent["spec"]["rollout"] = {"trafficRouting": {"gatewayAPI": {"httpRouteName": name, "ruleName": "chat"}}}
    agent["spec"]["notifications"] = [
        {"name": kind.lower(), "type": kind, "secretRef": {"name": kind.lower(), "key": "value"}, "minSeverity": "info"}
        for kind in ("Slack", "Webhook", "PagerDuty")
    ]
    agent["spec"]["notifications"][1]["secretRef"]["name"] = "hook"
    path = f"/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/{name}"
    provider = PrometheusProvider(prometheus.url)
    operator = RunningOperator(kubeconfig, metrics=provider, pagerduty_url=f"{receiver}/pagerduty").start()
    traffic: list[Traffic] = []
    try:
        kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
        kubectl("wait", "--for=condition=Ready", f"agd/{name}", "--timeout=30s")
        v1 = api.get(path).json()["status"]["stableRevision"]["hash"]
        bundle = tmp_path / "bundle"
        bundle.mkdir()
        (bundle / "bundle.json").write_text(
            json.dumps(
                {
                    "model": agent["spec"]["model"],
                    "prompt": {"system": PROMPT},
                    "tools": [{"name": "search_kb", "sideEffects": "None"}],
                }
            )
        )
        healthy, first_target = exporter(name, v1, bundle)
        prometheus.scrape([first_target])
        prometheus.scraped_since([first_target], time.time() - 1)  # the series are scraped at zero first
        traffic.append(Traffic(healthy, None))
        # The runbook compares v2 with v1's recorded values: wait until v1 has one for this incident's signal
        # (each signal is recorded once it has its runbook's minimum sessions; ToolAbuse needs 10, CostSpike 5).
        wanted = {"cost-per-session", SIGNAL[incident]}
        eventually(
            lambda: wanted <= set(api.get(path).json()["status"].get("baselines", {}).get(v1, {})),
            timeout=40,
            message=f"no baseline of {sorted(wanted)} for v1",
        )
        agent["spec"]["prompt"]["system"] = PROMPT + " Be brief."
        kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))
        v2 = eventually(lambda: (h := api.get(path).json()["status"]["stableRevision"]["hash"]) != v1 and h)
        bad, second_target = exporter(name, v2, bundle)
        prometheus.scrape([first_target, second_target])
        prometheus.scraped_since([second_target], time.time() - 1)  # the new series are scraped at zero first
        traffic.append(Traffic(bad, incident))
        shown = eventually(
            lambda: visible(prometheus, name, v1, v2, incident) and time.monotonic(),
            timeout=30,
            message="never visible",
        )
        try:
            mitigated = eventually(
                lambda: EXPECTED[incident](Seen(api, name), v1, v2) and time.monotonic(),
                timeout=40,
                message=f"no {incident} mitigation",
            )
        except AssertionError as error:  # say what the operator saw, so a failure can be read
            status = api.get(path).json().get("status", {})
            seen = {k: status.get(k) for k in ("stableRevision", "incidents", "breaches", "baselines", "controls")}
            raise AssertionError(f"{error}; v1={v1} v2={v2}; status: {json.dumps(seen)}") from None
        print(
            f"\n{incident}: bad signal visible in Prometheus -> mitigation in the cluster: "
            f"{mitigated - shown:.2f} s (monitoring interval 2 s)"
        )
        record_path = f"/apis/agentops.dev/v1alpha1/namespaces/default/agentincidents/{name}-{incident.lower()}-{v2}"
        record = eventually(
            lambda: (r := api.get(record_path)).status_code == 200 and r.json()
        )  # written after the mitigation
        assert record["spec"]["type"] == incident
        timeline = eventually(
            lambda: (
                {c["type"]: c["status"] for c in api.get(record_path).json().get("status", {}).get("conditions", [])}
                or None
            )
        )
        assert timeline == {"Detected": "True", "Mitigated": "True", "Resolved": "False"}
        eventually(
            lambda: {p.split("/")[1] for p, _ in Receiver.received} == {"slack", "hook", "pagerduty"},
            message=f"not every receiver was notified: {Receiver.received}",
        )
        by_receiver = {p.split("/")[1]: body for p, body in Receiver.received}
        assert f"{incident} detected" in by_receiver["slack"]["blocks"][0]["text"]["text"]
        assert by_receiver["hook"]["incident"] == incident and by_receiver["hook"]["revision"] == v2
        assert by_receiver["pagerduty"]["event_action"] == "trigger" and v2 in by_receiver["pagerduty"]["dedup_key"]
    finally:
        for running in traffic:
            running.stop.set()
        operator.stop()
