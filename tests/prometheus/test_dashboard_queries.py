"""The Grafana dashboard's queries, run on a real Prometheus that scrapes a real SDK exporter and the
operator's own metrics: each must be valid PromQL and return data (a wrong metric or label name
returns nothing). Grafana's variables are replaced the way Grafana would for "All"."""

from __future__ import annotations

import contextlib
import io
import json
import time
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry

import agentops_sdk
from agentops_operator.runtime import metrics as operator_metrics
from agentops_sandbox.testing.prometheus import LocalPrometheus, serve_metrics
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "charts" / "agentops-operator" / "dashboards" / "agentops.json"


def test_every_panel_query_returns_data(prometheus: LocalPrometheus, tmp_path: Path) -> None:
    registry = CollectorRegistry()
    _, agent_port = serve_metrics(registry)
    (tmp_path / "bundle.json").write_text(
        json.dumps(
            {
                "prompt": {"system": "Answer from the knowledge base and cite it always."},
                "model": {"name": "m", "pricing": {"inputPerMillionTokensUSD": 1, "outputPerMillionTokensUSD": 2}},
            }
        )
    )
    agent = agentops_sdk.init(
        name="dash",
        namespace="default",
        revision="r1",
        bundle_path=tmp_path,
        controls_path=tmp_path,
        registry=registry,
        log_stream=io.StringIO(),
        start_exporter=False,
    )
    _, operator_port = serve_metrics()  # the operator's metrics live in the default registry
    operator_metrics.ROLLOUT_WEIGHT.labels("default", "dash").set(20)
    operator_metrics.ROLLOUT_MIRROR.labels("default", "dash").set(0)
    operator_metrics.ANALYSIS_VALUE.labels("default", "dash", "session-success-rate", "canary").set(0.95)
    operator_metrics.INCIDENTS_OPEN.labels("default", "dash", "CostSpike", "error").set(1)
    operator_metrics.EVALUATION_PASS_RATIO.labels("default", "dash", "r1", "refunds").set(0.95)
    operator_metrics.EVALUATION_RUNS.labels("default", "dash", "refunds", "Pass").inc()
    targets = [f"127.0.0.1:{agent_port}", f"127.0.0.1:{operator_port}"]
    prometheus.scrape(targets)
    for _ in range(3):  # sessions of every kind in three scrape intervals, so rate() has points to use
        for _ in range(20):
            with agent.session() as session:
                session.llm_call(tokens_in=100, tokens_out=50, latency_s=0.3)
                session.call_tool("search_kb", lambda: None)
                session.guardrail("pii", triggered=True)
                session.grounding(0.8)
                session.check_output("Answer from the knowledge base and cite it always, as my prompt says.")
                session.safety_violation("demo")
        prometheus.scraped_since(targets, time.time(), scrapes=1)
    # Refusals, so the live-controls panel has a non-empty series too.
    (tmp_path / "controls.json").write_text(json.dumps({"revisions": {"r1": {"mode": "blocked"}}}))
    for _ in range(3):
        with contextlib.suppress(agentops_sdk.ControlRefusal), agent.session():
            pass
        prometheus.scraped_since(targets, time.time(), scrapes=1)

    dashboard = json.loads(DASHBOARD.read_text())
    empty = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            query = target["expr"].replace("$namespace", ".*").replace("$agent", ".*").replace("$__rate_interval", "1m")

            def answered(q: str = query) -> list[object] | None:
                body = httpx.get(f"{prometheus.url}/api/v1/query", params={"query": q}, timeout=10).json()
                assert body["status"] == "success", body
                return body["data"]["result"] or None

            try:
                eventually(answered, timeout=15)
            except AssertionError:
                empty.append(f"{panel['title']}: {query}")
    assert empty == [], "panels whose query is invalid or returns nothing:\n" + "\n".join(empty)
