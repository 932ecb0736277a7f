"""Scorers: each judges one aspect of one reply to one case. A small Protocol, one file each.

A scorer returns a `Score` (passed or not, and a line a person can read), None when the case gives it
nothing to check (no `expected` for `exact`), or raises `ScoringError` when it cannot judge (an LLM
judge that did not answer): that is an error for the case, never a failure and never a zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..cases import Case, SuiteError
from ..reply import Reply


@dataclass(frozen=True)
class Score:
    passed: bool
    detail: str


class ScoringError(Exception):
    """The scorer could not judge this reply (the message says why)."""


class Scorer(Protocol):
    name: str

    def score(self, case: Case, reply: Reply) -> Score | None: ...


def build(spec: Any, where: str) -> Scorer:
    """The scorer a suite's `scorers[i]` entry asks for; SuiteError names the entry and the fix."""
    from . import contains, cost, exact, json_schema, latency, llm_judge, regex, tool_calls

    kinds: dict[str, Any] = {
        "exact": exact.Exact,
        "contains": contains.Contains,
        "regex": regex.Regex,
        "jsonSchema": json_schema.JsonSchema,
        "toolCalls": tool_calls.ToolCalls,
        "maxLatency": latency.MaxLatency,
        "maxCost": cost.MaxCost,
        "llmJudge": llm_judge.LlmJudge,
    }
    if not isinstance(spec, dict) or spec.get("type") not in kinds:
        raise SuiteError(f"{where}.type: one of {', '.join(kinds)} (got {spec!r})")
    options = {k: v for k, v in spec.items() if k != "type"}
    try:
        return kinds[spec["type"]](**options)  # type: ignore[no-any-return]
    except TypeError as error:
        raise SuiteError(f"{where}: {spec['type']} scorer: {error}") from None
