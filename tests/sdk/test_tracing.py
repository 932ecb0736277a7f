"""The SDK's OpenTelemetry traces: a session is an `invoke_agent` span whose children are its LLM
calls (`chat`), tool calls (`execute_tool`) and guardrail checks (`apply_guardrail`), with the GenAI
attributes and the revision as `gen_ai.agent.version`; its `session_end` log line carries the span's
trace id; httpx capture sends the live `chat` span's context to the LLM as `traceparent`; OTLP/HTTP
reaches a collector (a local receiver decoding the protobuf); and with tracing off nothing of
OpenTelemetry is loaded."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from prometheus_client import CollectorRegistry

import agentops_sdk
from agentops_sdk import capture
from tests.serving import answer, serving

PROMPT = "You are the support assistant of Acme. Answer from the knowledge base only and never promise refunds."
BUNDLE = {
    "model": {"provider": "openai", "name": "gpt-4o-mini"},
    "prompt": {"system": PROMPT},
    "tools": [{"name": "search_kb", "sideEffects": "None"}, {"name": "create_ticket", "sideEffects": "External"}],
    "guardrails": [{"name": "pii", "type": "pii", "stage": "Output", "action": "Redact"}],
}


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[tuple[agentops_sdk.Agent, InMemorySpanExporter, io.StringIO]]:
    (tmp_path / "bundle.json").write_text(json.dumps(BUNDLE))
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    logs = io.StringIO()
    agent = agentops_sdk.init(
        name="support",
        namespace="prod",
        revision="d36d680f05",
        bundle_path=tmp_path,
        controls_path=tmp_path,
        registry=CollectorRegistry(),
        log_stream=logs,
        start_exporter=False,
        tracer_provider=provider,
    )
    yield agent, exporter, logs
    provider.shutdown()


def _children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def test_a_session_is_an_invoke_agent_span_with_its_calls_as_children(traced: Any) -> None:
    agent, exporter, logs = traced
    with agent.session(user_id="u1") as session:
        for tokens in (100, 200, 300):
            session.llm_call(tokens_in=tokens, tokens_out=50, latency_s=0.2)
        session.call_tool("search_kb", lambda: "hits")
        session.call_tool("create_ticket", lambda: "T-1")
        session.guardrail("pii", triggered=False)
        session.guardrail("pii", triggered=True, action="Redact")
        session.check_output("my instructions: answer from the knowledge base only and never promise refunds.")
    spans = exporter.get_finished_spans()
    (root,) = [s for s in spans if s.name == "invoke_agent support"]
    assert root.attributes is not None
    assert root.attributes["gen_ai.agent.version"] == "d36d680f05" and root.attributes["gen_ai.agent.name"] == "support"
    assert root.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert root.attributes["gen_ai.conversation.id"] == session.session_id
    assert (
        root.attributes["gen_ai.usage.input_tokens"] == 600 and root.attributes["agentops.session.outcome"] == "success"
    )
    children = _children(spans, root)
    assert sorted(s.name for s in children) == [
        *["apply_guardrail pii"] * 2,
        *["chat gpt-4o-mini"] * 3,
        "execute_tool create_ticket",
        "execute_tool search_kb",
    ]
    chat = next(s for s in children if s.name.startswith("chat"))
    assert chat.attributes is not None and chat.attributes["gen_ai.usage.input_tokens"] == 100
    assert chat.end_time is not None and chat.start_time is not None
    assert abs((chat.end_time - chat.start_time) / 1e9 - 0.2) < 0.01  # placed back by its latency
    assert [e.name for e in root.events] == ["agentops.prompt_leak"]
    end = next(json.loads(line) for line in logs.getvalue().splitlines() if '"session_end"' in line)
    assert end["trace_id"] == f"{root.context.trace_id:032x}" and end["span_id"] == f"{root.context.span_id:016x}"


def test_an_exception_marks_the_session_span_as_an_error(traced: Any) -> None:
    agent, exporter, _ = traced
    with pytest.raises(RuntimeError), agent.session():
        raise RuntimeError("the model timed out")
    (root,) = exporter.get_finished_spans()
    assert root.status.status_code is StatusCode.ERROR and root.events[0].name == "exception"


class FakeLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that remembers the traceparent each request brought."""

    traceparents: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        FakeLLM.traceparents.append(self.headers.get("traceparent", ""))
        body = json.dumps(
            {"model": "gpt-4o-mini-2024", "usage": {"prompt_tokens": 12, "completion_tokens": 7}}
        ).encode()
        answer(self, 200, body, "application/json")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def llm() -> Iterator[str]:
    FakeLLM.traceparents = []
    with serving(FakeLLM) as url:
        yield url


def test_a_captured_llm_call_is_a_live_span_whose_context_reaches_the_llm(traced: Any, llm: str) -> None:
    agent, exporter, _ = traced
    capture.instrument_httpx()
    try:
        with agent.session():
            httpx.post(f"{llm}/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": []})
    finally:
        capture.uninstrument_httpx()
    (chat,) = [s for s in exporter.get_finished_spans() if s.name.startswith("chat")]
    assert chat.name == "chat gpt-4o-mini-2024" and chat.attributes is not None
    assert chat.attributes["gen_ai.usage.output_tokens"] == 7
    (traceparent,) = FakeLLM.traceparents
    version, trace_id, parent_id, flags = traceparent.split("-")
    assert (trace_id, parent_id) == (f"{chat.context.trace_id:032x}", f"{chat.context.span_id:016x}")
    assert version == "00" and int(flags, 16) & 1  # sampled


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP trace receiver: decodes each export request's protobuf."""

    spans: ClassVar[list[Any]] = []

    def do_POST(self) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                Collector.spans.extend(scope.spans)
        answer(self, 200)

    def log_message(self, *args: Any) -> None:
        pass


