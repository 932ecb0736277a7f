"""OpenTelemetry metrics with the GenAI semantic conventions' names, beside the Prometheus
exposition — opt-in, for agents that push OTLP instead of being scraped.

The same values the Prometheus histograms record, under the OpenTelemetry names:
`gen_ai.client.token.usage` ({token}; per LLM call and token type), `gen_ai.client.operation.duration`
(s; per LLM call with a known latency), `gen_ai.invoke_agent.duration` (s; per session) and
`gen_ai.execute_tool.duration` (s; per tool call, which Prometheus does not time). On with
`init(otel_metrics=True)`, AGENTOPS_OTEL_METRICS=1 or a `meter_provider`; the SDK's own Prometheus
metrics stay as they are (the operator's analysis reads those). When off nothing here is imported.
"""

from __future__ import annotations

import os
from typing import Any

ENV = "AGENTOPS_OTEL_METRICS"
# The conventions' advised boundaries for token counts, and for durations in seconds.
TOKEN_BOUNDARIES = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
DURATION_BOUNDARIES = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)


def wanted(otel_metrics: bool | None) -> bool:
    if otel_metrics is not None:
        return otel_metrics
    return os.environ.get(ENV, "").strip().lower() in {"1", "true", "yes"}


class OtelMetrics:
    def __init__(self, agent: str, revision: str, meter_provider: Any = None) -> None:
        from opentelemetry import metrics

        meter = (meter_provider or metrics.get_meter_provider()).get_meter("agentops_sdk")
        self._tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=TOKEN_BOUNDARIES,
        )
        self._operation = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=DURATION_BOUNDARIES,
        )
        self._session = meter.create_histogram(
            "gen_ai.invoke_agent.duration", unit="s", description="Duration of an agent invocation (a session)."
        )
        self._tool = meter.create_histogram(
            "gen_ai.execute_tool.duration", unit="s", description="Duration of a tool execution."
        )
        self._agent = {"gen_ai.agent.name": agent, "gen_ai.agent.version": revision}

    def llm_call(
        self, operation: str, provider: str, model: str, tokens_in: int, tokens_out: int, latency_s: float | None
    ) -> None:
        labels = {"gen_ai.operation.name": operation, "gen_ai.provider.name": provider, "gen_ai.request.model": model}
        self._tokens.record(tokens_in, {**labels, "gen_ai.token.type": "input"})
        self._tokens.record(tokens_out, {**labels, "gen_ai.token.type": "output"})
        if latency_s is not None:
            self._operation.record(latency_s, labels)

    def session(self, seconds: float, outcome: str) -> None:
        attributes = {**self._agent, "gen_ai.operation.name": "invoke_agent"}
        if outcome == "error":
            attributes["error.type"] = "exception"
        self._session.record(seconds, attributes)

    def tool(self, tool: str, seconds: float, outcome: str) -> None:
        attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool}
        if outcome == "error":
            attributes["error.type"] = "exception"
        self._tool.record(seconds, attributes)
