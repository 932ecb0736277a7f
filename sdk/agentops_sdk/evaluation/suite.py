"""An evaluation suite as written by a person (YAML or JSON, camelCase like the operator's API).

    name: refunds
    dataset: {path: cases.jsonl}        # or inline: [{input: ..., contains: [...]}, ...]
    target: {openai: {model: gpt-4o-mini}}   # or request + answerPath; url from --url
    scorers: [{type: contains}, {type: maxLatency, seconds: 5}]
    passRate: 0.9
    minCases: 20
    timeoutSeconds: 30
    parallelism: 4
    maxErrors: 5

Every mistake is a SuiteError naming the field and the fix, before any case runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cases import Case, SuiteError, case_from, parse_cases, unique
from .scorers import Scorer, build
from .target import Target, target_from

KNOWN = {
    "name", "dataset", "target", "scorers", "passRate", "minCases", "timeoutSeconds", "parallelism", "maxErrors",
    "beforeTraffic",  # when the operator runs it (spec.evaluation); the runner runs it whenever asked
}  # fmt: skip


@dataclass
class Suite:
    name: str
    cases: list[Case]
    scorers: list[Scorer]
    target: Target
    pass_rate: float = 0.9
    min_cases: int = 1
    timeout_seconds: float = 30.0
    parallelism: int = 4
    max_errors: int | None = None  # stop early after this many errors (None: never)


def suite_from(raw: Any, url: str | None = None, base: Path = Path("."), cases: list[Case] | None = None) -> Suite:
    """The suite in `raw` (a parsed YAML/JSON document); `base` resolves a relative dataset path;
    `cases`, when given, are the dataset already read (from a ConfigMap, in the cluster)."""
    if not isinstance(raw, dict):
        raise SuiteError("the suite is an object with name, dataset, target and scorers")
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise SuiteError(f"unknown field {unknown[0]!r}; a suite has {', '.join(sorted(KNOWN))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SuiteError("name: give the suite a name (it labels the report and the metrics)")
    scorers = raw.get("scorers")
    if not isinstance(scorers, list) or not scorers:
        raise SuiteError("scorers: a list of at least one scorer, e.g. [{type: contains}]")
    suite = Suite(
        name=name,
        cases=cases if cases is not None else _dataset(raw.get("dataset"), base),
        scorers=[build(spec, f"scorers[{i}]") for i, spec in enumerate(scorers)],
        target=target_from(raw.get("target"), url),
        pass_rate=_number(raw, "passRate", 0.9, 0.0, 1.0),
        min_cases=int(_number(raw, "minCases", 1, 1, None)),
        timeout_seconds=_number(raw, "timeoutSeconds", 30.0, 0.001, None),
        parallelism=int(_number(raw, "parallelism", 4, 1, 64)),
        max_errors=int(raw["maxErrors"]) if raw.get("maxErrors") is not None else None,
    )
    if len(suite.cases) < suite.min_cases:
        raise SuiteError(f"minCases is {suite.min_cases} but the dataset has {len(suite.cases)} cases; add cases")
    return suite


def _dataset(raw: Any, base: Path) -> list[Case]:
    if not isinstance(raw, dict) or ("inline" in raw) == ("path" in raw):
        raise SuiteError("dataset: give exactly one of inline (a list of cases) or path (a JSONL file)")
    if "inline" in raw:
        inline = raw["inline"]
        if not isinstance(inline, list) or not inline:
            raise SuiteError("dataset.inline: a non-empty list of cases like {input: ...}")
        return unique(
            [case_from(c, f"dataset.inline[{i}]", str(i + 1)) for i, c in enumerate(inline)], "dataset.inline"
        )
    path = base / str(raw["path"])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SuiteError(f"dataset.path: cannot read {path} ({error.strerror})") from None
    return parse_cases(text, str(path))


def _number(raw: dict[str, Any], key: str, default: float, low: float, high: float | None) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low or (high and value > high):
        bounds = f"between {low:g} and {high:g}" if high else f"at least {low:g}"
        raise SuiteError(f"{key}: a number {bounds} (got {value!r})")
    return float(value)
