"""`exact`: the answer equals the case's `expected` (trimmed; `ignoreCase: true` to fold case)."""

from __future__ import annotations

from dataclasses import dataclass

from ..cases import Case
from ..reply import Reply
from . import Score


@dataclass
class Exact:
    ignoreCase: bool = False
    name: str = "exact"

    def score(self, case: Case, reply: Reply) -> Score | None:
        if case.expected is None:
            return None
        got, want = reply.text.strip(), case.expected.strip()
        if self.ignoreCase:
            got, want = got.casefold(), want.casefold()
        return Score(got == want, "answer is as expected" if got == want else f"expected {case.expected!r}")
