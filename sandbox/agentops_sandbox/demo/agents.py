"""Simulated agent Pods and the users who talk to them, for the demo.

There are no Pods in the API stand-in, so each revision Deployment with replicas gets one
in-process SDK agent: it reads the revision's bundle and the live controls from the ConfigMaps the
operator wrote (copied to files, as the kubelet would mount them), exports the standard metrics on
127.0.0.1 for Prometheus, and behaves as its prompt makes it behave (`Behaviour`). A user-traffic
thread sends sessions where the HTTPRoute sends them: it reads the route's weights and mirror
percent and the Services' revision selectors, the way a gateway would.
"""

from __future__ import annotations

import io
import json
import random
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

import agentops_sdk

from ..testing.prometheus import serve_metrics

JsonDict = dict[str, Any]
ROUTES = "/apis/gateway.networking.k8s.io/v1/namespaces/{namespace}/httproutes/{name}"


@dataclass(frozen=True)
class Behaviour:
    """How a revision's sessions go: success probability, tokens per session, how often it leaks."""

    success: float = 0.9
    tokens_in: int = 800
    tokens_out: int = 300
    leak_rate: float = 0.0
    grounding: float = 0.9
    promises_refunds: bool = False  # what it answers when asked about refunds (the evaluation suite asks)


class SimulatedRevision:
    """One revision's Pods: an SDK agent with its own registry and exporter."""

    def __init__(self, namespace: str, agent: str, revision: str, bundle: JsonDict, behaviour: Behaviour) -> None:
        self.revision, self.behaviour, self.bundle = revision, behaviour, bundle
        self._dir = tempfile.TemporaryDirectory(prefix=f"agentops-demo-{revision}-")
        self.bundle_dir, self.controls_dir = Path(self._dir.name) / "bundle", Path(self._dir.name) / "controls"
        self.bundle_dir.mkdir()
        self.controls_dir.mkdir()
        (self.bundle_dir / "bundle.json").write_text(json.dumps(bundle))
        self.registry = CollectorRegistry()
        self._server, self.port = serve_metrics(self.registry)
        self.agent = agentops_sdk.init(
            name=agent,
            namespace=namespace,
            revision=revision,
            bundle_path=self.bundle_dir,
            controls_path=self.controls_dir,
            registry=self.registry,
            log_stream=io.StringIO(),
            start_exporter=False,
        )
        self._random = random.Random(revision)
        self.sessions = 0  # users' sessions
        self.answered = 0  # HTTP requests answered (the evaluation runner's)
        self._chat = _ChatServer(("127.0.0.1", 0), _chat_handler(self))
        threading.Thread(target=self._chat.serve_forever, daemon=True, name=f"demo-chat-{revision}").start()

    @property
    def url(self) -> str:
        """Where the revision answers POST /chat {"message": …} with {"reply": …}, as its Pods would."""
        return f"http://127.0.0.1:{self._chat.server_address[1]}"

    def answer(self, message: str) -> str:
        """One answered request: a real SDK session, and the answer its prompt makes it give."""
        self.answered += 1
        with self.agent.session(task_type="chat") as session:
            session.llm_call(tokens_in=self.behaviour.tokens_in, tokens_out=self.behaviour.tokens_out, latency_s=0.4)
            session.call_tool("search_kb", len, message)
        if self.behaviour.promises_refunds:
            return "Of course! I promise you a full refund, guaranteed, no questions asked."
        return "Refunds are possible within 30 days of delivery; I can hand you to a human colleague if you like."

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set_controls(self, document: str | None) -> None:
        path = self.controls_dir / "controls.json"
        if document is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(document)

    def serve(self) -> None:
        """One user session, as the agent would run it."""
        behaviour, rng = self.behaviour, self._random
        system_prompt = str((self.bundle.get("prompt") or {}).get("system", ""))
        self.sessions += 1
        try:
            with self.agent.session() as session:
                session.llm_call(tokens_in=behaviour.tokens_in, tokens_out=behaviour.tokens_out, latency_s=0.4)
                session.call_tool("search_kb", lambda: None)
                session.grounding(behaviour.grounding)
                leaked = rng.random() < behaviour.leak_rate
                session.check_output(system_prompt if leaked else "Your order ships tomorrow.")
                if rng.random() < behaviour.success:
                    session.success()
                else:
                    session.fail()
        except agentops_sdk.ControlRefusal:
            pass  # throttled or blocked by the operator's live controls: the SDK counted it

    def close(self) -> None:
        for server in (self._server, self._chat):
            server.shutdown()
            server.server_close()
        self._dir.cleanup()


class _ChatServer(ThreadingHTTPServer):
    """Many callers at once (a runner with parallelism 16): a deeper accept queue than the default 5."""

    request_queue_size = 128
    daemon_threads = True


