"""A stand-in for the kubelet and the Deployment and Job controllers: it moves status only.

There is no kubelet here, so nothing would ever become available. When switched on, a
Deployment's status follows its spec after `deployment_delay` seconds (replicas, ready,
available, updated, observedGeneration, and the Available/Progressing conditions as
"Deployments → Deployment status" describes). A Job starts at once and finishes when asked:
set the annotation `sandbox.agentops.dev/job-outcome` to `Succeeded` or `Failed` (or call
`finish_job`), and the Job gets the Complete or Failed condition of "Jobs → Job termination".
No Pods or ReplicaSets are created.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from .errors import ApiError
from .resources import Resources, WriteOptions, now_rfc3339
from .store import Change

JsonDict = dict[str, Any]

DEPLOYMENTS = ("apps", "deployments")
JOBS = ("batch", "jobs")
JOB_OUTCOME_ANNOTATION = "sandbox.agentops.dev/job-outcome"
_WRITER = WriteOptions(manager="kube-controller-manager")


def deployment_status(deployment: JsonDict, previous: JsonDict) -> JsonDict:
    replicas = int((deployment.get("spec") or {}).get("replicas", 1))
    now = now_rfc3339()
    old_conditions = {c["type"]: c for c in previous.get("conditions") or []}

    def condition(kind: str, reason: str, message: str) -> JsonDict:
        old = old_conditions.get(kind, {})
        since = old.get("lastTransitionTime", now) if old.get("status") == "True" else now
        return {
            "type": kind,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastUpdateTime": now,
            "lastTransitionTime": since,
        }

    name = deployment["metadata"]["name"]
    status: JsonDict = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        "replicas": replicas,
        "updatedReplicas": replicas,
    }
    if replicas:
        status.update(readyReplicas=replicas, availableReplicas=replicas)
    status["conditions"] = [
        condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        condition("Progressing", "NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.'),
    ]
    return status


def _settled(deployment: JsonDict) -> bool:
    status = deployment.get("status") or {}
    replicas = int((deployment.get("spec") or {}).get("replicas", 1))
    return (
        status.get("observedGeneration") == deployment["metadata"].get("generation", 1)
        and status.get("replicas") == replicas
        and status.get("availableReplicas", 0) == replicas
    )


class WorkloadSimulator:
    def __init__(
        self, resources: Resources, deployments: bool = False, deployment_delay: float = 0.0, jobs: bool = False
    ) -> None:
        self.resources = resources
        self.deployments = deployments
        self.deployment_delay = deployment_delay
        self.jobs = jobs

    def observe(self, change: Change) -> None:
        if change.type == "DELETED" or change.object["metadata"].get("deletionTimestamp"):
            return
        if self.deployments and change.storage == DEPLOYMENTS and not _settled(change.object):
            meta = change.object["metadata"]
            asyncio.get_running_loop().call_later(
                self.deployment_delay, self._settle_deployment, meta["namespace"], meta["name"]
            )
        if self.jobs and change.storage == JOBS:
            self._advance_job(change.object)

    def _settle_deployment(self, namespace: str, name: str) -> None:
        rt = self.resources.registry.lookup("apps", "v1", "deployments")
        current = self.resources.store.get(DEPLOYMENTS, (namespace, name))
        if rt is None or current is None or _settled(current):
            return
        status = deployment_status(current, current.get("status") or {})
        # On a conflict the object changed meanwhile: that change schedules another pass.
        with contextlib.suppress(ApiError):
            self.resources.update(rt, namespace, name, {**current, "status": status}, _WRITER, subresource="status")

    def _advance_job(self, job: JsonDict) -> None:
        rt = self.resources.registry.lookup("batch", "v1", "jobs")
        assert rt is not None
        status = dict(job.get("status") or {})
        outcome = (job["metadata"].get("annotations") or {}).get(JOB_OUTCOME_ANNOTATION)
        conditions = status.get("conditions") or []
        if any(c["type"] in ("Complete", "Failed") and c["status"] == "True" for c in conditions):
            return
        now = now_rfc3339()
        if "startTime" not in status:
            status.update(startTime=now, active=1, ready=1)
        if outcome in ("Succeeded", "Failed"):
            done = outcome == "Succeeded"
            status.pop("active", None)
            status["ready"] = 0
            status["succeeded" if done else "failed"] = 1
            criteria = "SuccessCriteriaMet" if done else "FailureTarget"
            final = "Complete" if done else "Failed"
            reason = "CompletionsReached" if done else "BackoffLimitExceeded"
            status["conditions"] = [
                {
                    "type": criteria,
                    "status": "True",
                    "reason": reason,
                    "lastProbeTime": now,
                    "lastTransitionTime": now,
                    "message": "Reached expected number of succeeded pods"
                    if done
                    else "Job has reached the specified backoff limit",
                },
                {
                    "type": final,
                    "status": "True",
                    "reason": reason,
                    "lastProbeTime": now,
                    "lastTransitionTime": now,
                    "message": "Reached expected number of succeeded pods"
                    if done
                    else "Job has reached the specified backoff limit",
                },
            ]
            if done:
                status["completionTime"] = now
        if status == (job.get("status") or {}):
            return
        meta = job["metadata"]
        self.resources.update(
            rt, meta["namespace"], meta["name"], {**job, "status": status}, _WRITER, subresource="status"
        )

    def finish_job(self, namespace: str, name: str, succeeded: bool) -> None:
        rt = self.resources.registry.lookup("batch", "v1", "jobs")
        assert rt is not None
        self.resources.patch(
            rt,
            namespace,
            name,
            "application/merge-patch+json",
            {"metadata": {"annotations": {JOB_OUTCOME_ANNOTATION: "Succeeded" if succeeded else "Failed"}}},
            _WRITER,
        )
