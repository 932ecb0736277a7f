"""The plugin's view of the cluster: a synchronous httpx client configured like kubectl (kubeconfig,
context, namespace), reading AgentDeployments, their bundles and incidents, and writing annotations."""

from __future__ import annotations

from typing import Any

import httpx
from kubernetes import config as k8s_config

from ..adapters.kube.client import connection_from_environment, sync_http_client
from ..api import resource
from ..api.evaluation import EVALUATION_PLURAL
from ..api.incident import INCIDENT_PLURAL

JsonDict = dict[str, Any]


class PluginError(Exception):
    """A message for the user (what is wrong and what to do), shown without a traceback."""


class Cluster:
    def __init__(self, kubeconfig: str | None, context: str | None, namespace: str | None) -> None:
        try:
            connection = connection_from_environment(kubeconfig, context, in_cluster=False)
        except (k8s_config.ConfigException, OSError) as error:
            raise PluginError(f"cannot load the kubeconfig: {error}; pass --kubeconfig or set KUBECONFIG") from None
        self.namespace = namespace or connection.default_namespace
        self.http = sync_http_client(connection)

    def _path(self, plural: str, name: str = "") -> str:
        base = f"/apis/{resource.GROUP}/{resource.VERSION}/namespaces/{self.namespace}/{plural}"
        return f"{base}/{name}" if name else base

    def _json(self, response: httpx.Response, what: str) -> JsonDict:
        if response.status_code == 404:
            raise PluginError(f"{what} not found in namespace {self.namespace!r}")
        if response.status_code >= 400:
            raise PluginError(f"{what}: the API server said {response.status_code}: {response.text[:300]}")
        return response.json()  # type: ignore[no-any-return]

    def agent(self, name: str) -> JsonDict:
        return self._json(self.http.get(self._path(resource.PLURAL, name)), f"AgentDeployment {name!r}")

    def annotate(self, name: str, annotations: dict[str, str]) -> None:
        patch = {"metadata": {"annotations": annotations}}
        self._json(
            self.http.patch(
                self._path(resource.PLURAL, name), json=patch, headers={"Content-Type": "application/merge-patch+json"}
            ),
            f"AgentDeployment {name!r}",
        )

    def bundle(self, agent: str, revision: str) -> JsonDict | None:
        response = self.http.get(f"/api/v1/namespaces/{self.namespace}/configmaps/{agent}-{revision}")
        return self._json(response, f"bundle ConfigMap {agent}-{revision}") if response.status_code != 404 else None

    def evaluations(self, agent: str) -> list[JsonDict]:
        params = {"labelSelector": f"agentops.dev/agent={agent}"}
        items = self._json(self.http.get(self._path(EVALUATION_PLURAL), params=params), "AgentEvaluations")["items"]
        return list(items)

    def incidents(self, agent: str | None) -> list[JsonDict]:
        params = {"labelSelector": f"agentops.dev/agent={agent}"} if agent else {}
        items = self._json(self.http.get(self._path(INCIDENT_PLURAL), params=params), "AgentIncidents")["items"]
        return list(items)
