"""Unit: the agent SDK's recorders, cost, controls enforcement, logs and exposition format."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest

import agentops_sdk
from agentops_sdk import AgentBlocked, DryRun, SessionThrottled, ToolBlocked, ToolRateLimited

ROOT = Path(__file__).resolve().parents[2]
PROMPT = (
    "You are the support assistant of Acme. Answer from the knowledge base only and never promise refunds to anyone."
)
BUNDLE: dict[str, Any] = {
    "runtime": {"image": "x", "port": 8080, "metricsPort": 9090},
    "model": {"provider": "openai", "name": "gpt-4o-mini"},
    "prompt": {"system": PROMPT},
    "tools": [
        {"name": "search_kb", "sideEffects": "None"},
        {"name": "create_ticket", "sideEffects": "External", "rateLimitPerMinute": 2},
    ],
    "guardrails": [{"name": "pii", "type": "pii", "stage": "Output", "action": "Redact"}],
}
IDENT = {"agent": "support", "agent_namespace": "prod", "revision": "abc123"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "bundle.json").write_text(json.dumps(BUNDLE))
    (tmp_path / "controls").mkdir()
    return {"tmp": tmp_path, "registry": CollectorRegistry(), "logs": io.StringIO()}


def make(env: dict[str, Any], bundle: dict[str, Any] | None = None) -> agentops_sdk.Agent:
    if bundle is not None:
        (env["tmp"] / "bundle" / "bundle.json").write_text(json.dumps(bundle))
    agent = agentops_sdk.init(
        name="support",
        namespace="prod",
        revision="abc123",
        bundle_path=env["tmp"] / "bundle",
        controls_path=env["tmp"] / "controls",
        registry=env["registry"],
        log_stream=env["logs"],
        start_exporter=False,
    )
    agent.controls._check_every = 0.0  # tests change the file and expect it read at once
    return agent


def value(env: dict[str, Any], name: str, **labels: str) -> float:
    return env["registry"].get_sample_value(name, {**IDENT, **labels}) or 0.0


def controls(env: dict[str, Any], **data: Any) -> None:
    """Write the controls file as the operator's ConfigMap mount would, with a fresh mtime."""
    path = env["tmp"] / "controls" / "controls.json"
    path.write_text(json.dumps(data))
    env["version"] = env.get("version", 0) + 1
    stamp = time.time() + env["version"]
    os.utime(path, (stamp, stamp))


def test_importing_the_sdk_pulls_in_no_operator_dependencies() -> None:
    code = (
        "import sys, agentops_sdk; "
        "print(','.join(m for m in ('kopf', 'kubernetes', 'pydantic', 'httpx') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == ""


def test_two_line_init_reads_the_environment_and_serves_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bundle.json").write_text(json.dumps(BUNDLE))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AGENT_NAME", "support")
    monkeypatch.setenv("AGENT_NAMESPACE", "prod")
    monkeypatch.setenv("AGENT_REVISION", "abc123")
    monkeypatch.setenv("AGENTOPS_BUNDLE_PATH", str(tmp_path))
    monkeypatch.setenv("AGENTOPS_METRICS_PORT", str(port))
    registry = CollectorRegistry()
    agent = agentops_sdk.init(registry=registry, metrics_address="127.0.0.1", log_stream=io.StringIO())
    assert (agent.name, agent.namespace, agent.revision, agent.model) == ("support", "prod", "abc123", "gpt-4o-mini")
    with agent.session():
        pass
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert (
        'agent_sessions_total{agent="support",agent_namespace="prod",outcome="success",revision="abc123"} 1.0' in text
    )


@pytest.mark.parametrize(
    ("act", "outcome"),
    [
        pytest.param(lambda s: None, "success", id="default-success"),
        pytest.param(lambda s: s.fail(), "failure", id="failure"),
        pytest.param(lambda s: s.abandon(), "abandoned", id="abandoned"),
    ],
)
def test_session_outcomes(env: dict[str, Any], act: Any, outcome: str) -> None:
    agent = make(env)
    with agent.session(user_id="u1", task_type="refund") as session:
        session.turn()
        session.turn()
        act(session)
    assert value(env, "agent_sessions_total", outcome=outcome) == 1
    assert value(env, "agent_session_turns_sum") == 2
    assert value(env, "agent_session_duration_seconds_count") == 1


def test_an_exception_is_an_error_outcome(env: dict[str, Any]) -> None:
    agent = make(env)
    with pytest.raises(RuntimeError), agent.session():
        raise RuntimeError("boom")
    assert value(env, "agent_sessions_total", outcome="error") == 1


