"""The objects one evaluation run needs, as manifests. Pure.

Per run: an AgentEvaluation (the suite, and the results the runner writes into it) and a Job that runs
`agentops-eval --agentevaluation NAMESPACE/NAME`. Per agent: the revision's evaluation Service (the
latest revision's Pods only, so the runner reaches the revision under test and nothing serving
users), and the runner's ServiceAccount, Role and RoleBinding. The Role allows exactly: get the
agent's current runs, patch their status, get their datasets' ConfigMaps (resourceNames), so a
runner cannot read or write anything else.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..api import resource
from ..api.evaluation import EVALUATION_KIND, EVALUATION_PLURAL, EvaluationGate, SuiteRun
from ..api.security import RESTRICTED_CONTAINER, RESTRICTED_POD
from .manifests import LABEL_AGENT, LABEL_REVISION, Identity, labels, service

JsonDict = dict[str, Any]
RBAC = "rbac.authorization.k8s.io"


def run_name(identity: Identity, revision: str, suite: str, attempt: int) -> str:
    """A Job name too (at most 63 characters): the agent's name, a hash of revision and suite, the attempt."""
    digest = hashlib.sha256(f"{revision}/{suite}".encode()).hexdigest()[:10]
    return f"{identity.name[:40]}-{digest}-{attempt}"


def runner_name(identity: Identity) -> str:
    return f"{identity.name}-eval"


def evaluation_service(identity: Identity, revision: str, bundle: JsonDict) -> JsonDict:
    """The latest revision's own Service, which the runner calls (users' traffic never goes there)."""
    return service(identity, revision, bundle, runner_name(identity))


def target_url(identity: Identity, bundle: JsonDict) -> str:
    port = bundle["runtime"].get("port", 8080)
    return f"http://{runner_name(identity)}.{identity.namespace}.svc:{port}"


def _meta(identity: Identity, name: str, revision: str | None = None) -> JsonDict:
    return {
        "name": name,
        "namespace": identity.namespace,
        "labels": labels(identity, revision),
        "ownerReferences": [identity.owner_reference()],
    }


def run_objects(identity: Identity, gate: EvaluationGate, run: SuiteRun, bundle: JsonDict) -> list[JsonDict]:
    """The AgentEvaluation and the Job of one run."""
    suite = next(s for s in gate.suites if s.name == run.suite)
    evaluation = {
        "apiVersion": resource.API_VERSION,
        "kind": EVALUATION_KIND,
        "metadata": _meta(identity, run.run, run.revision),
        "spec": {
            "agent": identity.name,
            "revision": run.revision,
            "suite": {**suite.wire(), "target": {**gate.target, "url": target_url(identity, bundle)}},
            "confidence": gate.confidence,
        },
    }
    env = [
        {"name": s.env, "valueFrom": {"secretKeyRef": {"name": s.secret_key_ref.name, "key": s.secret_key_ref.key}}}
        for s in gate.runner.secrets
    ]
    container = {
        "name": "runner",
        "image": gate.runner.image,
        "command": ["agentops-eval"],
        "args": ["--agentevaluation", f"{identity.namespace}/{run.run}"],
        "env": env,
        "securityContext": dict(RESTRICTED_CONTAINER),
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
    }
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _meta(identity, run.run, run.revision),
        "spec": {
            "backoffLimit": 0,  # a crashed runner is an Inconclusive run; the operator decides on another
            "activeDeadlineSeconds": gate.runner.deadline_seconds,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": {LABEL_AGENT: identity.name, LABEL_REVISION: run.revision}},
                "spec": {
                    "serviceAccountName": runner_name(identity),
                    "restartPolicy": "Never",
                    "securityContext": dict(RESTRICTED_POD),
                    "containers": [container],
                },
            },
        },
    }
    return [evaluation, job]


def runner_access(identity: Identity, gate: EvaluationGate, running: list[str]) -> list[JsonDict]:
    """The runner's ServiceAccount, and a Role (with its binding) for exactly the runs in `running`."""
    name = runner_name(identity)
    datasets = sorted({s.dataset.config_map_key_ref.name for s in gate.suites if s.dataset.config_map_key_ref})
    rules: list[JsonDict] = []
    if running:  # never an empty resourceNames: that would mean every name
        rules += [
            {
                "apiGroups": [resource.GROUP],
                "resources": [EVALUATION_PLURAL],
                "verbs": ["get"],
                "resourceNames": running,
            },
            {
                "apiGroups": [resource.GROUP],
                "resources": [f"{EVALUATION_PLURAL}/status"],
                "verbs": ["patch"],
                "resourceNames": running,
            },
        ]
    if datasets:
        rules.append({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": datasets})
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(identity, name)},
        {"apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": _meta(identity, name), "rules": rules},
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "RoleBinding",
            "metadata": _meta(identity, name),
            "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": identity.namespace}],
        },
    ]
