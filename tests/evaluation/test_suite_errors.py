"""A suite a person got wrong is refused before any case runs, with the field and the fix; the CLI
prints that one line and exits 2, without a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentops_sdk.evaluation import SuiteError, suite_from

GOOD: dict[str, Any] = {
    "name": "s",
    "dataset": {"inline": [{"input": "hello", "contains": ["hi"]}]},
    "target": {"url": "http://127.0.0.1:9", "openai": {"model": "m"}},
    "scorers": [{"type": "contains"}],
}


def changed(**fields: Any) -> dict[str, Any]:
    return {**GOOD, **fields}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(changed(passrate=0.9), "unknown field 'passrate'", id="typo-in-a-field"),
        pytest.param(changed(name=""), "name: give the suite a name", id="no-name"),
        pytest.param(
            changed(scorers=[{"type": "similar"}]), "scorers[0].type: one of exact, contains", id="scorer-type"
        ),
        pytest.param(changed(scorers=[{"type": "regex", "pattern": "("}]), "not a regular expression", id="bad-regex"),
        pytest.param(
            changed(scorers=[{"type": "jsonSchema", "schema": {"type": "thing"}}]),
            "not valid JSON Schema",
            id="bad-schema",
        ),
        pytest.param(changed(scorers=[{"type": "maxCost", "dollars": 1}]), "maxCost scorer: ", id="scorer-option"),
        pytest.param(changed(scorers=[{"type": "llmJudge", "model": "m"}]), "llmJudge scorer: set url", id="judge-url"),
        pytest.param(
            changed(dataset={"inline": [{"input": "x", "contain": ["a"]}]}),
            "dataset.inline[0]: unknown key 'contain'",
            id="case-typo",
        ),
        pytest.param(
            changed(dataset={"inline": [{"id": "a", "input": "x"}, {"id": "a", "input": "y"}]}),
            "case ids must be unique; repeated: a",
            id="repeated-id",
        ),
        pytest.param(
            changed(dataset={"inline": [{"expected": "x"}]}), "'input' must be a non-empty string", id="no-input"
        ),
        pytest.param(changed(dataset={"inline": [], "path": "x"}), "exactly one of inline", id="both-datasets"),
        pytest.param(changed(minCases=5), "minCases is 5 but the dataset has 1 cases", id="too-few-cases"),
        pytest.param(changed(passRate=90), "passRate: a number between 0 and 1", id="rate-as-percent"),
        pytest.param(
            changed(target={"url": "127.0.0.1:9", "openai": {"model": "m"}}),
            "target.url: the agent's http(s)",
            id="url-without-scheme",
        ),
        pytest.param(
            changed(target={"url": "http://a", "request": {}, "answerPath": "$..[["}),
            "target.answerPath: not a JSONPath",
            id="bad-jsonpath",
        ),
        pytest.param(changed(target={"url": "http://a", "request": {}}), "with answerPath", id="no-answer-path"),
    ],
)
def test_a_wrong_suite_names_the_field(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SuiteError) as error:
        suite_from(raw)
    assert message in str(error.value)


def test_a_dataset_file_with_a_broken_line_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "cases.jsonl").write_text('{"input": "a", "contains": ["x"]}\n\n{"input": "b", contains: 1}\n')
    with pytest.raises(SuiteError, match=r"cases.jsonl line 3: not JSON"):
        suite_from(changed(dataset={"path": "cases.jsonl"}), base=tmp_path)


def test_the_cli_reports_a_wrong_suite_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(json.dumps(changed(scorers=[{"type": "similar"}])))
    done = subprocess.run([sys.executable, "-m", "agentops_sdk.evaluation", str(path)], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith(f"agentops-eval: {path}: scorers[0].type: one of")
