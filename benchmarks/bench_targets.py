"""The API servers a benchmark can run the operator against: the API stand-in (fast, in-process), or
the real local control plane (kube-apiserver, etcd, controller manager, scheduler and kwok, see
agentops_sandbox.testing). Both give an httpx client factory, a kubeconfig for the operator, and a
count of the writes a given identity made, and every request an operator made by verb (`requests`),
so one benchmark prints comparable rows for both."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx

from agentops_sandbox.standin import ThreadedApiServer
from agentops_sandbox.testing import LocalControlPlane

OPERATOR_USER = "agentops-bench-operator"  # the identity the operator runs as on the real server
PLAIN_USER = "agentops-bench-plain"  # the identity of the plain kopf baseline (plain_operator.py)
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}
Who = Literal["ours", "plain"]
# On the stand-in (no authentication) clients are told apart by their User-Agent; kopf's own
# watches count for whichever operator runs (the benchmark runs them one at a time).
USER_AGENTS: dict[Who, set[str]] = {"ours": {"agentops-operator", "kopf"}, "plain": {"OpenAPI-Generator", "kopf"}}


class Target(Protocol):
    name: str
    writes_label: str  # what `operator_writes` counts

    def client(self, **kwargs: Any) -> httpx.Client: ...
    def operator_kubeconfig(self, who: Who = "ours") -> Path: ...
    def operator_writes(self) -> int: ...
    def requests(self, who: Who) -> Counter[str]: ...
    def close(self) -> None: ...


class StandInTarget:
    """The API stand-in with its Deployment simulator (0 s delay). It counts every write: the
    operator's, the simulator's and the benchmark's own POSTs."""

    name = "API stand-in"
    writes_label = "API writes (all clients: the operator, the simulator, the benchmark)"

    def __init__(self) -> None:
        self.server = ThreadedApiServer(simulate_deployments=True, deployment_delay=0.0).__enter__()
        self._dir = tempfile.TemporaryDirectory(prefix="agentops-bench-")

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, **kwargs)

    def operator_kubeconfig(self, who: Who = "ours") -> Path:
        return self.server.write_kubeconfig(Path(self._dir.name) / f"{who}.kubeconfig")

    def requests(self, who: Who) -> Counter[str]:
        """HTTP requests so far by verb from the clients of `who` (watches are one request each)."""
        calls = self.server.call(lambda s: dict(s.routes.calls) if s.routes else {})
        counts: Counter[str] = Counter()
        for (client, verb), count in calls.items():
            if client in USER_AGENTS[who]:
                counts[verb] += count
        return counts

    def operator_writes(self) -> int:
        return int(self.server.call(lambda s: s.store.writes))

    def close(self) -> None:
        self.server.__exit__(None, None, None)
        self._dir.cleanup()


class KubeTarget:
    """The real local control plane with an audit log; the operator authenticates as OPERATOR_USER (a
    cluster admin), so its writes are told apart from the controllers' and kwok's."""

    name = "real control plane"
    writes_label = "the operator's API writes"

    def __init__(self, nodes: int = 2, unlimited_controllers: bool = False) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="agentops-bench-kube-")
        self.cluster = LocalControlPlane(
            Path(self._dir.name),
            nodes=nodes,
            audit_users=(OPERATOR_USER, PLAIN_USER),
            unlimited_controllers=unlimited_controllers,
        ).start()

    def client(self, **kwargs: Any) -> httpx.Client:
        return self.cluster.client(**kwargs)

    def operator_kubeconfig(self, who: Who = "ours") -> Path:
        path = Path(self._dir.name) / f"{who}.kubeconfig"
        return self.cluster.user_kubeconfig(path, OPERATOR_USER if who == "ours" else PLAIN_USER, ["system:masters"])

    def requests(self, who: Who) -> Counter[str]:
        user = OPERATOR_USER if who == "ours" else PLAIN_USER
        assert self.cluster.audit_log is not None
        counts: Counter[str] = Counter()
        with self.cluster.audit_log.open() as log:
            for line in log:
                event = json.loads(line)
                if event.get("user", {}).get("username") == user:
                    counts[str(event.get("verb"))] += 1
        return counts

    def operator_writes(self) -> int:
        assert self.cluster.audit_log is not None
        count = 0
        with self.cluster.audit_log.open() as log:
            for line in log:
                event = json.loads(line)
                if event.get("user", {}).get("username") == OPERATOR_USER and event.get("verb") in WRITE_VERBS:
                    count += 1
        return count

    def close(self) -> None:
        self.cluster.stop()
        self._dir.cleanup()


def open_target(name: str, nodes: int = 2, unlimited_controllers: bool = False) -> Target:
    """The server by name; `nodes` (kwok nodes of 3,000 Pods each) and `unlimited_controllers` (no client
    rate limits in the controller manager and scheduler) apply to the real control plane."""
    return KubeTarget(nodes, unlimited_controllers) if name == "kube" else StandInTarget()
