"""How the runner calls the agent under test: one HTTP request per case, and where the answer is.

Two forms. `openai: {model}` (the shorthand) posts an OpenAI chat completion to `path` (default
/v1/chat/completions) and reads the answer, tool calls and token usage where that API puts them.
`request: {method, path, body, headers}` with `answerPath` (JSONPath, jsonpath-ng) fits any other
API: every string "{{input}}" in `body` becomes the case's input (inside the JSON, so any text is
safe), `${NAME}` in a header value reads environment variable NAME (in the cluster: a Secret the Job
maps to it). `toolCallsPath` and `costPath` say where tool names and the cost are, when the answer
carries them.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonpath_ng.parser import parse as jsonpath

from ..costs import Price, table_price
from .cases import Case, SuiteError
from .reply import Reply

OPENAI_PATHS = {
    "answerPath": "$.choices[0].message.content",
    "toolCallsPath": "$.choices[0].message.tool_calls[*].function.name",
}


class CallError(Exception):
    """The agent did not give a usable answer to a case (the message says what happened)."""


@dataclass
class Target:
    url: str
    method: str = "POST"
    path: str = "/"
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    answer_path: str = "$"
    tool_calls_path: str | None = None
    cost_path: str | None = None
    openai_model: str | None = None
    price: Price | None = None

    def request(self, case: Case) -> tuple[str, Any, dict[str, str]]:
        if self.openai_model is not None:
            body: Any = {"model": self.openai_model, "messages": [{"role": "user", "content": case.input}]}
        else:
            body = _substitute(self.body, case)
        headers = {
            name: re.sub(r"\$\{(\w+)\}", lambda m: os.environ.get(m[1], ""), v) for name, v in self.headers.items()
        }
        return self.url.rstrip("/") + self.path, body, headers

    def call(self, client: httpx.Client, case: Case, timeout: float) -> Reply:
        url, body, headers = self.request(case)
        started = time.perf_counter()
        try:
            response = client.request(self.method, url, json=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise CallError(f"no answer within {timeout:g} s") from None
        except httpx.HTTPError as error:
            raise CallError(f"{type(error).__name__}: {error}") from None
        latency = time.perf_counter() - started
        if response.status_code >= 400:
            raise CallError(f"HTTP {response.status_code} from the agent: {response.text[:200]!r}")
        try:
            document = response.json()
        except ValueError:
            raise CallError(f"the agent's answer is not JSON: {response.text[:200]!r}") from None
        answer = _find(document, self.answer_path)
        if not answer or not isinstance(answer[0], str):
            raise CallError(f"answerPath {self.answer_path} finds no text in the agent's answer")
        tools = None if self.tool_calls_path is None else tuple(str(t) for t in _find(document, self.tool_calls_path))
        return Reply(answer[0], latency, tools, self._cost(document), document)

    def _cost(self, document: Any) -> float | None:
        if self.cost_path is not None:
            found = _find(document, self.cost_path)
            return float(found[0]) if found and isinstance(found[0], int | float) else None
        usage = document.get("usage") if isinstance(document, dict) else None
        if self.openai_model is None or not isinstance(usage, dict):
            return None
        price = self.price or table_price("", self.openai_model)
        tokens = (usage.get("prompt_tokens"), usage.get("completion_tokens"))
        if price is None or not all(isinstance(t, int) for t in tokens):
            return None
        return price.cost(*tokens)  # type: ignore[arg-type]


def target_from(raw: Any, url: str | None, where: str = "target") -> Target:
    """The suite's `target`; `url` (the runner's --url, or the revision's Service) wins over its own."""
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: an object with openai: {{model}} or request and answerPath")
    base = url or raw.get("url")
    if not isinstance(base, str) or not base.startswith(("http://", "https://")):
        raise SuiteError(f"{where}.url: the agent's http(s) URL (or give --url)")
    openai = raw.get("openai")
    if openai is not None:
        if not isinstance(openai, dict) or not isinstance(openai.get("model"), str):
            raise SuiteError(f"{where}.openai.model: the model name to send")
        pricing = openai.get("pricing") or {}
        price = Price(pricing["inputPerMillionTokensUSD"], pricing["outputPerMillionTokensUSD"]) if pricing else None
        paths = {**OPENAI_PATHS, **{k: raw[k] for k in OPENAI_PATHS if k in raw}}
        return Target(
            base,
            path=raw.get("path", "/v1/chat/completions"),
            headers=_headers(raw, where),
            answer_path=_checked(paths["answerPath"], f"{where}.answerPath"),
            tool_calls_path=_checked(paths["toolCallsPath"], f"{where}.toolCallsPath"),
            openai_model=openai["model"],
            price=price,
        )
    request = raw.get("request")
    if not isinstance(request, dict) or "answerPath" not in raw:
        raise SuiteError(f"{where}: give openai: {{model: ...}}, or request: {{path, body}} with answerPath")
    return Target(
        base,
        method=str(request.get("method", "POST")).upper(),
        path=str(request.get("path", "/")),
        body=request.get("body", {"input": "{{input}}"}),
        headers=_headers(request, f"{where}.request"),
        answer_path=_checked(raw["answerPath"], f"{where}.answerPath"),
        tool_calls_path=_checked(raw.get("toolCallsPath"), f"{where}.toolCallsPath"),
        cost_path=_checked(raw.get("costPath"), f"{where}.costPath"),
    )


def _headers(raw: dict[str, Any], where: str) -> dict[str, str]:
    headers = raw.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise SuiteError(f"{where}.headers: a map of header name to text (${{NAME}} reads an environment variable)")
    return dict(headers)


def _checked(path: Any, where: str) -> Any:
    if path is None:
        return None
    try:
        jsonpath(str(path))
    except Exception as error:
        raise SuiteError(f"{where}: not a JSONPath ({error})") from None
    return str(path)


def _find(document: Any, path: str) -> list[Any]:
    return [match.value for match in jsonpath(path).find(document)]


def _substitute(value: Any, case: Case) -> Any:
    if isinstance(value, str):
        return value.replace("{{input}}", case.input).replace("{{caseId}}", case.id)
    if isinstance(value, list):
        return [_substitute(v, case) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, case) for k, v in value.items()}
    return value
