"""A small support agent service using the two-line AgentOps integration.

POST /chat {"message": "...", "user_id": "..."} runs one session: a (stubbed) LLM call, a
knowledge-base tool, a ticket tool that obeys the live controls (dry run in shadow mode), and an
output guardrail. Set LLM_BASE_URL to an OpenAI-compatible endpoint to call a real model through
httpx (captured automatically); without it the model is simulated, which is what the sandbox
demo and the tests use. Serves on PORT (8080); metrics on AGENTOPS_METRICS_PORT (9090).
"""

from __future__ import annotations

import json
import os
import random
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import agentops_sdk
from agentops_sdk import ControlRefusal
from agentops_sdk.capture import instrument_httpx

agent = agentops_sdk.init()
instrument_httpx()
FAILURE_RATE = float(os.environ.get("AGENT_FAILURE_RATE", "0.05"))  # lets demos make a bad revision


def ask_model(session: agentops_sdk.Session, message: str) -> str:
    base_url = os.environ.get("LLM_BASE_URL")
    if base_url:
        import httpx

        response = httpx.post(
            f"{base_url}/chat/completions",
            timeout=60,
            json={
                "model": agent.model,
                "messages": [{"role": "system", "content": agent.system_prompt}, {"role": "user", "content": message}],
            },
        )
        response.raise_for_status()
        answer: str = response.json()["choices"][0]["message"]["content"]
        return answer
    started = time.perf_counter()
    answer = f"Thanks for asking about {message[:40]!r}; here is what I found."
    session.llm_call(
        tokens_in=200 + len(message) // 4, tokens_out=60, latency_s=time.perf_counter() - started, output=answer
    )
    return answer


def handle_chat(payload: dict[str, Any]) -> dict[str, Any]:
    with agent.session(user_id=payload.get("user_id"), task_type="support") as session:
        session.turn()
        message = str(payload.get("message", ""))
        articles = session.call_tool("search_kb", lambda: ["How refunds work"])
        answer = ask_model(session, message)
        ticket = session.call_tool("create_ticket", lambda: "T-" + str(random.randint(1000, 9999)))
        session.guardrail("pii-redaction", triggered="@" in answer, action="Redact")
        if random.random() < FAILURE_RATE:
            session.fail()
        return {"answer": answer, "articles": articles, "ticket": ticket or None}  # a DryRun marker is falsy


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/chat":
            self.send_error(404)
            return
        try:
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0")) or 0) or b"{}")
            status, body = 200, handle_chat(payload)
        except ControlRefusal as refusal:
            status, body = 429, {"error": str(refusal)}
        except ValueError:
            status, body = 400, {"error": "send a JSON object"}
        data = json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def main() -> None:
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()


if __name__ == "__main__":
    main()
