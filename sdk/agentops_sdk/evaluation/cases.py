"""An evaluation suite's cases: one JSON object per line (JSONL), as teams keep test sets.

A case has an `input` (the user's message) and what its scorers expect, all optional: `expected`
(the exact answer), `contains` / `notContains` (lists of phrases), `regex`, `tools` (tool names the
agent must call), `criteria` (for an LLM judge) and `id` (default: its line number). Unknown keys
are refused with the line and the key, so a typo never silently drops an expectation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

KNOWN = {"id", "input", "expected", "contains", "notContains", "regex", "tools", "criteria", "metadata"}


class SuiteError(ValueError):
    """A suite or dataset a person must fix; the message names the place and the fix."""


@dataclass(frozen=True)
class Case:
    id: str
    input: str
    expected: str | None = None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    regex: str | None = None
    tools: tuple[str, ...] | None = None
    criteria: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def parse_cases(text: str, where: str) -> list[Case]:
    """Cases from JSONL text; `where` names the source in errors (a file, a ConfigMap key)."""
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            cases.append(case_from(_json(line, f"{where} line {number}"), f"{where} line {number}", str(number)))
    if not cases:
        raise SuiteError(f"{where}: no cases; write one JSON object per line with at least an 'input'")
    return unique(cases, where)


def unique(cases: list[Case], where: str) -> list[Case]:
    """`cases`, once their ids are known to be unique (results and reports are keyed by id)."""
    ids = [c.id for c in cases]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise SuiteError(f"{where}: case ids must be unique; repeated: {', '.join(repeated)}")
    return cases


def case_from(raw: Any, where: str, default_id: str) -> Case:
    if not isinstance(raw, dict):
        raise SuiteError(f'{where}: a case is a JSON object like {{"input": "..."}}')
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise SuiteError(f"{where}: unknown key {unknown[0]!r}; a case may have {', '.join(sorted(KNOWN))}")
    if not isinstance(raw.get("input"), str) or not raw["input"]:
        raise SuiteError(f"{where}: 'input' must be a non-empty string (the message sent to the agent)")
    return Case(
        id=str(raw.get("id", default_id)),
        input=raw["input"],
        expected=_text(raw, "expected", where),
        contains=_texts(raw, "contains", where),
        not_contains=_texts(raw, "notContains", where),
        regex=_text(raw, "regex", where),
        tools=_texts(raw, "tools", where) if "tools" in raw else None,
        criteria=_text(raw, "criteria", where),
        metadata=dict(raw.get("metadata") or {}),
    )


def _json(line: str, where: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise SuiteError(f"{where}: not JSON ({error.msg} at column {error.colno}); one object per line") from None


def _text(raw: dict[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise SuiteError(f"{where}: {key!r} must be a string")
    return value


def _texts(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SuiteError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)
