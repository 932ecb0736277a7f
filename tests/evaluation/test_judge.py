"""The LLM judge over a real OpenAI-compatible endpoint on 127.0.0.1: its verdict is used as given;
a judge that fails in any way makes the case an error, never a failure and never a zero."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from agentops_sdk.evaluation import run_suite, suite_from
from tests.serving import answer, serving

from .test_runner import TARGET

# what the judge says, chosen by a word in the criteria
JUDGE_SAYS = {
    "polite": (200, '{"pass": true, "reason": "polite and on topic"}'),
    "fenced": (200, '```json\n{"pass": false, "reason": "promises a refund"}\n```'),
    "prose": (200, "Looks good to me!"),
    "no-verdict": (200, '{"reason": "hmm"}'),
    "down": (503, ""),
}


class Judge(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        question = request["messages"][-1]["content"]
        assert request["model"] == "judge-1" and self.headers["Authorization"] == "Bearer judge-key"
        status, content = next(v for k, v in JUDGE_SAYS.items() if f"Criteria: {k}" in question)
        body = {"choices": [{"message": {"role": "assistant", "content": content}}]} if status == 200 else {}
        answer(self, status, json.dumps(body).encode(), "application/json")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("criteria", "outcome", "detail"),
    [
        pytest.param("polite", "passed", "polite and on topic", id="pass"),
        pytest.param("fenced", "failed", "promises a refund", id="fail-in-a-code-fence"),
        pytest.param("prose", "error", "did not answer with JSON", id="prose-is-an-error"),
        pytest.param("no-verdict", "error", 'no boolean "pass"', id="no-verdict-is-an-error"),
        pytest.param("down", "error", "HTTPStatusError", id="judge-down-is-an-error"),
    ],
)
def test_the_judge(agent_url: str, monkeypatch: pytest.MonkeyPatch, criteria: str, outcome: str, detail: str) -> None:
    monkeypatch.setenv("JUDGE_KEY", "judge-key")
    with serving(Judge) as judge_url:
        raw = {
            "name": "judged",
            "dataset": {"inline": [{"id": "c", "input": "refund?", "criteria": criteria}]},
            "target": {"url": agent_url, **TARGET},
            "scorers": [{"type": "llmJudge", "url": judge_url, "model": "judge-1", "apiKeyEnv": "JUDGE_KEY"}],
        }
        result = run_suite(suite_from(raw))
    case = result.cases[0]
    assert case.outcome == outcome
    assert detail in (case.error or case.scores[0].detail)
    assert result.pass_rate is None if outcome == "error" else result.pass_rate == (outcome == "passed")
