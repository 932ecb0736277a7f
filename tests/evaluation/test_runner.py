"""The evaluation runner against a real HTTP agent: each scorer, the three case outcomes, errors that
never count as failures, maxErrors, and the OpenAI shorthand with tool calls and priced usage."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from agentops_sdk.evaluation import run_suite, suite_from
from agentops_sdk.evaluation.report import as_json, as_junit

REQUEST = {"request": {"path": "/chat", "body": {"message": "{{input}}"}}, "answerPath": "$.reply"}
TARGET = {**REQUEST, "toolCallsPath": "$.tools[*]", "costPath": "$.cost"}


def suite(url: str, cases: list[dict[str, Any]], scorers: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "name": "support",
        "dataset": {"inline": cases},
        "target": {"url": url, **TARGET},
        "scorers": scorers,
        "timeoutSeconds": 0.5,
        **extra,
    }


def outcomes(raw: dict[str, Any]) -> dict[str, tuple[str, str]]:
    result = run_suite(suite_from(raw))
    return {c.id: (c.outcome, c.error or "; ".join(s.detail for s in c.scores)) for c in result.cases}


@pytest.mark.parametrize(
    ("case", "scorer", "outcome", "detail"),
    [
        pytest.param(
            {"input": "hello", "expected": "hello! how can i help?"},
            {"type": "exact", "ignoreCase": True},
            "passed",
            "as expected",
            id="exact-ignoring-case",
        ),
        pytest.param({"input": "hello", "expected": "Hi"}, {"type": "exact"}, "failed", "expected 'Hi'", id="exact"),
        pytest.param(
            {"input": "refund?", "contains": ["30 days"], "notContains": ["promise"]},
            {"type": "contains"},
            "passed",
            "every phrase",
            id="contains",
        ),
        pytest.param(
            {"input": "promise", "notContains": ["promise"]},
            {"type": "contains"},
            "failed",
            "must not say ['promise']",
            id="not-contains",
        ),
        pytest.param({"input": "refund?", "regex": r"\d+ days"}, {"type": "regex"}, "passed", "matches", id="regex"),
        pytest.param(
            {"input": "order 42"},
            {"type": "jsonSchema", "schema": {"type": "object", "required": ["eta"]}},
            "failed",
            "'eta' is a required property",
            id="json-schema",
        ),
        pytest.param(
            {"input": "hello"},
            {"type": "jsonSchema", "schema": {"type": "object"}},
            "failed",
            "not JSON",
            id="json-schema-prose",
        ),
        pytest.param(
            {"input": "refund?", "tools": ["search_kb"]}, {"type": "toolCalls"}, "passed", "called", id="tool-calls"
        ),
        pytest.param(
            {"input": "hello", "tools": ["search_kb"]},
            {"type": "toolCalls"},
            "failed",
            "did not call ['search_kb']",
            id="tool-not-called",
        ),
        pytest.param(
            {"input": "hello"}, {"type": "maxLatency", "seconds": 0.4}, "passed", "at most 0.4 s", id="latency"
        ),
        pytest.param({"input": "promise"}, {"type": "maxCost", "usd": 0.001}, "failed", "cost $0.003000", id="cost"),
        pytest.param({"input": "hello"}, {"type": "contains"}, "error", "no scorer applies", id="nothing-to-check"),
    ],
)
def test_each_scorer(agent_url: str, case: dict[str, Any], scorer: dict[str, Any], outcome: str, detail: str) -> None:
    got_outcome, got_detail = outcomes(suite(agent_url, [{"id": "c", **case}], [scorer]))["c"]
    assert (got_outcome, detail in got_detail) == (outcome, True), got_detail


def test_an_agent_that_does_not_answer_is_an_error_never_a_failure(agent_url: str) -> None:
    cases = [
        {"id": "ok", "input": "refund?", "contains": ["30 days"]},
        {"id": "500", "input": "crash", "contains": ["x"]},
        {"id": "slow", "input": "slow", "contains": ["x"]},
        {"id": "prose", "input": "prose", "contains": ["x"]},
    ]
    got = outcomes(suite(agent_url, cases, [{"type": "contains"}]))
    assert got["ok"][0] == "passed"
    assert got["500"] == ("error", 'HTTP 500 from the agent: \'{"error": "boom"}\'')
    assert got["slow"] == ("error", "no answer within 0.5 s")
    assert got["prose"][0] == "error" and "not JSON" in got["prose"][1]
    result = run_suite(suite_from(suite(agent_url, cases, [{"type": "contains"}])))
    assert (result.count("passed"), result.count("failed"), result.count("error"), result.pass_rate) == (1, 0, 3, 1.0)


def test_max_errors_stops_calling_a_broken_agent(agent_url: str) -> None:
    cases = [{"id": str(i), "input": "crash", "contains": ["x"]} for i in range(20)]
    result = run_suite(suite_from(suite(agent_url, cases, [{"type": "contains"}], maxErrors=3, parallelism=1)))
    assert (result.count("error"), result.not_run) == (3, 17)
    report = as_json(result)
    assert (report["errors"], report["notRun"], report["passRate"]) == (3, 17, None)


def test_the_openai_shorthand_reads_answer_tool_calls_and_priced_usage(
    agent_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_TOKEN", "s3cret")
    raw = {
        "name": "openai",
        "dataset": {
            "inline": [
                {"id": "r", "input": "refund?", "contains": ["30 days", "auth Bearer s3cret"], "tools": ["search_kb"]}
            ]
        },
        "target": {
            "url": agent_url,
            "path": "/v1/chat/completions",
            "headers": {"Authorization": "Bearer ${AGENT_TOKEN}"},
            "openai": {"model": "m", "pricing": {"inputPerMillionTokensUSD": 1, "outputPerMillionTokensUSD": 2}},
        },
        "scorers": [{"type": "contains"}, {"type": "toolCalls", "exact": True}, {"type": "maxCost", "usd": 0.0021}],
    }
    result = run_suite(suite_from(raw))
    case = result.cases[0]
    assert case.outcome == "passed", case
    assert case.cost_usd == pytest.approx((1000 * 1 + 500 * 2) / 1e6)


def test_reports_put_failures_first_and_junit_counts_them(agent_url: str) -> None:
    cases = [
        {"id": "good", "input": "refund?", "contains": ["30 days"]},
        {"id": "bad", "input": "promise", "notContains": ["promise"]},
        {"id": "broken", "input": "crash", "contains": ["x"]},
    ]
    result = run_suite(suite_from(suite(agent_url, cases, [{"type": "contains"}])))
    assert [c["id"] for c in as_json(result)["cases"]] == ["bad", "broken", "good"]
    junit = as_junit(result)
    assert 'tests="3" failures="1" errors="1"' in junit and "must not say" in junit and "HTTP 500" in junit


def test_agents_that_only_emit_metrics_load_nothing_of_the_runner() -> None:
    modules = ("jsonschema", "jsonpath_ng", "yaml", "agentops_sdk.evaluation")
    code = f"import sys, agentops_sdk; print(sorted(m for m in {modules!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