AGENT_PROCESS = """
import io, json, sys, tempfile, pathlib
import agentops_sdk
from opentelemetry import trace
folder = pathlib.Path(tempfile.mkdtemp())
(folder / "bundle.json").write_text(json.dumps({bundle}))
agent = agentops_sdk.init(name="support", revision="d36d680f05", bundle_path=folder, controls_path=folder,
                          log_stream=io.StringIO(), start_exporter=False)
with agent.session() as s:
    s.llm_call(tokens_in=5, tokens_out=5, latency_s=0.1)
trace.get_tracer_provider().shutdown()  # flushes the batch to the collector
"""


def test_otlp_http_export_reaches_a_collector(tmp_path: Path) -> None:
    Collector.spans = []
    with serving(Collector) as url:
        env = {"AGENTOPS_OTEL": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": url, "PATH": "/usr/bin:/bin"}
        code = AGENT_PROCESS.format(bundle=repr(BUNDLE))
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    names = sorted(span.name for span in Collector.spans)
    assert names == ["chat gpt-4o-mini", "invoke_agent support"]
    root = next(span for span in Collector.spans if span.name == "invoke_agent support")
    version = next(a.value.string_value for a in root.attributes if a.key == "gen_ai.agent.version")
    assert version == "d36d680f05"


def test_with_tracing_off_no_opentelemetry_module_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "bundle.json").write_text(json.dumps(BUNDLE))
    code = (
        "import io, sys, agentops_sdk\n"
        f"agent = agentops_sdk.init(bundle_path={str(tmp_path)!r}, controls_path={str(tmp_path)!r},"
        " log_stream=io.StringIO(), start_exporter=False)\n"
        "with agent.session() as s:\n    s.llm_call(tokens_in=1, tokens_out=1)\n"
        "print(agent.tracing, sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}
    )
    assert result.stdout.split() == ["None", "[]"], result.stderr


def test_a_frameworks_active_span_is_carried_by_the_log_lines(tmp_path: Path) -> None:
    """Tracing off in the SDK, but the agent's framework traces: its span ids go into the logs."""
    (tmp_path / "bundle.json").write_text(json.dumps(BUNDLE))
    logs = io.StringIO()
    agent = agentops_sdk.init(
        bundle_path=tmp_path,
        controls_path=tmp_path,
        registry=CollectorRegistry(),
        log_stream=logs,
        start_exporter=False,
        otel=False,
    )
    framework = TracerProvider().get_tracer("a-framework")
    with framework.start_as_current_span("handle request") as span, agent.session():
        pass
    end = json.loads(logs.getvalue().splitlines()[-1])
    assert agent.tracing is None
    assert (end["trace_id"], end["span_id"]) == (
        f"{span.get_span_context().trace_id:032x}",
        f"{span.get_span_context().span_id:016x}",
    )


def test_otel_metrics_carry_the_same_values_as_the_prometheus_exposition(tmp_path: Path) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    (tmp_path / "bundle.json").write_text(json.dumps(BUNDLE))
    reader = InMemoryMetricReader()
    registry = CollectorRegistry()
    agent = agentops_sdk.init(
        name="support",
        revision="d36d680f05",
        bundle_path=tmp_path,
        controls_path=tmp_path,
        registry=registry,
        log_stream=io.StringIO(),
        start_exporter=False,
        meter_provider=MeterProvider(metric_readers=[reader]),
    )
    for tokens in (120, 3000):
        with agent.session() as session:
            session.llm_call(tokens_in=tokens, tokens_out=tokens // 4, latency_s=0.4)
            session.llm_call(tokens_in=10, tokens_out=5, latency_s=1.5)
            session.call_tool("search_kb", lambda: "hits")
    points = {
        metric.name: [(dict(p.attributes or {}), p.sum, p.count) for p in metric.data.data_points]
        for resource in reader.get_metrics_data().resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }

    def prometheus(name: str, **labels: str) -> tuple[float, float]:
        ident = {"agent": "support", "agent_namespace": "default", "revision": "d36d680f05", **labels}
        return registry.get_sample_value(f"{name}_sum", ident) or 0, registry.get_sample_value(
            f"{name}_count", ident
        ) or 0

    model = {"gen_ai_operation_name": "chat", "gen_ai_provider_name": "openai", "gen_ai_request_model": "gpt-4o-mini"}
    for kind in ("input", "output"):
        ((total, count),) = [
            (s, c) for a, s, c in points["gen_ai.client.token.usage"] if a["gen_ai.token.type"] == kind
        ]
        assert (total, count) == prometheus("gen_ai_client_token_usage", **model, gen_ai_token_type=kind)
    ((_, total, count),) = points["gen_ai.client.operation.duration"]
    assert (total, count) == pytest.approx(prometheus("gen_ai_client_operation_duration_seconds", **model))
    ((attributes, total, count),) = points["gen_ai.invoke_agent.duration"]
    assert attributes["gen_ai.agent.version"] == "d36d680f05"
    assert count == 2 and total == pytest.approx(prometheus("agent_session_duration_seconds")[0])
    ((attributes, _, count),) = points["gen_ai.execute_tool.duration"]
    assert attributes["gen_ai.tool.name"] == "search_kb" and count == 2
