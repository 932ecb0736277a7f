"""Desired child objects of an agent, as plain dicts: bundle ConfigMap, revision Deployment, Service.

Pure functions of the agent's identity and a revision's bundle, so an old revision's Deployment
can be rebuilt from its bundle alone. Each manifest carries `agentops.dev/desired-hash`, the hash
of the manifest itself: the engine compares it with what it observed and writes only on change,
so a steady agent causes no API writes.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from agentops_sdk import contract

from ..api import resource
from ..api.security import RESTRICTED_CONTAINER, RESTRICTED_POD
from .revisions import revision_hash

JsonDict = dict[str, Any]

LABEL_AGENT = "agentops.dev/agent"
LABEL_REVISION = "agentops.dev/revision"
LABEL_NAME = "app.kubernetes.io/name"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
# The operator's ConfigMap watch selects this label (the API server filters, so memory follows the
# agents, not the cluster): on its own ConfigMaps, and added to the prompt ConfigMaps agents reference.
LABEL_WATCHED = "agentops.dev/watched"
WATCHED = "true"
MANAGED_BY = "agentops-operator"
DESIRED_HASH = "agentops.dev/desired-hash"
BUNDLE_KEY = contract.BUNDLE_FILE  # the bundle ConfigMap's key is the file name the agent reads
CONTROLS_KEY = contract.CONTROLS_FILE


@dataclass(frozen=True)
class Identity:
    """Who owns the children: the AgentDeployment's namespace, name and uid."""

    namespace: str
    name: str
    uid: str

    def owner_reference(self) -> JsonDict:
        return {
            "apiVersion": resource.API_VERSION,
            "kind": resource.KIND,
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }

    def revision_name(self, revision: str) -> str:
        return f"{self.name}-{revision}"


def labels(identity: Identity, revision: str | None = None) -> dict[str, str]:
    result = {LABEL_NAME: identity.name, LABEL_MANAGED_BY: MANAGED_BY, LABEL_AGENT: identity.name}
    if revision:
        result[LABEL_REVISION] = revision
    return result


def _stamp(manifest: JsonDict) -> JsonDict:
    manifest["metadata"].setdefault("annotations", {})[DESIRED_HASH] = revision_hash(manifest)
    return manifest


def desired_hash(manifest: JsonDict) -> str:
    return str(manifest["metadata"]["annotations"][DESIRED_HASH])


def bundle_config_map(identity: Identity, revision: str, bundle: JsonDict) -> JsonDict:
    return _stamp(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": identity.revision_name(revision),
                "namespace": identity.namespace,
                "labels": {**labels(identity, revision), LABEL_WATCHED: WATCHED},
                "ownerReferences": [identity.owner_reference()],
            },
            "immutable": True,
            "data": {BUNDLE_KEY: json.dumps(bundle, indent=2, sort_keys=True, ensure_ascii=False) + "\n"},
        }
    )


def stored_bundle(text: str | None) -> JsonDict | None:
    """A bundle as `bundle_config_map` stored it; None when absent or unreadable (nothing to re-create from).
    Parsed only when needed: a rollback to a revision whose Deployment is gone."""
    try:
        content = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return content if isinstance(content, dict) and isinstance(content.get("runtime"), dict) else None


