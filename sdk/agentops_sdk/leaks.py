"""Prompt-leak detection: does an output contain a long run of the system prompt?

Compares word n-grams (case- and whitespace-insensitive) of the output with those of the system
prompt; one shared n-gram is a leak. n is 8 words, or the whole prompt when it is shorter (a
5-word prompt leaks when all 5 words appear in order), but never under 3 words: a one- or two-word
prompt has nothing distinctive to look for, and flagging every "be helpful" would bury real leaks.
The output is never logged, only counted.
"""

from __future__ import annotations

import re

WINDOW = 8
MIN_WINDOW = 3
_WORDS = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, window: int = WINDOW) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + window]) for i in range(len(words) - window + 1)}


class LeakDetector:
    def __init__(self, system_prompt: str, window: int = WINDOW) -> None:
        length = len(_WORDS.findall(system_prompt))
        self.window = min(window, length)
        self.prompt_shingles = shingles(system_prompt, self.window) if self.window >= MIN_WINDOW else set()

    def leaked(self, output: str) -> bool:
        if not self.prompt_shingles:
            return False
        return not self.prompt_shingles.isdisjoint(shingles(output, self.window))
