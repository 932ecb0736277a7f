"""`regex`: the answer matches a pattern (the scorer's `pattern`, or the case's `regex`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..cases import Case, SuiteError
from ..reply import Reply
from . import Score


@dataclass
class Regex:
    pattern: str | None = None
    name: str = "regex"

    def __post_init__(self) -> None:
        if self.pattern is not None:
            _compile(self.pattern, "scorer pattern")

    def score(self, case: Case, reply: Reply) -> Score | None:
        pattern = case.regex or self.pattern
        if pattern is None:
            return None
        matched = _compile(pattern, f"case {case.id} regex").search(reply.text) is not None
        return Score(matched, f"matches /{pattern}/" if matched else f"does not match /{pattern}/")


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise SuiteError(f"{where}: not a regular expression ({error})") from None
