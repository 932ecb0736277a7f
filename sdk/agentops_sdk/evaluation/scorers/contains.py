"""`contains`: the answer has every phrase of the case's `contains` and none of its `notContains`."""

from __future__ import annotations

from dataclasses import dataclass

from ..cases import Case
from ..reply import Reply
from . import Score


@dataclass
class Contains:
    ignoreCase: bool = True
    name: str = "contains"

    def score(self, case: Case, reply: Reply) -> Score | None:
        if not case.contains and not case.not_contains:
            return None
        fold = str.casefold if self.ignoreCase else str
        text = fold(reply.text)
        missing = [p for p in case.contains if fold(p) not in text]
        present = [p for p in case.not_contains if fold(p) in text]
        if not missing and not present:
            return Score(True, "has every phrase it must and none it must not")
        parts = [f"missing {missing}" if missing else "", f"must not say {present}" if present else ""]
        return Score(False, "; ".join(p for p in parts if p))
