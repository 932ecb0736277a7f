"""OpenTelemetry GenAI traces of the agent's sessions — opt-in, and free when off.

Each session becomes an `invoke_agent {agent}` span, with children `chat {model}` per LLM call,
`execute_tool {tool}` per tool call and `apply_guardrail {guardrail}` per guardrail check, carrying
the GenAI semantic conventions' attributes (`gen_ai.operation.name`, `gen_ai.agent.name`,
`gen_ai.agent.version` = the revision hash, `gen_ai.conversation.id`, `gen_ai.provider.name`,
`gen_ai.request.model`, `gen_ai.tool.name`, token usage) and the session's outcome, cost and
prompt-leak findings. An LLM call the SDK records after the fact (`s.llm_call(latency_s=…)`) gets a
span placed back in time by its latency; one captured from httpx (`capture.instrument_httpx()`) is a
live span around the request, whose context travels to the LLM endpoint as a W3C `traceparent`.

On when `init(otel=True)`, when AGENTOPS_OTEL=1, when OTEL_TRACES_EXPORTER names an exporter, or
when the process already configured an OpenTelemetry TracerProvider (a framework's, say); off when
AGENTOPS_OTEL=0. Without an installed provider the SDK sets one up that exports OTLP as the
standard OTEL_EXPORTER_OTLP_* variables say (`agentops-sdk[otel]`). When off, nothing here is
imported and `opentelemetry` is never loaded by the SDK.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.trace import Span, TracerProvider

ENV = "AGENTOPS_OTEL"
_PROXIES = {"ProxyTracerProvider", "NoOpTracerProvider"}


def wanted(otel: bool | None) -> bool:
    """Whether this process asked for traces (see the module docstring), importing nothing."""
    if otel is not None:
        return otel
    flag = os.environ.get(ENV, "").strip().lower()
    if flag in {"1", "true", "yes"}:
        return True
    if flag in {"0", "false", "no"}:
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() not in {"", "none"}:
        return True
    trace = sys.modules.get("opentelemetry.trace")  # someone configured OpenTelemetry already: follow it
    return trace is not None and _installed(trace.get_tracer_provider())


def _installed(provider: Any) -> bool:
    """Whether `provider` is a real one (not the API's placeholder before any is set)."""
    return type(provider).__name__ not in _PROXIES


def _configured_provider(service: str) -> TracerProvider:
    """The process's TracerProvider; when there is none yet, one exporting OTLP (OTEL_* variables)."""
    from opentelemetry import trace

    current = trace.get_tracer_provider()
    if _installed(current):
        return current
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = SdkTracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service)})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return trace.get_tracer_provider()


class Tracing:
    """The spans of one agent; every method is called only when tracing is on."""

    def __init__(self, agent: str, revision: str, provider: str, tracer_provider: TracerProvider | None) -> None:
        from opentelemetry import context, propagate, trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        self._trace, self._context, self._propagate = trace, context, propagate
        self._internal, self._client = SpanKind.INTERNAL, SpanKind.CLIENT
        self._error = Status(StatusCode.ERROR)
        source = tracer_provider or _configured_provider(agent)
        self._tracer = source.get_tracer("agentops_sdk")
        self.agent, self.revision, self.provider = agent, revision, provider

    # ----- the session ------------------------------------------------------------------
    def start_session(self, conversation: str, model: str) -> tuple[Span, object]:
        span = self._tracer.start_span(
            f"invoke_agent {self.agent}",
            kind=self._internal,
            attributes={
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": self.agent,
                "gen_ai.agent.version": self.revision,
                "gen_ai.conversation.id": conversation,
                "gen_ai.provider.name": self.provider,
                "gen_ai.request.model": model,
            },
        )
        token = self._context.attach(self._trace.set_span_in_context(span))
        return span, token

    def end_session(self, span: Span, token: object, error: BaseException | None, totals: dict[str, Any]) -> None:
        self._context.detach(token)  # type: ignore[arg-type]
        span.set_attributes({k: v for k, v in totals.items() if v is not None})
        if error is not None:
            span.record_exception(error)
            span.set_status(self._error)
        span.end()

    def event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        """An event on the current span (the session's, or the tool call's inside it)."""
        self._trace.get_current_span().add_event(name, attributes or {})

    # ----- inside a session -------------------------------------------------------------
    def start_llm(self, operation: str, provider: str, model: str | None) -> Span:
        """A live span around an LLM request (httpx capture); `llm_headers` carries it onwards."""
        return self._tracer.start_span(
            f"{operation} {model}" if model else operation,
            kind=self._client,
            attributes={"gen_ai.operation.name": operation, "gen_ai.provider.name": provider},
        )

    def llm_headers(self, span: Span, headers: Any) -> None:
        """Write the W3C traceparent (and baggage) of `span` into outgoing request headers."""
        self._propagate.inject(headers, context=self._trace.set_span_in_context(span))

    def end_llm(self, span: Span | None, usage: dict[str, Any], latency_s: float | None) -> None:
        """End the live span, or record a finished call as a span placed back by its latency."""
        if span is None:
            now = time.time_ns()
            started = now - int((latency_s or 0.0) * 1e9)
            span = self._tracer.start_span(
                f"{usage['gen_ai.operation.name']} {usage['gen_ai.request.model']}",
                kind=self._client,
                start_time=started,
            )
            span.set_attributes({k: v for k, v in usage.items() if v is not None})
            span.end(end_time=now)
            return
        span.update_name(f"{usage['gen_ai.operation.name']} {usage['gen_ai.request.model']}")
        span.set_attributes({k: v for k, v in usage.items() if v is not None})
        span.end()

    def start_tool(self, tool: str) -> Span:
        return self._tracer.start_span(
            f"execute_tool {tool}",
            kind=self._internal,
            attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool},
        )

    def end_tool(self, span: Span, outcome: str, error: BaseException | None) -> None:
        span.set_attribute("agentops.tool.outcome", outcome)
        if error is not None:
            span.record_exception(error)
            span.set_status(self._error)
        span.end()

    def guardrail(self, name: str, stage: str, triggered: bool, action: str) -> None:
        span = self._tracer.start_span(
            f"apply_guardrail {name}",
            kind=self._internal,
            attributes={
                "gen_ai.operation.name": "apply_guardrail",
                "agentops.guardrail.name": name,
                "agentops.guardrail.stage": stage,
                "agentops.guardrail.triggered": triggered,
                "agentops.guardrail.action": action if triggered else "None",
            },
        )
        span.end()


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the span active now — the SDK's or any framework's — when OpenTelemetry
    is loaded and a span is recording; None otherwise (the SDK then makes its own ids)."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"
