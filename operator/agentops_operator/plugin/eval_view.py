"""`kubectl agents eval NAME`: the latest run of each evaluation suite (from the agent's status) with
its counts and verdict (from its AgentEvaluation), then the cases that did not pass."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

JsonDict = dict[str, Any]
SHOWN_CASES = 20  # per run; the AgentEvaluation lists up to 50, the runner's log every one


def show(console: Console, agent: JsonDict, runs: list[JsonDict]) -> None:
    latest = (agent.get("status") or {}).get("evaluation", [])
    if not latest:
        console.print("no evaluation runs (spec.evaluation is unset, or the revision is not available yet)")
        return
    by_name = {r["metadata"]["name"]: r for r in runs}
    table = Table("suite", "revision", "run", "passed", "failed", "errors", "pass rate", "verdict", "why")
    for record in latest:
        results = (by_name.get(record["run"]) or {}).get("status") or {}
        verdict = record.get("verdict") or results.get("verdict") or "Running"
        table.add_row(
            record["suite"] + (" (scheduled)" if record.get("scheduled") else ""),
            record["revision"],
            f"{record['run']} (#{record['attempt']})",
            *(str(results.get(k, "-")) for k in ("passed", "failed", "errors")),
            "-" if results.get("passRate") is None else f"{results['passRate']:.3g}",
            verdict,
            record.get("reason") or results.get("runnerError") or "",
        )
    console.print(table)
    for record in latest:
        results = (by_name.get(record["run"]) or {}).get("status") or {}
        bad = [c for c in results.get("cases", []) if c.get("outcome") != "passed"]
        if not bad:
            continue
        cases = Table("case", "outcome", "detail", title=f"{record['suite']}: cases that did not pass")
        for case in bad[:SHOWN_CASES]:
            cases.add_row(case["id"], case["outcome"], case.get("detail", ""))
        console.print(cases)
        more = len(bad) - SHOWN_CASES
        if more > 0 or results.get("casesOmitted"):
            console.print(
                f"… {max(more, 0)} more here, {results.get('casesOmitted') or 0} not listed in the AgentEvaluation: "
                f"kubectl get agentevaluation {record['run']} -o yaml, or the log of Job {record['run']}"
            )