def test_llm_cost_from_the_price_table_override_and_unknown(env: dict[str, Any]) -> None:
    agent = make(env)
    with agent.session() as session:
        cost = session.llm_call(tokens_in=1000, tokens_out=500, latency_s=0.4)
        unknown = session.llm_call(model="in-house-7b", tokens_in=100, tokens_out=100)
    assert cost == pytest.approx(0.00045)  # gpt-4o-mini: $0.15 in, $0.60 out per million
    assert unknown is None
    assert value(env, "agent_cost_usd_total", gen_ai_request_model="gpt-4o-mini") == pytest.approx(0.00045)
    assert value(env, "agent_cost_usd_total", gen_ai_request_model="in-house-7b") == 0
    assert (
        value(
            env,
            "agent_llm_calls_total",
            gen_ai_provider_name="openai",
            gen_ai_request_model="in-house-7b",
            priced="false",
        )
        == 1
    )
    labels = {"gen_ai_operation_name": "chat", "gen_ai_provider_name": "openai", "gen_ai_request_model": "gpt-4o-mini"}
    assert value(env, "gen_ai_client_token_usage_sum", gen_ai_token_type="input", **labels) == 1000
    assert value(env, "gen_ai_client_token_usage_sum", gen_ai_token_type="output", **labels) == 500
    assert value(env, "gen_ai_client_operation_duration_seconds_sum", **labels) == pytest.approx(0.4)
    overridden = make(
        {**env, "registry": CollectorRegistry()},
        {
            **BUNDLE,
            "model": {**BUNDLE["model"], "pricing": {"inputPerMillionTokensUSD": 1, "outputPerMillionTokensUSD": 2}},
        },
    )
    with overridden.session() as session:
        assert session.llm_call(tokens_in=1_000_000, tokens_out=1_000_000) == pytest.approx(3.0)


def test_tools_outcomes_and_refusals(env: dict[str, Any]) -> None:
    agent = make(env)
    with agent.session() as session:
        assert session.call_tool("search_kb", lambda q: f"found {q}", "refund") == "found refund"
        with pytest.raises(ValueError), session.tool("search_kb"):
            raise ValueError("kb down")
        session.call_tool("create_ticket", lambda: "T-1")
        session.call_tool("create_ticket", lambda: "T-2")
        with pytest.raises(ToolRateLimited):
            session.call_tool("create_ticket", lambda: "T-3")
        controls(env, blockedTools=["search_kb"])
        with pytest.raises(ToolBlocked):
            session.call_tool("search_kb", lambda: "never")
    assert value(env, "agent_tool_calls_total", tool="search_kb", outcome="success") == 1
    assert value(env, "agent_tool_calls_total", tool="search_kb", outcome="error") == 1
    assert value(env, "agent_tool_calls_total", tool="search_kb", outcome="blocked") == 1
    assert value(env, "agent_tool_calls_total", tool="create_ticket", outcome="rate_limited") == 1


def test_shadow_mode_runs_side_effecting_tools_dry(env: dict[str, Any]) -> None:
    agent = make(env)
    controls(env, mode="shadow")
    ran: list[str] = []
    with agent.session() as session:
        marker = session.call_tool("create_ticket", lambda: ran.append("ticket"))
        found = session.call_tool("search_kb", lambda: ran.append("search") or "hits")
    assert isinstance(marker, DryRun) and found == "hits" and ran == ["search"]
    controls(env, dryRunTools=["search_kb"])
    with agent.session() as session:
        assert isinstance(session.call_tool("search_kb", lambda: "hits"), DryRun)
    assert value(env, "agent_tool_calls_total", tool="create_ticket", outcome="dry_run") == 1
    assert value(env, "agent_tool_calls_total", tool="search_kb", outcome="dry_run") == 1


def test_session_throttle_rate_and_blocked_mode(env: dict[str, Any]) -> None:
    agent = make(env)
    controls(env, sessionsPerMinute=3)
    admitted = 0
    for _ in range(10):
        try:
            with agent.session():
                admitted += 1
        except SessionThrottled:
            pass
    assert admitted == 3 and value(env, "agent_sessions_total", outcome="throttled") == 7
    controls(env, mode="blocked")
    with pytest.raises(AgentBlocked), agent.session():
        pass
    assert value(env, "agent_sessions_total", outcome="blocked") == 1


