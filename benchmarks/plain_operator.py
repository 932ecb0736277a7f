"""A plain kopf operator for AgentDeployments, written the obvious way: the baseline that
`reconcile.py --baseline` compares the AgentOps operator with on the same server in the same run.

It does the least an operator for this resource must: on create, a ConfigMap with the prompt and a
Deployment (both adopted, created with the official `kubernetes` client), and Ready=True on the
agent once its Deployment is available. No revisions, rollouts, runbooks or status history; kopf's
defaults (its progress annotations and Events) are kept, as a first operator would keep them.

    kopf run benchmarks/plain_operator.py --standalone --namespace plain
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import kopf
import kubernetes

LABEL = "plain.agentops.dev/agent"
_clients: dict[str, Any] = {}


def _api(kind: str) -> Any:
    if not _clients:
        kubernetes.config.load_kube_config()
        _clients["core"] = kubernetes.client.CoreV1Api()
        _clients["apps"] = kubernetes.client.AppsV1Api()
        _clients["custom"] = kubernetes.client.CustomObjectsApi()
    return _clients[kind]


@kopf.on.create("agentops.dev", "v1alpha1", "agentdeployments")
def create(spec: dict[str, Any], name: str, namespace: str, **_: Any) -> None:
    labels = {LABEL: name}
    config_map = {
        "metadata": {"name": f"{name}-prompt", "labels": labels},
        "data": {"prompt": (spec.get("prompt") or {}).get("system", "")},
    }
    deployment = {
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": spec.get("replicas", 1),
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "agent", "image": spec["runtime"]["image"]}]},
            },
        },
    }
    kopf.adopt(config_map)
    kopf.adopt(deployment)
    _api("core").create_namespaced_config_map(namespace, config_map)
    _api("apps").create_namespaced_deployment(namespace, deployment)


@kopf.on.event("apps", "v1", "deployments", labels={LABEL: kopf.PRESENT})
def deployment_changed(body: dict[str, Any], namespace: str, labels: dict[str, str], **_: Any) -> None:
    status, wanted = body.get("status") or {}, (body.get("spec") or {}).get("replicas", 1)
    if status.get("availableReplicas", 0) < wanted:
        return
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ready = {"type": "Ready", "status": "True", "reason": "Available", "message": "", "lastTransitionTime": now}
    _api("custom").patch_namespaced_custom_object_status(
        "agentops.dev", "v1alpha1", namespace, "agentdeployments", labels[LABEL], {"status": {"conditions": [ready]}}
    )