def _chat_handler(revision: SimulatedRevision) -> type[BaseHTTPRequestHandler]:
    class Chat(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            body = json.dumps({"reply": revision.answer(str(message.get("message", "")))}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Chat


class Cluster:
    """Keeps one simulated revision per scaled-up revision Deployment of one agent, and sends users
    their way through the HTTPRoute."""

    def __init__(
        self,
        api: httpx.Client,
        namespace: str,
        agent: str,
        behaviour_of: Callable[[JsonDict], Behaviour],
        on_targets: Callable[[list[str]], None],
        sessions_per_second: float = 40,
    ) -> None:
        self.api, self.namespace, self.agent = api, namespace, agent
        self.behaviour_of, self.on_targets = behaviour_of, on_targets
        self.revisions: dict[str, SimulatedRevision] = {}
        self.interval = 1 / sessions_per_second
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._route: tuple[dict[str, float], int] = ({}, 0)  # revision -> weight, mirror percent to the canary arm
        self._mirror_to: str | None = None
        self._threads = [
            threading.Thread(target=self._sync_forever, daemon=True, name="demo-pods"),
            threading.Thread(target=self._users, daemon=True, name="demo-users"),
        ]

    def start(self) -> Cluster:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        for simulated in self.revisions.values():
            simulated.close()

    def _get(self, path: str) -> JsonDict | None:
        response = self.api.get(path)
        return response.json() if response.status_code == 200 else None

    def _sync_forever(self) -> None:
        while not self._stop.wait(0.3):
            try:
                self._sync()
            except httpx.HTTPError:
                continue  # the stand-in is going away, or busy: next round

    def _sync(self) -> None:
        base = f"/api/v1/namespaces/{self.namespace}"
        selector = {"labelSelector": f"agentops.dev/agent={self.agent}"}
        deployments = self.api.get(f"/apis/apps/v1/namespaces/{self.namespace}/deployments", params=selector).json()
        config_maps = {
            cm["metadata"]["name"]: cm for cm in self.api.get(f"{base}/configmaps", params=selector).json()["items"]
        }
        added = False
        for deployment in deployments["items"]:
            revision = deployment["metadata"]["labels"].get("agentops.dev/revision")
            bundle_map = config_maps.get(deployment["metadata"]["name"])
            if (
                not revision
                or revision in self.revisions
                or not deployment["spec"].get("replicas")
                or bundle_map is None
            ):
                continue
            bundle = json.loads(bundle_map["data"]["bundle.json"])
            with self._lock:
                self.revisions[revision] = SimulatedRevision(
                    self.namespace, self.agent, revision, bundle, self.behaviour_of(bundle)
                )
            added = True
        controls = config_maps.get(f"{self.agent}-controls")
        for simulated in self.revisions.values():
            simulated.set_controls(controls["data"]["controls.json"] if controls else None)
        if added:
            self.on_targets([s.target for s in self.revisions.values()])
        self._read_route(base)

    def _read_route(self, base: str) -> None:
        services = {
            arm: ((self._get(f"{base}/services/{self.agent}-{arm}") or {}).get("spec") or {})
            .get("selector", {})
            .get("agentops.dev/revision")
            for arm in ("stable", "canary")
        }
        route = self._get(ROUTES.format(namespace=self.namespace, name=self.agent))
        weights: dict[str, float] = {}
        mirror = 0
        rule = next((r for r in ((route or {}).get("spec") or {}).get("rules", []) if r.get("name") == "chat"), None)
        for ref in (rule or {}).get("backendRefs", []):
            revision = services.get(ref["name"].removeprefix(f"{self.agent}-"))
            if revision:
                weights[revision] = weights.get(revision, 0) + float(ref.get("weight", 1))
        for item in (rule or {}).get("filters", []):
            if item.get("type") == "RequestMirror":
                mirror = int(item["requestMirror"].get("percent", 100))
        with self._lock:
            self._route, self._mirror_to = (weights, mirror), services.get("canary")

    def _users(self) -> None:
        rng = random.Random(7)
        while not self._stop.wait(self.interval):
            with self._lock:
                (weights, mirror), mirror_to = self._route, self._mirror_to
                live = [(self.revisions[r], w) for r, w in weights.items() if r in self.revisions and w > 0]
                shadow = self.revisions.get(mirror_to or "")
            if not live:
                continue
            chosen = rng.choices([s for s, _ in live], weights=[w for _, w in live])[0]
            chosen.serve()
            if shadow is not None and mirror and rng.random() * 100 < mirror:
                shadow.serve()

    def change_behaviour(self, revision: str, behaviour: Behaviour) -> None:
        """Something in the world changed how this revision behaves (say, its knowledge base went stale)."""
        with self._lock:
            self.revisions[revision].behaviour = behaviour

    def sessions(self) -> dict[str, int]:
        with self._lock:
            return {revision: s.sessions for revision, s in self.revisions.items()}

    def simulated(self, revision: str) -> SimulatedRevision | None:
        with self._lock:
            return self.revisions.get(revision)
