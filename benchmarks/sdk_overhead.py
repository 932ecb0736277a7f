"""Per-session overhead of the agent SDK, as a ratio to bare prometheus-client increments.

One session = 3 LLM calls, 2 tool calls, 2 guardrail checks (one triggers), as the issue
defines. The baseline does the same metric updates by hand with pre-bound label children (what a
careful user would write without the SDK). Printed with the SDK's JSON event logs on (to
/dev/null) and off. Goal: ≤ 2× the baseline.

    .venv/bin/python benchmarks/sdk_overhead.py [--sessions 20000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

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


def bare(sessions: int) -> float:
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
        for _ in range(3):
            calls.inc()
            tok_in.observe(1000)
            tok_out.observe(200)
            llm_dur.observe(0.5)
            cost.inc((1000 * 0.15 + 200 * 0.6) / 1e6)
        for tool in tools:
            tool.inc()
        for check in checks:
            check.inc()
        trigger.inc()
        turns.observe(1)
        sess.inc()
        dur.observe(time.perf_counter() - began)
    return (time.perf_counter() - start) / sessions


def with_sdk(sessions: int, log_events: bool) -> float:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20000)
    sessions = parser.parse_args().sessions
    bare(1000), with_sdk(1000, True)  # warm up (imports, price table)
    baseline = min(bare(sessions) for _ in range(3))
    quiet = min(with_sdk(sessions, False) for _ in range(3))
    logged = min(with_sdk(sessions, True) for _ in range(3))
    print(f"bare prometheus-client: {baseline * 1e6:7.1f} µs per session")
    print(f"SDK, JSON logs off:     {quiet * 1e6:7.1f} µs per session  -> ratio {quiet / baseline:.2f}x")
    print(
        f"SDK, JSON logs on:      {logged * 1e6:7.1f} µs per session  -> ratio {logged / baseline:.2f}x  (goal <= 2x)"
    )


if __name__ == "__main__":
    main()
