"""A fault-injecting proxy between an operator and its API server, for fault tests and benchmarks.

The operator talks plain HTTP to 127.0.0.1; the proxy forwards each request to the real server (the
stand-in or the local control plane, with the kubeconfig's TLS and credentials) unless its fault
plan says otherwise. A plan answers per request: fail it (500, 409, 429 with Retry-After), delay it,
drop the connection, or cut a watch after a while. `RandomFaults` fails a share of requests the way
a flaky network and a busy server do; `WriteFaults` fails chosen writes (the k-th write from now, or
every write from the k-th on, as when the operator dies before that write lands).

Why hand-written: no proxy library in reach does HTTP-aware fault injection with streamed watches;
this is aiohttp (the stand-in's server) and a hundred lines. Runs on its own thread and loop, like
the stand-in, so synchronous tests can use it.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import aiohttp
from aiohttp import web

from agentops_operator.adapters.kube.client import connection_from_environment, tls_context

FaultKind = Literal["error", "delay", "drop", "cut"]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Seen:
    """One request as the plan sees it."""

    method: str
    path: str
    watch: bool

    @property
    def write(self) -> bool:
        return self.method in WRITES


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 500  # for "error"
    retry_after: int | None = None  # seconds, sent with a 429
    seconds: float = 0.0  # for "delay" (then forwarded) and "cut" (the watch ends after this long)


class FaultPlan(Protocol):
    def fault_for(self, request: Seen) -> Fault | None: ...


@dataclass
class RandomFaults:
    """Fails `share` of requests, each way equally likely: 500, 409 (writes), 429 with Retry-After,
    a delay of `delay` seconds, a dropped connection; watches are cut after `watch_life` seconds."""

    share: float
    seed: int = 0
    delay: tuple[float, float] = (2.0, 5.0)
    watch_life: tuple[float, float] = (5.0, 20.0)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def fault_for(self, request: Seen) -> Fault | None:
        if request.watch:
            return Fault("cut", seconds=self._random.uniform(*self.watch_life))
        if self._random.random() >= self.share:
            return None
        ways = [Fault("error", 500), Fault("error", 429, retry_after=1), Fault("drop")]
        ways.append(Fault("delay", seconds=self._random.uniform(*self.delay)))
        if request.write:
            ways.append(Fault("error", 409))
        return self._random.choice(ways)


@dataclass
class WriteFaults:
    """Counts writes (watches and reads pass); the `at`-th write from when armed gets `fault`, and with
    `onwards` every later one too (the operator died before its `at`-th write landed)."""

    at: int | None = None
    fault: Fault = field(default_factory=lambda: Fault("error", 500))
    onwards: bool = False
    writes: int = 0
    injected: list[Seen] = field(default_factory=list)

    def arm(self, at: int, fault: Fault, onwards: bool = False) -> None:
        self.at, self.fault, self.onwards, self.writes, self.injected = at, fault, onwards, 0, []

    def disarm(self) -> None:
        self.at = None

    def fault_for(self, request: Seen) -> Fault | None:
        if not request.write or self.at is None:
            return None
        self.writes += 1
        if self.writes == self.at or (self.onwards and self.writes > self.at):
            self.injected.append(request)
            return self.fault
        return None


class FaultProxy:
    """`with FaultProxy(kubeconfig, plan) as proxy:` then point the operator at
    `proxy.write_kubeconfig(path)`. `plan` may be replaced at any time."""

    def __init__(self, kubeconfig: Path, plan: FaultPlan | None = None) -> None:
        self.plan: FaultPlan = plan or WriteFaults()
        connection = connection_from_environment(str(kubeconfig))
        self._upstream_url = connection.server
        self._ssl = tls_context(connection) if connection.server.startswith("https") else None
        self._auth = {"Authorization": f"Bearer {connection.token}"} if connection.token else {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""
        self.faults: list[tuple[Seen, Fault]] = []
        self.writes = 0  # writes that reached the server

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def write_kubeconfig(self, path: Path) -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "proxy", "cluster": {"server": self.url}}],
            "users": [{"name": "proxy", "user": {}}],
            "contexts": [{"name": "proxy", "context": {"cluster": "proxy", "user": "proxy", "namespace": "default"}}],
            "current-context": "proxy",
        }
        path.write_text(json.dumps(config))
        return path

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        watch = request.query.get("watch") in ("true", "1")
        seen = Seen(request.method, request.path, watch)
        fault = self.plan.fault_for(seen)
        if fault is not None:
            self.faults.append((seen, fault))
        if fault is not None and fault.kind == "error":
            return _error(fault)
        if fault is not None and fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        cut_after = fault.seconds if fault is not None and fault.kind == "cut" else None
        self.writes += seen.write
        return await self._forward(request, watch, cut_after)

    async def _forward(self, request: web.Request, watch: bool, cut_after: float | None) -> web.StreamResponse:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "accept", "user-agent")}
        body = await request.read()
        upstream = await self._session.request(
            request.method,
            self._upstream_url + request.path_qs,
            data=body or None,  # an empty body would go out with a Content-Type a real server refuses (415)
            headers={**headers, **self._auth},
            ssl=self._ssl if self._ssl is not None else False,
        )
        async with upstream:
            kept = {k: v for k, v in upstream.headers.items() if k.lower() in ("content-type", "retry-after")}
            if not watch:
                return web.Response(status=upstream.status, body=await upstream.read(), headers=kept)
            response = web.StreamResponse(status=upstream.status, headers=kept)
            await response.prepare(request)
            try:
                async with asyncio.timeout(cut_after):  # None: as long as the server keeps it
                    async for chunk in upstream.content.iter_any():
                        await response.write(chunk)
            except TimeoutError:
                pass  # the watch is cut: the client must reconnect
            except ConnectionError:
                pass  # the client went away (an operator stopping closes its watches)
            return response


def _error(fault: Fault) -> web.Response:
    reasons = {409: "Conflict", 429: "TooManyRequests", 500: "InternalError"}
    reason = reasons.get(fault.status, "InternalError")
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": f"injected fault: {reason}",
        "reason": reason,
        "code": fault.status,
    }
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    return web.json_response(status, status=fault.status, headers=headers)
