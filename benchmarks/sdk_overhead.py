"""Per-session overhead of the agent SDK, as a ratio to bare prometheus-client increments.

One session = 3 LLM calls, 2 tool calls, 2 guardrail checks (one triggers), as the issue
defines. The baseline does the same metric updates by hand with pre-bound label children (what a
careful user would write without the SDK). Printed with the SDK's JSON event logs on (to
/dev/null) and off; logs on both with orjson (`agentops-sdk[fast]`) and with the standard library's
encoder. Goal: ≤ 2× the baseline.

With OpenTelemetry tracing on, the SDK is compared with the same metric updates plus the same spans
(invoke_agent, 3 chat, 2 execute_tool, 2 apply_guardrail, with their attributes) recorded by hand
with the OpenTelemetry SDK, both into an in-memory exporter. Goal: ≤ 1.2× that. Rows are run
interleaved in short rounds and each keeps its best round, so a burst of noise on a shared machine
slows one round of every row rather than one row.

    .venv/bin/python benchmarks/sdk_overhead.py [--sessions 1000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry import context, trace
from prometheus_client import CollectorRegistry, Counter, Histogram

import agentops_sdk
from agentops_sdk import logs

BUNDLE = {
    "model": {"provider": "openai", "name": "gpt-4o-mini"},
    "prompt": {"system": "You are a helpful support agent for Acme; never promise refunds."},
    "tools": [{"name": "search_kb", "sideEffects": "None"}, {"name": "get_order", "sideEffects": "Idempotent"}],
    "guardrails": [
        {"name": "pii", "stage": "Output", "action": "Redact"},
        {"name": "injection", "stage": "Input", "action": "Block"},
    ],
}


# The attributes the SDK puts on each span, recorded by hand alike.
ROOT = {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.agent.name": "support",
    "gen_ai.agent.version": "abc",
    "gen_ai.conversation.id": "0123456789abcdef",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
}
TOTALS = {
    "agentops.session.outcome": "success",
    "agentops.session.turns": 1,
    "agentops.session.cost_usd": 0.0008,
    "gen_ai.usage.input_tokens": 3000,
    "gen_ai.usage.output_tokens": 600,
}
CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
    "agentops.cost_usd": 0.00027,
}
TOOL = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search_kb", "agentops.tool.outcome": "success"}
GUARDRAIL = {
    "gen_ai.operation.name": "apply_guardrail",
    "agentops.guardrail.name": "pii",
    "agentops.guardrail.stage": "Output",
    "agentops.guardrail.triggered": True,
    "agentops.guardrail.action": "Redact",
}


def bare(sessions: int, tracer: Any = None) -> float:
    """Metric updates by hand; with `tracer`, the SDK's spans by hand too."""
    registry = CollectorRegistry()
    ident = ["support", "prod", "abc"]
    labels = ["agent", "agent_namespace", "revision"]
    sess = Counter("s", "", [*labels, "outcome"], registry=registry).labels(*ident, "success")
    dur = Histogram("d", "", labels, registry=registry).labels(*ident)
    turns = Histogram("t", "", labels, registry=registry).labels(*ident)
    calls = Counter("c", "", labels, registry=registry).labels(*ident)
    tok_in = Histogram("ti", "", labels, registry=registry).labels(*ident)
    tok_out = Histogram("to", "", labels, registry=registry).labels(*ident)
    llm_dur = Histogram("ld", "", labels, registry=registry).labels(*ident)
    cost = Counter("cost", "", labels, registry=registry).labels(*ident)
    tools = [Counter(f"tool{i}", "", labels, registry=registry).labels(*ident) for i in range(2)]
    checks = [Counter(f"g{i}", "", labels, registry=registry).labels(*ident) for i in range(2)]
    trigger = Counter("gt", "", labels, registry=registry).labels(*ident)
    start = time.perf_counter()
    for _ in range(sessions):
        began = time.perf_counter()
        root = _span(tracer, "invoke_agent support", ROOT)
        for _ in range(3):
            calls.inc()
            tok_in.observe(1000)
            tok_out.observe(200)
            llm_dur.observe(0.5)
            cost.inc((1000 * 0.15 + 200 * 0.6) / 1e6)
            _span(tracer, "chat gpt-4o-mini", CHAT)
        for index, tool in enumerate(tools):
            tool.inc()
            _span(tracer, f"execute_tool t{index}", TOOL)
        for index, check in enumerate(checks):
            check.inc()
            _span(tracer, f"apply_guardrail g{index}", GUARDRAIL)
        trigger.inc()
        turns.observe(1)
        sess.inc()
        dur.observe(time.perf_counter() - began)
        if root is not None:
            context.detach(root[1])
            root[0].set_attributes(TOTALS)
            root[0].end()
    return (time.perf_counter() - start) / sessions


