"""Opt-in automatic capture of LLM calls made through httpx — the transport of the official OpenAI
and Anthropic Python clients.

`agentops_sdk.capture.instrument_httpx()` wraps `httpx.Client.send` and `httpx.AsyncClient.send`:
responses to OpenAI-compatible `/chat/completions` and `/responses`, and Anthropic `/messages`,
are read for their usage block (in streamed responses too: the final usage event) and recorded as
an LLM call of the current session. Calls outside a session are left alone. With tracing on
(agentops_sdk/tracing.py) each such call is a live `chat` span around the request, and the request
carries its W3C `traceparent` to the LLM endpoint. httpx is imported only here, so
`import agentops_sdk` does not need it.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from .session import CURRENT

_ORIGINAL: dict[str, Any] = {}


def classify(url: Any) -> str | None:
    """`openai` or `anthropic` when the URL is an LLM call we understand, else None."""
    path = str(getattr(url, "path", url))
    host = str(getattr(url, "host", ""))
    if path.endswith("/messages") and ("anthropic" in host or "/v1/messages" in path):
        return "anthropic"
    if path.endswith("/chat/completions") or path.endswith("/responses") or path.endswith("/completions"):
        return "openai"
    return None


def usage_from_body(body: dict[str, Any]) -> tuple[str | None, int, int] | None:
    """(model, input tokens, output tokens) from a response body or a final stream event."""
    if body.get("type") == "response.completed" and isinstance(body.get("response"), dict):
        body = body["response"]
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return None
    tokens_in = usage.get("prompt_tokens", usage.get("input_tokens", 0)) or 0
    tokens_out = usage.get("completion_tokens", usage.get("output_tokens", 0)) or 0
    return body.get("model"), int(tokens_in), int(tokens_out)


class StreamUsage:
    """Follows server-sent events and keeps the model and token counts they report."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.tokens_in = 0
        self.tokens_out = 0
        self.seen = False
        self._buffer = b""

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            line = line.strip()
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if not payload or payload == b"[DONE]":
                continue
            try:
                event = json.loads(payload)
            except ValueError:
                continue
            if isinstance(event, dict):
                self._event(event)

    def _event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "message_start":  # Anthropic: input tokens up front
            message = event.get("message") or {}
            self.model = message.get("model", self.model)
            usage = message.get("usage") or {}
            self.tokens_in = int(usage.get("input_tokens", 0) or 0)
            self.tokens_out = int(usage.get("output_tokens", 0) or 0)
            self.seen = True
        elif kind == "message_delta":  # Anthropic: cumulative output tokens
            usage = event.get("usage") or {}
            self.tokens_out = int(usage.get("output_tokens", self.tokens_out) or 0)
            self.seen = True
        else:
            found = usage_from_body(event)
            if found is not None:
                model, self.tokens_in, self.tokens_out = found
                self.model = model or self.model or event.get("model")
                self.seen = True
            elif event.get("model"):
                self.model = event.get("model")


def _record(provider: str, model: str | None, tokens_in: int, tokens_out: int, started: float, span: Any) -> None:
    session = CURRENT.get()
    if session is not None:
        session.llm_call(
            model=model or None,
            provider=provider,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            latency_s=time.perf_counter() - started,
            span=span,
        )
    elif span is not None:  # a stream read to its end after its session ended
        span.end()


def _finish_plain(provider: str, response: Any, started: float, span: Any) -> None:
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        body = None
    found = usage_from_body(body) if isinstance(body, dict) else None
    if found is not None:
        _record(provider, found[0], found[1], found[2], started, span)
    elif span is not None:
        span.end()  # no usage to record: the request still happened


def _start(request: Any) -> tuple[str | None, Any]:
    """(provider, live span) for a request inside a session; the span's context goes out with it."""
    session = CURRENT.get()
    provider = classify(request.url) if session is not None else None
    tracing = session.agent.tracing if session is not None and provider is not None else None
    if tracing is None or provider is None:
        return provider, None
    span = tracing.start_llm("chat", provider, None)
    tracing.llm_headers(span, request.headers)
    return provider, span


def _failed(span: Any, error: BaseException | None = None, status: int | None = None) -> None:
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    if error is not None:
        span.record_exception(error)
    if status is not None:
        span.set_attribute("http.response.status_code", status)
    span.set_status(Status(StatusCode.ERROR))
    span.end()


def instrument_httpx() -> None:
    """Start capturing (idempotent). `uninstrument_httpx()` undoes it."""
    import httpx

    if _ORIGINAL:
        return
    _ORIGINAL["sync"], _ORIGINAL["async"] = httpx.Client.send, httpx.AsyncClient.send
    httpx.Client.send = _sync_send(httpx, _ORIGINAL["sync"])  # type: ignore[method-assign]
    httpx.AsyncClient.send = _async_send(httpx, _ORIGINAL["async"])  # type: ignore[method-assign]


def _sync_send(httpx: Any, original_send: Any) -> Any:
    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        provider, span = _start(request)
        started = time.perf_counter()
        try:
            response = original_send(self, request, *args, **kwargs)
        except BaseException as error:
            _failed(span, error)
            raise
        if provider is None or response.status_code >= 400:
            _failed(span, status=response.status_code)
            return response
        if kwargs.get("stream"):
            usage, original, name = StreamUsage(), response.stream, provider

            class Tee(httpx.SyncByteStream):  # type: ignore[misc]
                def __iter__(self) -> Iterator[bytes]:
                    for chunk in original:
                        usage.feed(chunk)
                        yield chunk

                def close(self) -> None:
                    original.close()
                    if usage.seen:
                        _record(name, usage.model, usage.tokens_in, usage.tokens_out, started, span)
                    elif span is not None:
                        span.end()

            response.stream = Tee()
        else:
            _finish_plain(provider, response, started, span)
        return response

    return send


def _async_send(httpx: Any, original_send: Any) -> Any:
    async def send_async(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        provider, span = _start(request)
        started = time.perf_counter()
        try:
            response = await original_send(self, request, *args, **kwargs)
        except BaseException as error:
            _failed(span, error)
            raise
        if provider is None or response.status_code >= 400:
            _failed(span, status=response.status_code)
            return response
        if kwargs.get("stream"):
            usage, original, name = StreamUsage(), response.stream, provider

            class AsyncTee(httpx.AsyncByteStream):  # type: ignore[misc]
                async def __aiter__(self) -> AsyncIterator[bytes]:
                    async for chunk in original:
                        usage.feed(chunk)
                        yield chunk

                async def aclose(self) -> None:
                    await original.aclose()
                    if usage.seen:
                        _record(name, usage.model, usage.tokens_in, usage.tokens_out, started, span)
                    elif span is not None:
                        span.end()

            response.stream = AsyncTee()
        else:
            _finish_plain(provider, response, started, span)
        return response

    return send_async


def uninstrument_httpx() -> None:
    if not _ORIGINAL:
        return
    import httpx

    httpx.Client.send = _ORIGINAL.pop("sync")  # type: ignore[method-assign]
    httpx.AsyncClient.send = _ORIGINAL.pop("async")  # type: ignore[method-assign]
