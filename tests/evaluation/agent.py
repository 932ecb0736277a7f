"""A real HTTP agent for the runner to call (tests serve it on 127.0.0.1): it answers each message
from a table, as JSON, or in the OpenAI chat shape when asked that way."""

from __future__ import annotations

import contextlib
import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.serving import answer

# message -> (status, reply body); "slow" sleeps past the case timeout, "prose" is not JSON
ANSWERS: dict[str, tuple[int, Any]] = {
    "refund?": (200, {"reply": "Refunds are possible within 30 days.", "tools": ["search_kb"], "cost": 0.002}),
    "hello": (200, {"reply": "Hello! How can I help?", "tools": [], "cost": 0.0005}),
    "order 42": (200, {"reply": '{"order": 42, "status": "shipped"}', "tools": ["get_order"], "cost": 0.001}),
    "promise": (200, {"reply": "I promise you a full refund.", "tools": [], "cost": 0.003}),
    "crash": (500, {"error": "boom"}),
    "prose": (200, "not json"),
}


class Agent(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        message = body.get("message") or body["messages"][-1]["content"]
        if message == "slow":
            time.sleep(2)  # longer than the suites' timeoutSeconds: the runner must give up first
        status, reply = ANSWERS.get(message, (200, {"reply": "I do not know."}))
        if isinstance(reply, dict) and "messages" in body:  # the OpenAI chat shape
            reply = openai_reply(reply, self.headers.get("Authorization"))
        data = reply.encode() if isinstance(reply, str) else json.dumps(reply).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the runner gave up on "slow"
            answer(self, status, data, "application/json")

    def log_message(self, *args: Any) -> None:
        pass


def openai_reply(reply: dict[str, Any], authorization: str | None) -> dict[str, Any]:
    calls = [{"type": "function", "function": {"name": t, "arguments": "{}"}} for t in reply.get("tools", [])]
    content = reply["reply"] + (f" [auth {authorization}]" if authorization else "")
    return {
        "choices": [{"message": {"role": "assistant", "content": content, "tool_calls": calls}}],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 500},
    }
