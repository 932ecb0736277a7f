"""`agentops-eval SUITE [--url URL] [--json FILE] [--junit FILE]`: run an evaluation suite against
an agent over HTTP and print what happened, case by case for what did not pass. In a Job,
`agentops-eval --agentevaluation NAMESPACE/NAME` takes the suite from that AgentEvaluation and
writes the results into its status (incluster.py).

It exits 0 when the suite ran (the counts say how well; whether that is good enough is the operator's
verdict, or yours), 2 when the suite is wrong (the message names the field), 1 when every case was an
error (nothing was judged: the agent or the judge is broken).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from .cases import SuiteError
from .incluster import run_agentevaluation
from .report import as_json, as_junit
from .runner import SuiteResult, run_suite
from .suite import suite_from


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agentops-eval", description="Run an evaluation suite against an agent.")
    parser.add_argument("suite", type=Path, nargs="?", help="the suite (YAML or JSON)")
    parser.add_argument("--agentevaluation", metavar="NAMESPACE/NAME", help="run the suite of this AgentEvaluation")
    parser.add_argument("--url", help="the agent's base URL (wins over the suite's target.url)")
    parser.add_argument("--json", type=Path, help="write the full report as JSON here")
    parser.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    args = parser.parse_args(argv)
    if args.agentevaluation:
        try:
            code, ran = run_agentevaluation(args.agentevaluation, args.url)
        except httpx.HTTPStatusError as error:
            request = error.request
            print(f"agentops-eval: the API answered {request.method} {request.url.path} with "
                  f"{error.response.status_code}: {error.response.text[:300]}", file=sys.stderr)  # fmt: skip
            return 1
        if ran is not None:
            print(summary(ran))
            # The AgentEvaluation lists 50 cases at most: the Job's log keeps every one, machine-readable.
            print("report " + json.dumps(as_json(ran), separators=(",", ":")))
            print("junit " + as_junit(ran).replace("\n", " "))
            _write(ran, args.json, args.junit)
        return code
    if args.suite is None:
        parser.error("give a suite file, or --agentevaluation NAMESPACE/NAME")
    try:
        suite = suite_from(_load(args.suite), args.url, args.suite.parent)
    except SuiteError as error:
        print(f"agentops-eval: {args.suite}: {error}", file=sys.stderr)
        return 2
    result = run_suite(suite)
    print(summary(result))
    _write(result, args.json, args.junit)
    return 1 if result.cases and result.pass_rate is None else 0


def _write(result: SuiteResult, json_path: Path | None, junit_path: Path | None) -> None:
    if json_path:
        json_path.write_text(json.dumps(as_json(result), indent=2) + "\n")
    if junit_path:
        junit_path.write_text(as_junit(result) + "\n")


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SuiteError(f"cannot read it ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise SuiteError(f"not YAML or JSON: {error}") from None


def summary(result: SuiteResult) -> str:
    rate = "-" if result.pass_rate is None else f"{result.pass_rate:.2f}"
    lines = [
        f"suite {result.suite}: {result.count('passed')} passed, {result.count('failed')} failed, "
        f"{result.count('error')} errors"
        + (f", {result.not_run} not run (maxErrors)" if result.not_run else "")
        + f"; pass rate {rate} in {result.seconds:.1f} s"
    ]
    for case in result.cases:
        if case.outcome == "failed":
            lines.append(f"  failed {case.id}: " + "; ".join(case.problems))
        elif case.outcome == "error":
            lines.append(f"  error  {case.id}: {case.error}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
