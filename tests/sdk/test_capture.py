"""The httpx capture against a local HTTP server on 127.0.0.1 that answers like the OpenAI chat
completions and responses APIs and Anthropic's messages API, plain and streamed."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

import agentops_sdk
from agentops_sdk import capture
from tests.serving import answer, serving

CHAT = {
    "id": "c1",
    "model": "gpt-4o-mini",
    "choices": [{"message": {"role": "assistant", "content": "hi"}}],
    "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
}
RESPONSES = {"id": "r1", "model": "gpt-4o-mini", "output": [], "usage": {"input_tokens": 200, "output_tokens": 40}}
MESSAGES = {
    "id": "m1",
    "model": "claude-3-5-haiku-latest",
    "content": [{"type": "text", "text": "hi"}],
    "usage": {"input_tokens": 300, "output_tokens": 50},
}
CHAT_STREAM = [
    {"model": "gpt-4o-mini", "choices": [{"delta": {"content": "h"}}]},
    {"model": "gpt-4o-mini", "choices": [{"delta": {"content": "i"}}]},
    {"model": "gpt-4o-mini", "choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 7}},
]
MESSAGES_STREAM = [
    {
        "type": "message_start",
        "message": {"model": "claude-3-5-haiku-latest", "usage": {"input_tokens": 21, "output_tokens": 1}},
    },
    {"type": "content_block_delta", "delta": {"text": "hi"}},
    {"type": "message_delta", "usage": {"output_tokens": 9}},
    {"type": "message_stop"},
]
RESPONSES_STREAM = [
    {"type": "response.created", "response": {"model": "gpt-4o-mini"}},
    {
        "type": "response.completed",
        "response": {"model": "gpt-4o-mini", "usage": {"input_tokens": 31, "output_tokens": 13}},
    },
]


class FakeLLM(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        plain = {"/v1/chat/completions": CHAT, "/v1/responses": RESPONSES, "/v1/messages": MESSAGES}[self.path]
        streamed = {
            "/v1/chat/completions": CHAT_STREAM,
            "/v1/responses": RESPONSES_STREAM,
            "/v1/messages": MESSAGES_STREAM,
        }[self.path]
        if request.get("stream"):
            body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in streamed) + b"data: [DONE]\n\n"
            answer(self, 200, body, "text/event-stream")
        else:
            answer(self, 200, json.dumps(plain).encode(), "application/json")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def llm_server() -> Iterator[str]:
    with serving(FakeLLM) as url:
        yield url


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[tuple[agentops_sdk.Agent, CollectorRegistry]]:
    registry = CollectorRegistry()
    (tmp_path / "bundle.json").write_text(json.dumps({"model": {"provider": "openai", "name": "gpt-4o-mini"}}))
    created = agentops_sdk.init(
        name="a",
        namespace="n",
        revision="r",
        bundle_path=tmp_path,
        registry=registry,
        log_stream=io.StringIO(),
        start_exporter=False,
    )
    capture.instrument_httpx()
    yield created, registry
    capture.uninstrument_httpx()


def tokens(registry: CollectorRegistry, provider: str, model: str, kind: str) -> float:
    labels = {
        "agent": "a",
        "agent_namespace": "n",
        "revision": "r",
        "gen_ai_operation_name": "chat",
        "gen_ai_provider_name": provider,
        "gen_ai_request_model": model,
        "gen_ai_token_type": kind,
    }
    return registry.get_sample_value("gen_ai_client_token_usage_sum", labels) or 0.0


@pytest.mark.parametrize(
    ("path", "provider", "model", "expected"),
    [
        pytest.param("/v1/chat/completions", "openai", "gpt-4o-mini", (120, 30), id="openai-chat"),
        pytest.param("/v1/responses", "openai", "gpt-4o-mini", (200, 40), id="openai-responses"),
        pytest.param("/v1/messages", "anthropic", "claude-3-5-haiku-latest", (300, 50), id="anthropic-messages"),
    ],
)
def test_plain_responses_are_recorded_in_the_session(
    agent: Any, llm_server: str, path: str, provider: str, model: str, expected: tuple[int, int]
) -> None:
    sdk_agent, registry = agent
    with sdk_agent.session(), httpx.Client(base_url=llm_server) as client:
        client.post(path, json={"model": model}).raise_for_status()
    assert (tokens(registry, provider, model, "input"), tokens(registry, provider, model, "output")) == expected


@pytest.mark.parametrize(
    ("path", "provider", "model", "expected"),
    [
        pytest.param("/v1/chat/completions", "openai", "gpt-4o-mini", (11, 7), id="openai-chat-stream"),
        pytest.param("/v1/responses", "openai", "gpt-4o-mini", (31, 13), id="openai-responses-stream"),
        pytest.param("/v1/messages", "anthropic", "claude-3-5-haiku-latest", (21, 9), id="anthropic-stream"),
    ],
)
def test_streamed_responses_are_recorded_when_the_stream_ends(
    agent: Any, llm_server: str, path: str, provider: str, model: str, expected: tuple[int, int]
) -> None:
    sdk_agent, registry = agent
    with sdk_agent.session(), httpx.Client(base_url=llm_server) as client:
        with client.stream("POST", path, json={"model": model, "stream": True}) as response:
            chunks = list(response.iter_bytes())
        assert b"[DONE]" in b"".join(chunks)  # the caller still sees the whole stream
    assert (tokens(registry, provider, model, "input"), tokens(registry, provider, model, "output")) == expected


async def test_async_client_and_calls_outside_sessions(agent: Any, llm_server: str) -> None:
    sdk_agent, registry = agent
    async with httpx.AsyncClient(base_url=llm_server) as client:
        await client.post("/v1/chat/completions", json={})  # no session: not recorded
        with sdk_agent.session():
            await client.post("/v1/chat/completions", json={})
            async with client.stream("POST", "/v1/messages", json={"stream": True}) as response:
                async for _ in response.aiter_bytes():
                    pass
    assert tokens(registry, "openai", "gpt-4o-mini", "input") == 120
    assert tokens(registry, "anthropic", "claude-3-5-haiku-latest", "output") == 9
    cost = registry.get_sample_value(
        "agent_cost_usd_total",
        {"agent": "a", "agent_namespace": "n", "revision": "r", "gen_ai_request_model": "gpt-4o-mini"},
    )
    assert cost == pytest.approx((120 * 0.15 + 30 * 0.6) / 1_000_000)
