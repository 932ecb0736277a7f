"""`maxCost`: the case cost at most `usd` (from the reply's cost or its priced token usage)."""

from __future__ import annotations

from dataclasses import dataclass

from ..cases import Case
from ..reply import Reply
from . import Score, ScoringError


@dataclass
class MaxCost:
    usd: float = 0.01
    name: str = "maxCost"

    def score(self, case: Case, reply: Reply) -> Score | None:
        if reply.cost_usd is None:
            raise ScoringError("the reply's cost is unknown: set target.costPath, or target.openai with pricing")
        cheap = reply.cost_usd <= self.usd
        return Score(cheap, f"cost ${reply.cost_usd:.6f} (at most ${self.usd:g})")
