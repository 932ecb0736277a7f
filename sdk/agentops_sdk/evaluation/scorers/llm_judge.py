"""`llmJudge`: an LLM behind an OpenAI-compatible endpoint says whether the answer meets the criteria.

The judge is asked for one JSON object, {"pass": true|false, "reason": "..."}. Anything else — an HTTP
error, a timeout, prose, a missing "pass" — is a ScoringError: the case is an error, never a failure
and never a zero, so a broken judge cannot fail (or pass) a revision. The key comes from the
environment variable `apiKeyEnv` names (in the cluster, a Secret the Job maps to it).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

import httpx

from ..cases import Case, SuiteError
from ..reply import Reply
from . import Score, ScoringError

INSTRUCTIONS = (
    "You grade one answer of an AI agent against criteria. Reply with only a JSON object: "
    '{"pass": true or false, "reason": "one sentence"}.'
)


@dataclass
class LlmJudge:
    url: str = ""  # base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1
    model: str = ""
    criteria: str = ""  # used when a case has no `criteria` of its own
    apiKeyEnv: str = "AGENTOPS_JUDGE_API_KEY"
    timeoutSeconds: float = 60.0
    name: str = "llmJudge"

    def __post_init__(self) -> None:
        if not self.url or not self.model:
            raise SuiteError("llmJudge scorer: set url (an OpenAI-compatible base URL) and model")

    def score(self, case: Case, reply: Reply) -> Score | None:
        criteria = case.criteria or self.criteria
        if not criteria:
            return None
        question = f"Criteria: {criteria}\nUser message: {case.input}\nAgent's answer: {reply.text}"
        if case.expected:
            question += f"\nA reference answer: {case.expected}"
        key = os.environ.get(self.apiKeyEnv, "")
        try:
            response = httpx.post(
                self.url.rstrip("/") + "/chat/completions",
                json={
                    "model": self.model,
                    "temperature": 0,
                    "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": question}],
                },
                headers={"Authorization": f"Bearer {key}"} if key else {},
                timeout=self.timeoutSeconds,
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, LookupError, TypeError) as error:
            raise ScoringError(f"the judge at {self.url} did not answer: {type(error).__name__}: {error}") from None
        return _verdict(content)


def _verdict(content: object) -> Score:
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", str(content).strip())
    try:
        judged = json.loads(text)
    except json.JSONDecodeError:
        raise ScoringError(f"the judge did not answer with JSON: {str(content)[:200]!r}") from None
    if not isinstance(judged, dict) or not isinstance(judged.get("pass"), bool):
        raise ScoringError(f'the judge\'s JSON has no boolean "pass": {str(content)[:200]!r}')
    return Score(
        judged["pass"], str(judged.get("reason") or ("meets" if judged["pass"] else "fails") + " the criteria")
    )
