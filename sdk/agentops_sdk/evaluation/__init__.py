"""Evaluation suites run against an agent over HTTP: datasets, scorers, the runner and its reports.

`agentops-eval` (cli.py) is the console script; `agentops-sdk[eval]` installs what it needs (httpx,
jsonpath-ng, jsonschema, PyYAML). The runner reports raw counts and per-case results; it never
decides whether a revision passes (the operator does, from those counts). Not imported by
`import agentops_sdk`: agents that only emit metrics load none of it.
"""

from __future__ import annotations

from .cases import Case, SuiteError, parse_cases
from .reply import Reply
from .runner import CaseResult, SuiteResult, run_suite
from .scorers import Score, Scorer, ScoringError
from .suite import Suite, suite_from

__all__ = [
    "Case",
    "CaseResult",
    "Reply",
    "Score",
    "Scorer",
    "ScoringError",
    "Suite",
    "SuiteError",
    "SuiteResult",
    "parse_cases",
    "run_suite",
    "suite_from",
]
