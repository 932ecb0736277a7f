"""The run's report: JSON (every case, for tools and the operator) and JUnit XML (for CI systems,
which show each case as a test). Failures first in the JSON, so a truncated view shows what matters."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import asdict
from typing import Any

from .runner import SuiteResult


def as_json(result: SuiteResult) -> dict[str, Any]:
    return {
        "suite": result.suite,
        "passed": result.count("passed"),
        "failed": result.count("failed"),
        "errors": result.count("error"),
        "notRun": result.not_run,
        "passRate": result.pass_rate,
        "seconds": round(result.seconds, 3),
        "cases": [_case(asdict(c)) for c in result.worst_first()],
    }


def _case(case: dict[str, Any]) -> dict[str, Any]:
    spelled = {
        "id": case["id"],
        "outcome": case["outcome"],
        "latencySeconds": case["latency_s"],
        "costUSD": case["cost_usd"],
        "error": case["error"],
        "scores": case["scores"],
        "answer": case["answer"],
    }
    return {k: v for k, v in spelled.items() if v is not None}


def as_junit(result: SuiteResult) -> str:
    suite = ElementTree.Element(
        "testsuite",
        name=result.suite,
        tests=str(len(result.cases) + result.not_run),
        failures=str(result.count("failed")),
        errors=str(result.count("error")),
        skipped=str(result.not_run),
        time=f"{result.seconds:.3f}",
    )
    for case in result.cases:
        element = ElementTree.SubElement(
            suite, "testcase", classname=result.suite, name=case.id, time=f"{case.latency_s or 0:.3f}"
        )
        lines = case.problems
        if case.outcome == "failed":
            ElementTree.SubElement(element, "failure", message=lines[0]).text = "\n".join(lines)
        elif case.outcome == "error":
            ElementTree.SubElement(element, "error", message=case.error or "error").text = case.error
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
