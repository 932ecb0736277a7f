"""Renders charts/agentops-operator/dashboards/agentops.json, the Grafana dashboard the chart ships
(`grafana.dashboard.enabled`): agent signals per revision from the SDK's metrics next to the
operator's rollout and incident metrics. `--write` updates the file; tests/chart checks it is
current and that every query is valid PromQL on a real Prometheus."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).resolve().parents[1] / "charts" / "agentops-operator" / "dashboards" / "agentops.json"
AGENT = 'agent_namespace=~"$namespace", agent=~"$agent"'
OPERATOR = 'namespace=~"$namespace", agent=~"$agent"'
FINISHED = 'outcome=~"success|failure|abandoned|error"'
RATE = "[$__rate_interval]"
SUCCESS = 'outcome="success"'


def _sessions(extra: str = FINISHED) -> str:
    return f"sum by (revision) (rate(agent_sessions_total{{{AGENT}, {extra}}}{RATE}))"


PANELS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("Session success rate", "percentunit", [(f"{_sessions(SUCCESS)} / {_sessions()}", "{{revision}}")]),
    (
        "Cost per session",
        "currencyUSD",
        [(f"sum by (revision) (rate(agent_cost_usd_total{{{AGENT}}}{RATE})) / {_sessions()}", "{{revision}}")],
    ),
    (
        "Spend per hour",
        "currencyUSD",
        [(f"sum by (revision) (rate(agent_cost_usd_total{{{AGENT}}}{RATE})) * 3600", "{{revision}}")],
    ),
    (
        "p95 session duration",
        "s",
        [
            (
                "histogram_quantile(0.95, sum by (le, revision) "
                f"(rate(agent_session_duration_seconds_bucket{{{AGENT}}}{RATE})))",
                "{{revision}}",
            )
        ],
    ),
    (
        "Tool failure rate",
        "percentunit",
        [
            (
                # 1 - successes/finished: 0 rather than no data while a tool has never failed (no error series yet)
                f'1 - sum by (revision, tool) (rate(agent_tool_calls_total{{{AGENT}, outcome="success"}}{RATE})) / '
                f'sum by (revision, tool) (rate(agent_tool_calls_total{{{AGENT}, outcome=~"success|error"}}{RATE}))',
                "{{revision}} {{tool}}",
            )
        ],
    ),
    (
        "Guardrail triggers per second",
        "ops",
        [
            (
                f"sum by (revision, guardrail) (rate(agent_guardrail_triggers_total{{{AGENT}}}{RATE}))",
                "{{revision}} {{guardrail}}",
            )
        ],
    ),
    (
        "Prompt leaks and safety violations",
        "short",
        [
            (f"sum by (revision) (increase(agent_prompt_leaks_total{{{AGENT}}}{RATE}))", "leaks {{revision}}"),
            (f"sum by (revision) (increase(agent_safety_violations_total{{{AGENT}}}{RATE}))", "safety {{revision}}"),
        ],
    ),
    (
        "Median grounding score",
        "percentunit",
        [
            (
                f"histogram_quantile(0.5, sum by (le, revision) (rate(agent_grounding_score_bucket{{{AGENT}}}{RATE})))",
                "{{revision}}",
            )
        ],
    ),
    (
        "Sessions refused by live controls",
        "ops",
        [
            (
                "sum by (revision, outcome) "
                f'(rate(agent_sessions_total{{{AGENT}, outcome=~"throttled|blocked"}}{RATE}))',
                "{{revision}} {{outcome}}",
            )
        ],
    ),
    (
        "Canary traffic",
        "percent",
        [
            (f"agentops_rollout_weight_percent{{{OPERATOR}}}", "weight {{agent}}"),
            (f"agentops_rollout_shadow_percent{{{OPERATOR}}}", "mirror {{agent}}"),
        ],
    ),
    ("Analysis values (last)", "short", [(f"agentops_analysis_value{{{OPERATOR}}}", "{{agent}} {{check}} {{arm}}")]),
    (
        "Open incidents",
        "short",
        [(f"sum by (agent, type) (agentops_incidents_open{{{OPERATOR}}})", "{{agent}} {{type}}")],
    ),
    (
        "Evaluation pass rate (last run of each suite)",
        "percentunit",
        [(f"agentops_evaluation_pass_ratio{{{OPERATOR}}}", "{{agent}} {{suite}} {{revision}}")],
    ),
    (
        "Evaluation runs by verdict",
        "short",
        [
            (
                f"sum by (agent, suite, verdict) (increase(agentops_evaluation_runs_total{{{OPERATOR}}}{RATE}))",
                "{{agent}} {{suite}} {{verdict}}",
            )
        ],
    ),
]


def _panel(index: int, title: str, unit: str, targets: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(65 + i), "expr": expr, "legendFormat": legend} for i, (expr, legend) in enumerate(targets)
        ],
    }


def _variable(name: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": {"query": query, "refId": name},
        "includeAll": True,
        "multi": True,
        "refresh": 2,
        "current": {"text": "All", "value": "$__all"},
    }


def render() -> str:
    dashboard = {
        "title": "AgentOps: agents and rollouts",
        "uid": "agentops-agents",
        "schemaVersion": 39,
        "version": 1,
        "tags": ["agentops"],
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "templating": {
            "list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus"},
                _variable("namespace", "label_values(agent_sessions_total, agent_namespace)"),
                _variable("agent", 'label_values(agent_sessions_total{agent_namespace=~"$namespace"}, agent)'),
            ]
        },
        "panels": [_panel(i, *panel) for i, panel in enumerate(PANELS)],
    }
    return json.dumps(dashboard, indent=2) + "\n"


if __name__ == "__main__":
    if "--write" in sys.argv:
        TARGET.write_text(render())
    else:
        sys.stdout.write(render())
