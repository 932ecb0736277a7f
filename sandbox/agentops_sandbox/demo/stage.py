"""Where the demo's story is told: the API stand-in on 127.0.0.1 (the default: no cluster, no Go), or
any real cluster a kubeconfig names (the local control plane of `agentops_sandbox.testing`, kind, a
cloud cluster). Either way the story gets the same `Stage`: an API client, the kubeconfig the operator
and kubectl use, and the namespace the agent lives in.

On a real cluster the demo leaves it as it found it: it creates the namespace and the CRDs it needs
only when they are missing, and deletes exactly what it created when the story is over (unless asked
to keep it running). A CRD that is already there (a Gateway API install, an earlier operator
install) is used as it is.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from kubernetes import config as k8s_config

from agentops_operator.adapters.kube.client import connection_from_environment, sync_http_client
from agentops_operator.api.crd import crd_manifest, evaluation_crd_manifest, incident_crd_manifest

from ..standin import ThreadedApiServer
from ..testing.crds import CRDS, crd_established
from ..testing.route_crds import HTTPROUTE_CRD

JsonDict = dict[str, Any]


class StageError(Exception):
    """The cluster cannot hold the story: what is wrong and what to do, shown without a traceback."""


@dataclass
class Stage:
    api: httpx.Client
    kubeconfig: Path
    namespace: str
    where: str  # one line for the console: which API server
    context: str | None = None
    created: list[str] = field(default_factory=list)  # API paths this stage made, deleted afterwards

    def kubectl_flags(self) -> list[str]:
        return ["--kubeconfig", str(self.kubeconfig), "-n", self.namespace] + (
            ["--context", self.context] if self.context else []
        )


@contextmanager
def on_the_stand_in(kubeconfig: Path | None) -> Iterator[Stage]:
    """The API stand-in on a thread, with the CRDs installed; it simulates Deployments becoming ready.
    Its kubeconfig is written to `kubeconfig` (kept), or to a temporary file."""
    with (
        ThreadedApiServer(simulate_deployments=True, deployment_delay=0.5) as server,
        tempfile.TemporaryDirectory() as tmp,
        httpx.Client(base_url=server.url, timeout=10) as api,
    ):
        written = server.write_kubeconfig(kubeconfig or Path(tmp) / "kubeconfig")
        stage = Stage(api, written, "default", f"API stand-in {server.url}")
        install_missing_crds(stage)
        yield stage


@contextmanager
def on_a_cluster(
    kubeconfig: str, context: str | None, namespace: str, keep: bool, story_objects: list[str]
) -> Iterator[Stage]:
    """The cluster the kubeconfig (and context) names; what the demo creates there is removed afterwards
    unless `keep`: the namespace if it made it, else the `story_objects` (API paths) in it, and the CRDs
    it installed."""
    try:
        connection = connection_from_environment(kubeconfig, context, in_cluster=False)
    except (k8s_config.ConfigException, OSError) as error:
        raise StageError(f"cannot load the kubeconfig {kubeconfig!r}: {error}") from None
    with sync_http_client(connection) as api:
        version = _server_version(api, connection.server)
        stage = Stage(api, Path(kubeconfig), namespace, f"Kubernetes {version} at {connection.server}", context)
        try:
            _ensure_namespace(stage)
            install_missing_crds(stage)
            yield stage
        finally:
            if not keep:
                remove_what_was_created(stage, story_objects)


def _server_version(api: httpx.Client, server: str) -> str:
    try:
        response = api.get("/version")
    except httpx.HTTPError as error:
        raise StageError(f"cannot reach the API server {server}: {error}") from None
    if response.status_code in (401, 403):
        raise StageError(f"the API server {server} refused the kubeconfig's credentials ({response.status_code})")
    if response.status_code != 200:
        raise StageError(f"the API server {server} answered /version with {response.status_code}")
    return str(response.json().get("gitVersion", "?"))


def _checked(response: httpx.Response, what: str) -> httpx.Response:
    if response.status_code == 403:
        raise StageError(
            f"{what}: forbidden ({response.json().get('message', '')}); the demo needs rights to create "
            "CustomResourceDefinitions, a namespace and the agent's objects (a cluster-admin kubeconfig)"
        )
    if response.status_code >= 400:
        raise StageError(f"{what}: the API server said {response.status_code}: {response.text[:300]}")
    return response


def _ensure_namespace(stage: Stage) -> None:
    path = f"/api/v1/namespaces/{stage.namespace}"
    if stage.api.get(path).status_code == 404:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": stage.namespace}}
        _checked(stage.api.post("/api/v1/namespaces", json=body), f"creating namespace {stage.namespace}")
        stage.created.append(path)


def install_missing_crds(stage: Stage, timeout: float = 30) -> None:
    """Create the AgentDeployment, AgentIncident, AgentEvaluation and (when missing) HTTPRoute CRDs, and wait until the
    server serves them (a real server establishes a new CRD after a moment)."""
    for crd in (crd_manifest(), incident_crd_manifest(), evaluation_crd_manifest(), HTTPROUTE_CRD):
        path = f"{CRDS}/{crd['metadata']['name']}"
        if stage.api.get(path).status_code == 404:
            _checked(stage.api.post(CRDS, json=crd), f"installing CRD {crd['metadata']['name']}")
            stage.created.append(path)
    deadline = time.monotonic() + timeout
    created = [path.rsplit("/", 1)[1] for path in stage.created if path.startswith(CRDS)]
    while not all(crd_established(stage.api, name) for name in created):
        if time.monotonic() > deadline:
            raise StageError(f"the CRDs were not Established within {timeout:.0f} s")
        time.sleep(0.2)


def remove_what_was_created(stage: Stage, story_objects: list[str]) -> None:
    """Delete what the stage created, newest first; in a namespace that was already there, the story's
    own objects first (the agent's Deployments, Services and ConfigMaps go with it by owner references)."""
    namespace_created = f"/api/v1/namespaces/{stage.namespace}" in stage.created
    for path in ([] if namespace_created else story_objects) + list(reversed(stage.created)):
        response = stage.api.delete(path)
        if response.status_code not in (200, 202, 404):
            raise StageError(f"cleaning up {path}: the API server said {response.status_code}: {response.text[:200]}")