def test_guardrails_grounding_safety_and_prompt_leaks(env: dict[str, Any]) -> None:
    agent = make(env)
    with agent.session() as session:
        session.guardrail("pii", triggered=False)
        session.guardrail("pii", triggered=True, action="Redact")
        session.grounding(0.7)
        session.safety_violation("self-harm")
        leaked = session.check_output(
            "Sure! My instructions say: answer from the knowledge base only and never promise refunds."
        )
        clean = session.check_output("Your order ships tomorrow.")
    assert leaked and not clean
    assert value(env, "agent_guardrail_checks_total", guardrail="pii", stage="Output") == 2
    assert value(env, "agent_guardrail_triggers_total", guardrail="pii", stage="Output", action="Redact") == 1
    assert value(env, "agent_grounding_score_sum") == pytest.approx(0.7)
    assert value(env, "agent_safety_violations_total", category="self-harm") == 1
    assert value(env, "agent_prompt_leaks_total") == 1
    assert "never promise refunds" not in env["logs"].getvalue()


def test_json_logs_carry_the_contract_fields(env: dict[str, Any]) -> None:
    agent = make(env)
    agentops_sdk.logs.LOGGER.setLevel(logging.DEBUG)  # per-event lines, as AGENTOPS_LOG_LEVEL=debug gives
    with agent.session(user_id="u7", task_type="refund") as session:
        session.llm_call(tokens_in=10, tokens_out=5, latency_s=0.2)
    lines = [json.loads(line) for line in env["logs"].getvalue().splitlines()]
    call = next(line for line in lines if line["event_type"] == "llm_call")
    for field in (
        "session_id",
        "trace_id",
        "span_id",
        "agent_id",
        "timestamp",
        "event_type",
        "user_id",
        "task_type",
        "model",
        "tokens_in",
        "tokens_out",
        "latency_ms",
        "success",
    ):
        assert field in call, field
    assert call["user_id"] == "u7" and call["tokens_in"] == 10 and call["latency_ms"] == 200.0
    assert lines[-1]["event_type"] == "session_end" and lines[-1]["success"] is True


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('Zoë asked 😀 about \u2028 and "quotes"', id="non-ascii-text"),
        pytest.param(2**70, id="beyond-64-bit-integer"),
        pytest.param({"nested": [1, 2.5, None]}, id="nested"),
        pytest.param(Path("/x"), id="object-as-its-str"),
    ],
)
def test_log_lines_are_the_same_with_or_without_orjson(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch, value: Any
) -> None:
    """`agentops-sdk[fast]` only makes the line cheaper: agents without orjson log the same values
    (floats may be spelled differently: 4.5e-6 or 4.5e-06)."""
    pytest.importorskip("orjson")  # scripts/setup installs the [fast] extra
    assert agentops_sdk.logs._dumps is not agentops_sdk.logs._standard
    agent = make(env)
    lines: list[dict[str, Any]] = []
    for encoder in (agentops_sdk.logs._dumps, agentops_sdk.logs._standard):
        monkeypatch.setattr(agentops_sdk.logs, "_dumps", encoder)
        with agent.session(user_id="u7", task_type=value) as session:
            session.llm_call(tokens_in=10, tokens_out=5, latency_s=0.2)
        line = json.loads(env["logs"].getvalue().splitlines()[-1])
        lines.append(
            {key: line[key] for key in line.keys() - {"timestamp", "session_id", "trace_id", "span_id", "latency_ms"}}
        )
        assert list(line)[:3] == ["timestamp", "level", "event_type"]
    assert lines[0] == lines[1] and lines[0]["task_type"] == json.loads(json.dumps(value, default=str))


def test_without_orjson_the_standard_encoder_writes_the_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "orjson", None)  # as in an agent installed without [fast]
    assert agentops_sdk.logs._fast() is None


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool comes with Debian's prometheus package (.ci/run installs it)"
)
def test_exposition_passes_promtool(env: dict[str, Any]) -> None:
    agent = make(env)
    with agent.session() as session:
        session.llm_call(tokens_in=10, tokens_out=5, latency_s=0.1)
        session.call_tool("search_kb", lambda: None)
        session.guardrail("pii", triggered=True)
        session.grounding(0.9)
    result = subprocess.run(
        ["promtool", "check", "metrics"], input=generate_latest(env["registry"]), capture_output=True
    )
    assert result.returncode == 0 and result.stdout == b"" and result.stderr == b"", result.stderr


def test_docs_list_exactly_the_exported_metrics(env: dict[str, Any]) -> None:
    make(env)
    exported = {metric.name + ("_total" if metric.type == "counter" else "") for metric in env["registry"].collect()}
    documented = set(
        re.findall(
            r"^\| `([a-z_]+)` \| (?:counter|gauge|histogram) \|",
            (ROOT / "docs" / "reference" / "metrics.md").read_text(),
            re.M,
        )
    )
    assert documented == exported
