"""`agentops-eval` as a person runs it: a YAML suite and a JSONL dataset next to it, against a real
HTTP agent; the summary names what did not pass, and the JSON and JUnit reports are written."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

SUITE = """\
name: support-basics
dataset: {path: cases.jsonl}
target:
  request: {path: /chat, body: {message: "{{input}}"}}
  answerPath: $.reply
scorers:
  - type: contains
passRate: 0.9
"""
CASES = [
    {"id": "refund-window", "input": "refund?", "contains": ["30 days"]},
    {"id": "no-promises", "input": "promise", "notContains": ["promise"]},
    {"id": "greeting", "input": "hello", "contains": ["help"]},
    {"id": "outage", "input": "crash", "contains": ["x"]},
]


def test_a_suite_from_files(agent_url: str, tmp_path: Path) -> None:
    (tmp_path / "suite.yaml").write_text(SUITE)
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in CASES))
    script = Path(sys.executable).parent / "agentops-eval"  # the console script of the SDK's [eval] extra
    done = subprocess.run(
        [
            script,
            str(tmp_path / "suite.yaml"),
            "--url",
            agent_url,
            "--json",
            str(tmp_path / "r.json"),
            "--junit",
            str(tmp_path / "r.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("suite support-basics: 2 passed, 1 failed, 1 errors; pass rate 0.67")
    assert "  failed no-promises: contains: must not say ['promise']" in lines
    assert any(line.startswith("  error  outage: HTTP 500 from the agent") for line in lines)
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["passed"], report["failed"], report["errors"]) == (2, 1, 1)
    junit = ElementTree.parse(tmp_path / "r.xml").getroot()
    assert (junit.get("tests"), junit.get("failures"), junit.get("errors")) == ("4", "1", "1")
