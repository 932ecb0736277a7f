"""`maxLatency`: the agent answered within `seconds`."""

from __future__ import annotations

from dataclasses import dataclass

from ..cases import Case
from ..reply import Reply
from . import Score


@dataclass
class MaxLatency:
    seconds: float = 10.0
    name: str = "maxLatency"

    def score(self, case: Case, reply: Reply) -> Score | None:
        fast = reply.latency_s <= self.seconds
        return Score(fast, f"answered in {reply.latency_s:.2f} s (at most {self.seconds:g} s)")
