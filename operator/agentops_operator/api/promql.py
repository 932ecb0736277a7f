"""PromQL in a spec is parsed when the spec is read, so a query Prometheus would refuse is named at
the field (the agent is not Ready, `kubectl agents lint` says the same) instead of reading as "no
data" forever: a runbook on an invalid query never fires, and nothing said so.

The parser is `promql-parser` (GreptimeDB's Rust port of Prometheus' grammar, with its functions),
not a hand-written one. The placeholders the operator substitutes are filled with sample values first.
"""

from __future__ import annotations

from typing import Annotated

import promql_parser
from pydantic import AfterValidator, StringConstraints

PLACEHOLDERS = {"{{revision}}": "0123456789", "{{agent}}": "agent", "{{namespace}}": "default"}


def check_promql(query: str) -> str:
    example = query
    for placeholder, value in PLACEHOLDERS.items():
        example = example.replace(placeholder, value)
    try:
        promql_parser.parse(example)
    except ValueError as error:
        raise ValueError(f"not valid PromQL ({error}); try the query in Prometheus, then apply again") from None
    return query


PromQL = Annotated[str, StringConstraints(min_length=1, max_length=4096), AfterValidator(check_promql)]
