"""The metric contract (docs/reference/metrics.md): every series the SDK exports, in one place.

OpenTelemetry GenAI names where they exist (`gen_ai_client_token_usage`,
`gen_ai_client_operation_duration_seconds`), `agent_*` names for the rest. Every series carries
`agent`, `agent_namespace` and `revision`, so the operator can compare a canary with the stable
arm. Label children are bound once per value and cached: the hot path is a dict lookup and an
increment.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

IDENTITY = ("agent", "agent_namespace", "revision")
SESSION_OUTCOMES = ("success", "failure", "abandoned", "error", "throttled", "blocked")
TOOL_OUTCOMES = ("success", "error", "blocked", "dry_run", "rate_limited")
DURATION_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
TOKEN_BUCKETS = (16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576)
LLM_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80)
TURN_BUCKETS = (1, 2, 3, 5, 8, 13, 21, 34)
SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


class AgentMetrics:
    """The SDK's collectors, registered in one registry, with cached label children."""

    def __init__(self, registry: CollectorRegistry, agent: str, namespace: str, revision: str) -> None:
        ident = (agent, namespace, revision)
        self.identity = ident

        def counter(name: str, text: str, *labels: str) -> Counter:
            return Counter(name, text, [*IDENTITY, *labels], registry=registry)

        def histogram(name: str, text: str, buckets: tuple[float, ...], *labels: str) -> Histogram:
            return Histogram(name, text, [*IDENTITY, *labels], buckets=buckets, registry=registry)

        self.sessions = counter("agent_sessions", "Sessions by outcome.", "outcome")
        self.session_duration = histogram("agent_session_duration_seconds", "Session wall time.", DURATION_BUCKETS)
        self.session_turns = histogram("agent_session_turns", "Turns (user messages) per session.", TURN_BUCKETS)
        self.cost = counter(
            "agent_cost_usd", "Cost of LLM calls in US dollars (priced calls only).", "gen_ai_request_model"
        )
        self.session_cost_squared = counter(
            "agent_session_cost_squared_usd",
            "Sum over sessions of each session's cost squared (with the cost and the session count: its variance).",
        )
        self.llm_calls = counter(
            "agent_llm_calls",
            "LLM calls by model and whether a price was known.",
            "gen_ai_provider_name",
            "gen_ai_request_model",
            "priced",
        )
        self.tokens = Histogram(
            "gen_ai_client_token_usage",
            "Tokens per LLM call (OpenTelemetry gen_ai.client.token.usage).",
            [*IDENTITY, "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_token_type"],
            buckets=TOKEN_BUCKETS,
            registry=registry,
        )
        self.llm_duration = Histogram(
            "gen_ai_client_operation_duration_seconds",
            "LLM call duration (OpenTelemetry gen_ai.client.operation.duration).",
            [*IDENTITY, "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model"],
            buckets=LLM_BUCKETS,
            registry=registry,
        )
        self.tool_calls = counter("agent_tool_calls", "Tool calls by tool and outcome.", "tool", "outcome")
        self.guardrail_checks = counter("agent_guardrail_checks", "Guardrail evaluations.", "guardrail", "stage")
        self.guardrail_triggers = counter(
            "agent_guardrail_triggers", "Guardrail evaluations that fired.", "guardrail", "stage", "action"
        )
        self.safety_violations = counter(
            "agent_safety_violations", "Safety violations detected in outputs.", "category"
        )
        self.prompt_leaks = counter("agent_prompt_leaks", "Outputs that contained a run of the system prompt.")
        self.grounding = histogram("agent_grounding_score", "Grounding score of answers (0 to 1).", SCORE_BUCKETS)
        self.info = Gauge(
            "agent_info",
            "Always 1; the running revision's model.",
            [*IDENTITY, "gen_ai_provider_name", "gen_ai_request_model"],
            registry=registry,
        )
        self._children: dict[tuple[Any, ...], Any] = {}
        for outcome in SESSION_OUTCOMES:
            self.child(self.sessions, outcome)

    def declare(self, tools: list[str], guardrails: dict[str, tuple[str, str]], model: str, provider: str) -> None:
        """Create the series the bundle implies at zero, so that `increase()` counts their first
        events (Prometheus ignores the initial value of a series that appears already non-zero)."""
        for tool in tools:
            for outcome in TOOL_OUTCOMES:
                self.child(self.tool_calls, tool, outcome)
        for guardrail, (stage, action) in guardrails.items():
            self.child(self.guardrail_checks, guardrail, stage)
            self.child(self.guardrail_triggers, guardrail, stage, action)
        self.child(self.session_duration)
        self.child(self.session_turns)
        self.child(self.grounding)
        if model:
            self.child(self.cost, model)
            self.child(self.llm_calls, provider, model, "true")
        self.child(self.prompt_leaks)
        self.child(self.safety_violations, "unspecified")
        self.child(self.session_cost_squared)

    def child(self, metric: Counter | Histogram | Gauge, *labels: str) -> Any:
        """The bound child for these label values (cached: `.labels()` is the slow part)."""
        key = (id(metric), *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*self.identity, *labels)
        return found