def _span(tracer: Any, name: str, attributes: dict[str, Any]) -> Any:
    """A span as a careful user records one: the session's stays open and current (its children's
    parent, as in the SDK), returned with its context token; the others end at once."""
    if tracer is None:
        return None
    span = tracer.start_span(name, attributes=attributes)
    if name.startswith("invoke_agent"):
        return span, context.attach(trace.set_span_in_context(span))
    span.end()
    return None


def with_standard_json(sessions: int) -> float:
    """The SDK with logs on as installed without `agentops-sdk[fast]` (no orjson)."""
    fast, logs._dumps = logs._dumps, logs._standard
    try:
        return with_sdk(sessions, True)
    finally:
        logs._dumps = fast


def with_sdk(sessions: int, log_events: bool, provider: Any = None) -> float:
    folder = Path(tempfile.mkdtemp())
    (folder / "bundle.json").write_text(json.dumps(BUNDLE))
    with open(os.devnull, "w") as sink:
        agent = agentops_sdk.init(
            name="support",
            namespace="prod",
            revision="abc",
            bundle_path=folder,
            controls_path=folder,
            registry=CollectorRegistry(),
            log_stream=sink,
            start_exporter=False,
            tracer_provider=provider,
        )
        if not log_events:
            logs.LOGGER.setLevel(logging.WARNING)
        start = time.perf_counter()
        for _ in range(sessions):
            with agent.session(user_id="u1", task_type="support") as session:
                session.turn()
                for _ in range(3):
                    session.llm_call(tokens_in=1000, tokens_out=200, latency_s=0.5)
                session.call_tool("search_kb", len, "x")
                session.call_tool("get_order", len, "y")
                session.guardrail("pii", triggered=True, action="Redact")
                session.guardrail("injection", triggered=False)
        return (time.perf_counter() - start) / sessions


def _provider() -> tuple[Any, Any]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=1000, help="sessions per row per round")
    parser.add_argument("--rounds", type=int, default=15)
    arguments = parser.parse_args()
    sessions = arguments.sessions
    provider, exporter = _provider()
    rows: dict[str, Callable[[], float]] = {
        "bare": lambda: bare(sessions),
        "quiet": lambda: with_sdk(sessions, False),
        "logged": lambda: with_sdk(sessions, True),
        "logged, standard json": lambda: with_standard_json(sessions),
        "spans by hand": lambda: bare(sessions, provider.get_tracer("by-hand")),
        "SDK spans": lambda: with_sdk(sessions, False, provider),
    }
    bare(1000), with_sdk(1000, True), with_sdk(1000, False, provider)  # warm up (imports, price table)
    best = dict.fromkeys(rows, float("inf"))
    for _ in range(arguments.rounds):  # interleaved: each round runs every row once
        for name, run in rows.items():
            best[name] = min(best[name], run())
            exporter.clear()
    baseline = best["bare"]
    print(f"bare prometheus-client: {baseline * 1e6:7.1f} µs per session")
    print(
        f"SDK, JSON logs off:     {best['quiet'] * 1e6:7.1f} µs per session  -> ratio {best['quiet'] / baseline:.2f}x"
    )
    encoder = "orjson" if logs._dumps is not logs._standard else "standard json: orjson is not installed"
    print(
        f"SDK, JSON logs on:      {best['logged'] * 1e6:7.1f} µs per session  -> ratio "
        f"{best['logged'] / baseline:.2f}x  (goal <= 2x; {encoder})"
    )
    standard = best["logged, standard json"]
    print(f"  ... without [fast]:   {standard * 1e6:7.1f} µs per session  -> ratio {standard / baseline:.2f}x")
    by_hand, sdk = best["spans by hand"], best["SDK spans"]
    print(f"metrics + OTel spans by hand: {by_hand * 1e6:7.1f} µs per session")
    print(
        f"SDK with OTel spans:          {sdk * 1e6:7.1f} µs per session  -> ratio {sdk / by_hand:.2f}x  (goal <= 1.2x)"
    )


if __name__ == "__main__":
    main()
