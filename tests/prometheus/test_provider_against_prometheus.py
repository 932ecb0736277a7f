"""The Prometheus provider against a real Prometheus scraping real SDK exporters.

Two exporters play the stable and canary revisions of one agent and run sessions with known
ground truth (success rates 95 % vs 70 %, exact token counts with a price override, tool
failures, guardrail triggers, controlled durations). The provider's values must match the truth
for every built-in check, for both arms, within the stated tolerances.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

import agentops_sdk
from agentops_operator.adapters.metrics.prometheus import PrometheusProvider
from agentops_operator.api.resource import AgentDeployment
from agentops_operator.engine.measurements import Sample, SignalQuery, plan_measurements
from agentops_operator.runtime.measuring import read_all
from agentops_sandbox.testing.processes import free_port
from agentops_sandbox.testing.prometheus import LocalPrometheus, serve_metrics
from tests.signal_queries import arms_query

BUNDLE: dict[str, Any] = {  # guardrail action defaults to Flag
    "model": {
        "provider": "openai",
        "name": "gpt-4o-mini",
        "pricing": {"inputPerMillionTokensUSD": 1.0, "outputPerMillionTokensUSD": 2.0},
    },
    "prompt": {"system": "You are a test agent."},
    "tools": [{"name": "lookup", "sideEffects": "None"}],
    "guardrails": [{"name": "pii", "stage": "Output"}],
}
# ground truth per arm: sessions, success share, tokens per session, tool calls / errors,
# guardrail checks / triggers, duration
TRUTH = {
    "stable1": {
        "sessions": 200,
        "success": 0.95,
        "tokens": (1000, 500),
        "tools": (2, 0.05),
        "triggers": 0.10,
        "duration": 2.0,
    },
    "canary1": {
        "sessions": 200,
        "success": 0.70,
        "tokens": (3000, 1000),
        "tools": (2, 0.25),
        "triggers": 0.40,
        "duration": 8.0,
    },
}
RATIO_TOLERANCE = 0.02  # absolute, for rates in 0..1 (exact counts; only rounding)
COST_TOLERANCE = 0.02  # relative
P95_TOLERANCE = 0.35  # relative: histogram_quantile interpolates inside a bucket


def run_sessions(agent: agentops_sdk.Agent, truth: dict[str, Any], clock: list[float]) -> None:
    sessions = truth["sessions"]
    successes = round(sessions * truth["success"])
    calls_per_session, tool_error_share = truth["tools"]
    tool_errors = round(sessions * calls_per_session * tool_error_share)
    triggers = round(sessions * truth["triggers"])
    errors_left, triggers_left = tool_errors, triggers
    for index in range(sessions):
        with agent.session() as session:
            session.llm_call(tokens_in=truth["tokens"][0], tokens_out=truth["tokens"][1], latency_s=0.5)
            for _ in range(calls_per_session):
                try:
                    with session.tool("lookup"):
                        if errors_left > 0:
                            errors_left -= 1
                            raise LookupError("not found")
                except LookupError:
                    pass
            session.guardrail("pii", triggered=triggers_left > 0)
            triggers_left -= 1
            if index >= successes:
                session.fail()
            clock[0] += truth["duration"]  # the session ends `duration` seconds later


@pytest.fixture(scope="module")
def exporters(
    prometheus: LocalPrometheus, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, agentops_sdk.Agent]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield _exporters(prometheus, monkeypatch, tmp_path_factory.mktemp("bundle"))


def _exporters(
    prometheus: LocalPrometheus, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, agentops_sdk.Agent]:
    clock = [1000.0]
    # Sessions last exactly the durations the truth table says (the SDK reads time.perf_counter).
    monkeypatch.setattr("agentops_sdk.session.time.perf_counter", lambda: clock[0])
    (tmp_path / "bundle.json").write_text(json.dumps(BUNDLE))
    agents, targets = {}, []
    for revision in TRUTH:
        registry = CollectorRegistry()
        _, port = serve_metrics(registry)
        agents[revision] = agentops_sdk.init(
            name="support",
            namespace="prod",
            revision=revision,
            bundle_path=tmp_path,
            registry=registry,
            log_stream=io.StringIO(),
            start_exporter=False,
        )
        targets.append(f"127.0.0.1:{port}")
    prometheus.scrape(targets)
    prometheus.scraped_since(targets, time.time() - 1)  # a couple of scrapes at zero, so increase() sees every event
    traffic_done = 0.0
    for revision, agent in agents.items():
        run_sessions(agent, TRUTH[revision], clock)
        traffic_done = time.time()
    prometheus.scraped_since(targets, traffic_done, scrapes=3)  # a few scrapes after the traffic
    return agents


async def read(provider: PrometheusProvider, query: SignalQuery) -> dict[str, Sample]:
    try:
        return await provider.read(query)
    finally:
        await provider.close()


def expected(check: str, truth: dict[str, Any]) -> float:
    tokens_in, tokens_out = truth["tokens"]
    return {
        "session-success-rate": truth["success"],
        "cost-per-session": (tokens_in * 1.0 + tokens_out * 2.0) / 1_000_000,
        "tool-failure-rate": truth["tools"][1],
        "guardrail-trigger-rate": truth["triggers"],
        "p95-session-duration": truth["duration"],
    }[check]


@pytest.mark.parametrize(
    "check",
    ["session-success-rate", "cost-per-session", "tool-failure-rate", "guardrail-trigger-rate", "p95-session-duration"],
)
async def test_built_in_checks_match_ground_truth(
    prometheus: LocalPrometheus, exporters: dict[str, Any], check: str
) -> None:
    samples = await read(PrometheusProvider(prometheus.url), arms_query(check))
    for arm, sample in samples.items():
        assert sample.error is None, sample.error
        value, truth = sample.value, expected(check, TRUTH[arm])
        assert value is not None, f"no value for {arm}"
        if check == "cost-per-session":
            assert value == pytest.approx(truth, rel=COST_TOLERANCE), arm
        elif check == "p95-session-duration":
            assert value == pytest.approx(truth, rel=P95_TOLERANCE), arm
        else:
            assert value == pytest.approx(truth, abs=RATIO_TOLERANCE), arm
    # increase() extrapolates a little at the window's edges: session counts are within 25 %.
    assert samples["canary1"].sessions == pytest.approx(200, rel=0.25)
    assert samples["stable1"].sessions == pytest.approx(200, rel=0.25)
    # A rate's denominator, for the Sequential method: sessions, tool calls (2 per session), guardrail checks.
    trials = {"session-success-rate": 200, "tool-failure-rate": 400, "guardrail-trigger-rate": 200}.get(check)
    for sample in samples.values():
        assert sample.trials == (None if trials is None else pytest.approx(trials, rel=0.25))
    # Cost per session's mean of squares, for its variance: every session here costs the same.
    for arm, sample in samples.items():
        squared = expected("cost-per-session", TRUTH[arm]) ** 2 if check == "cost-per-session" else None
        assert sample.second_moment == (None if squared is None else pytest.approx(squared, rel=COST_TOLERANCE * 2))


async def test_custom_query_and_down_backend(prometheus: LocalPrometheus, exporters: dict[str, Any]) -> None:
    template = 'sum(increase(agent_prompt_leaks_total{agent="{{agent}}",revision="{{revision}}"}[60s]))'
    samples = await read(PrometheusProvider(prometheus.url), arms_query("custom", template))
    assert all(s.error is None and s.value == 0 for s in samples.values()), samples
    down = PrometheusProvider(f"http://127.0.0.1:{free_port()}", timeout=2)
    failed = await read(down, arms_query("session-success-rate"))
    assert all(s.error and "unreachable" in s.error for s in failed.values()), failed


def agent_in_analysis(prometheus_url: str | None) -> AgentDeployment:
    """support in prod, canary1 rolling out next to stable1, its analysis due now."""
    analysis: dict[str, Any] = {"intervalSeconds": 60, "checks": [{"name": "session-success-rate", "min": 0.9}]}
    if prometheus_url is not None:
        analysis["prometheusURL"] = prometheus_url
    started = "2026-01-01T00:00:00Z"
    body = {
        "apiVersion": "agentops.dev/v1alpha1",
        "kind": "AgentDeployment",
        "metadata": {"name": "support", "namespace": "prod", "uid": "u1", "generation": 1},
        "spec": {
            "runtime": {"image": "agent:1"},
            "model": {"provider": "openai", "name": "gpt-4o-mini"},
            "prompt": {"system": "be kind"},
            "rollout": {"steps": [{"canary": {"weight": 10, "durationSeconds": 600}}], "analysis": analysis},
        },
        "status": {
            "stableRevision": {"number": 1, "hash": "stable1", "name": "support-stable1"},
            "rollout": {"revision": "canary1", "startedAt": started, "stepStartedAt": started, "stepCount": 1},
        },
    }
    return AgentDeployment.parse(body)


async def test_the_agents_prometheus_url_wins_over_the_operators(
    prometheus: LocalPrometheus, exporters: dict[str, Any], tmp_path: Path
) -> None:
    """The operator's --prometheus-url points at a Prometheus that has none of this agent's series;
    the agent's spec.rollout.analysis.prometheusURL at the one that does. The analysis must read the
    agent's; without the field it reads the operator's (and finds nothing)."""
    with LocalPrometheus(tmp_path) as elsewhere:
        for own_url, truth_expected in ((prometheus.url, True), (None, False)):
            agent = agent_in_analysis(own_url)
            now = "2026-01-01T00:02:00Z"
            provider = PrometheusProvider(elsewhere.url)
            plan = plan_measurements(
                agent.spec,
                agent.status,
                now,
                namespace="prod",
                agent="support",
                last_monitored=None,
                default_backend=provider.default_url,
            )
            assert plan.analysis is not None
            try:
                readings = await read_all(provider, plan.analysis, analysis=True)
            finally:
                await provider.close()
            canary = readings["session-success-rate"]["canary1"]
            assert canary.error is None, canary.error
            if truth_expected:
                assert canary.value == pytest.approx(TRUTH["canary1"]["success"], abs=RATIO_TOLERANCE)
            else:
                assert canary.value is None and canary.sessions == 0
