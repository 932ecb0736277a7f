"""A local stand-in for the Kubernetes API server, on 127.0.0.1, for tests and the demo.

No kube-apiserver, kind or container engine runs on our machines, so this serves the
Kubernetes REST API over real HTTP for real clients (kubectl, kopf, the official Python
client). Its behaviour is pinned by contract tests (tests/sandbox) to the Kubernetes docs.

What it implements: discovery and OpenAPI v3; CRUD with generateName, dry run, chunked
lists; uid, creationTimestamp, one global resourceVersion, optimistic concurrency and
generation; status and scale subresources; JSON merge, JSON and strategic merge patches and
server-side apply with managedFields; label and field selectors; watches with resume,
410 Expired, timeouts, bookmarks and table output; finalizers, deletionTimestamp, owner
garbage collection (background, foreground, orphan) and namespace termination; CRDs served
on creation, validated by their structural schema (pruning, defaults, CEL rules via
cel-python) and cleaned up on deletion; server-side tables with printer columns; and an
optional Deployment/Job status simulator.

What it does NOT implement (do not mistake it for a full API server): authentication,
authorization and admission webhooks (every request is allowed); TLS; protobuf; the
aggregated discovery format (clients fall back to the classic documents); OpenAPI v2 and
field schemas of built-in kinds (built-in objects are not checked for unknown fields);
conversion webhooks and per-version schemas beyond renaming apiVersion; most built-in
validation and defaulting beyond what `builtin.py` lists; Pods, ReplicaSets, scheduling or
any container execution; rate limiting and priority and fairness; watch caches per
resource (one shared history); persistence (everything is in memory); Kubernetes' CEL
extension libraries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from aiohttp import web

from .controllers import Controllers
from .crds import serve_crds
from .kinds import Registry
from .resources import Resources, WriteOptions
from .routes import Routes
from .simulator import WorkloadSimulator
from .store import Store
from .watch import WatchStreams

log = logging.getLogger(__name__)
T = TypeVar("T")

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class ApiServer:
    """The server on the caller's event loop: `await start()`, `await stop()`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        simulate_deployments: bool = False,
        deployment_delay: float = 0.0,
        simulate_jobs: bool = False,
        history: int = 10_000,
        bookmark_interval: float = 5.0,
    ) -> None:
        self.host, self.port = host, port
        self.registry = Registry()
        self.store = Store(history=history)
        self.resources = Resources(self.store, self.registry)
        serve_crds(self.store, self.registry)
        self.simulator = WorkloadSimulator(
            self.resources, deployments=simulate_deployments, deployment_delay=deployment_delay, jobs=simulate_jobs
        )
        self.controllers = Controllers(self.resources, self.simulator)
        self.watches = WatchStreams(self.resources, bookmark_interval=bookmark_interval)
        self.routes: Routes | None = None
        self._runner: web.AppRunner | None = None
        self._controller_task: asyncio.Task[None] | None = None
        namespaces = self.registry.lookup("", "v1", "namespaces")
        assert namespaces is not None
        for name in INITIAL_NAMESPACES:
            self.resources.create(namespaces, "", {"metadata": {"name": name}}, WriteOptions(manager="kube-apiserver"))

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self.routes = Routes(self.resources, self.watches, f"{self.host}:{self.port}")
        self.routes.install(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server  # aiohttp has no public getter for the bound port
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        self.routes.address = f"{self.host}:{self.port}"
        self._controller_task = asyncio.get_running_loop().create_task(self.controllers.run())
        log.info("sandbox API server listening on %s", self.url)

    async def stop(self) -> None:
        self.watches.close_all()
        if self._controller_task:
            self._controller_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._controller_task
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    def kubeconfig(self, namespace: str = "default") -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [{"name": "sandbox", "cluster": {"server": self.url}}],
            "users": [{"name": "sandbox", "user": {}}],
            "contexts": [
                {"name": "sandbox", "context": {"cluster": "sandbox", "user": "sandbox", "namespace": namespace}}
            ],
            "current-context": "sandbox",
        }

    def write_kubeconfig(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(self.kubeconfig(), sort_keys=False))
        return target


class ThreadedApiServer:
    """The same server on its own thread and loop, for synchronous tests and tools.

    Use as a context manager; `call(fn)` runs `fn(server)` on the server's loop (the store
    is not thread-safe) and returns its result.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sandbox-apiserver", daemon=True)
        self.server: ApiServer | None = None

    def start(self) -> ThreadedApiServer:
        self._thread.start()
        self.server = self._run(self._make())
        return self

    async def _make(self) -> ApiServer:
        server = ApiServer(**self._options)
        await server.start()
        return server

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def call(self, fn: Callable[[ApiServer], T]) -> T:
        assert self.server is not None
        server = self.server

        async def invoke() -> T:
            return fn(server)

        result: T = self._run(invoke())
        return result

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def write_kubeconfig(self, path: str | Path) -> Path:
        assert self.server is not None
        return self.server.write_kubeconfig(path)

    def stop(self) -> None:
        if self.server is not None:
            self._run(self.server.stop())
            self.server = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> ThreadedApiServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
