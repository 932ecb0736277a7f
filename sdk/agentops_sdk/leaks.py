"""Prompt-leak detection: does an output contain a long run of the system prompt?

Compares word 8-grams (case- and whitespace-insensitive) of the output with those of the system
prompt; one shared 8-gram is a leak. The output is never logged, only counted.
"""

from __future__ import annotations

import re

WINDOW = 8
_WORDS = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, window: int = WINDOW) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + window]) for i in range(len(words) - window + 1)}


class LeakDetector:
    def __init__(self, system_prompt: str, window: int = WINDOW) -> None:
        self.window = window
        self.prompt_shingles = shingles(system_prompt, window)

    def leaked(self, output: str) -> bool:
        if not self.prompt_shingles:
            return False
        return not self.prompt_shingles.isdisjoint(shingles(output, self.window))