def _agent_container(identity: Identity, revision: str, runtime: JsonDict) -> JsonDict:
    """The agent's container: its image, ports, the contract's env and the bundle and controls mounts."""
    metrics_port = runtime.get("metricsPort", contract.DEFAULT_METRICS_PORT)
    env = [
        {"name": contract.ENV_AGENT_NAME, "value": identity.name},
        {"name": contract.ENV_AGENT_NAMESPACE, "value": identity.namespace},
        {"name": contract.ENV_AGENT_REVISION, "value": revision},
        {"name": contract.ENV_BUNDLE_PATH, "value": contract.BUNDLE_PATH},
        {"name": contract.ENV_CONTROLS_PATH, "value": contract.CONTROLS_PATH},
        {"name": contract.ENV_METRICS_PORT, "value": str(metrics_port)},
        *copy.deepcopy(runtime.get("env", [])),
    ]
    container: JsonDict = {
        "name": "agent",
        "image": runtime["image"],
        "ports": [
            {"name": "http", "containerPort": runtime.get("port", 8080)},
            {"name": "metrics", "containerPort": runtime.get("metricsPort", 9090)},
        ],
        "env": env,
        "volumeMounts": [
            {"name": "bundle", "mountPath": contract.BUNDLE_PATH, "readOnly": True},
            {"name": "controls", "mountPath": contract.CONTROLS_PATH, "readOnly": True},
        ],
    }
    if runtime.get("resources"):
        container["resources"] = copy.deepcopy(runtime["resources"])
    container["securityContext"] = {**RESTRICTED_CONTAINER, **copy.deepcopy(runtime.get("securityContext", {}))}
    return container


def revision_deployment(identity: Identity, revision: str, bundle: JsonDict, replicas: int) -> JsonDict:
    runtime = bundle["runtime"]
    revision_labels = labels(identity, revision)
    container = _agent_container(identity, revision, runtime)
    pod_spec: JsonDict = {
        "securityContext": {**RESTRICTED_POD, **copy.deepcopy(runtime.get("podSecurityContext", {}))},
        "automountServiceAccountToken": runtime.get("automountServiceAccountToken", False),
        "containers": [container],
        "volumes": [
            {"name": "bundle", "configMap": {"name": identity.revision_name(revision)}},
            {"name": "controls", "configMap": {"name": controls_name(identity), "optional": True}},
        ],
    }
    for key in ("serviceAccountName", "nodeSelector", "tolerations"):
        if runtime.get(key):
            pod_spec[key] = copy.deepcopy(runtime[key])
    annotations = {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(runtime.get("metricsPort", 9090)),
        **(runtime.get("podAnnotations") or {}),
    }
    return _stamp(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": identity.revision_name(revision),
                "namespace": identity.namespace,
                "labels": revision_labels,
                "ownerReferences": [identity.owner_reference()],
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {LABEL_AGENT: identity.name, LABEL_REVISION: revision}},
                "template": {
                    "metadata": {"labels": revision_labels, "annotations": annotations},
                    "spec": pod_spec,
                },
            },
        }
    )


def service(identity: Identity, revision: str | None, bundle: JsonDict, name: str | None = None) -> JsonDict:
    """A Service over one revision, or over every revision of the agent when `revision` is None
    (replica-ratio rollouts split traffic by Pod counts)."""
    runtime = bundle["runtime"]
    selector = {LABEL_AGENT: identity.name}
    if revision is not None:
        selector[LABEL_REVISION] = revision
    return _stamp(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": name or identity.name,
                "namespace": identity.namespace,
                "labels": labels(identity),
                "ownerReferences": [identity.owner_reference()],
            },
            "spec": {
                "selector": selector,
                "ports": [
                    {"name": "http", "port": runtime.get("port", 8080), "targetPort": "http"},
                    {"name": "metrics", "port": runtime.get("metricsPort", 9090), "targetPort": "metrics"},
                ],
            },
        }
    )


def controls_name(identity: Identity) -> str:
    return f"{identity.name}-controls"


def controls_config_map(identity: Identity, per_revision: dict[str, JsonDict]) -> JsonDict:
    """The live controls every revision's Pods read (mutable; the SDK picks its own revision's part)."""
    document = {contract.REVISIONS: per_revision}
    return _stamp(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": controls_name(identity),
                "namespace": identity.namespace,
                "labels": {**labels(identity), LABEL_WATCHED: WATCHED},
                "ownerReferences": [identity.owner_reference()],
            },
            "data": {CONTROLS_KEY: json.dumps(document, indent=2, sort_keys=True) + "\n"},
        }
    )
