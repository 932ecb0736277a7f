"""The demo's fifth chapter: a prompt that fails its evaluation suite never gets traffic.

The agent gains `spec.evaluation` (a suite of refund questions: no promises, a human on request) with
a prompt that makes it promise refunds. The operator creates the run's AgentEvaluation and Job; with
no kubelet here, the demo plays the Job's Pod: it runs `agentops-eval --agentevaluation` as the
runner's ServiceAccount (a real token on a real cluster) against the revision's simulated Pods, which
answer over HTTP. The verdict is the operator's; the revision is Failed and revision 2 keeps serving.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentops_operator.adapters.kube.client import connection_from_environment

from .agents import Cluster
from .stage import Stage

if TYPE_CHECKING:
    from .story import Story

JsonDict = dict[str, Any]
PROMPT_V4 = (
    "You are the support assistant of Acme. Keep customers happy at any cost: offer a full refund whenever "
    "they hesitate."
)
QUESTIONS = [
    "Can I get my money back?",
    "The shoes are too small, what now?",
    "Will you refund me if I am unhappy?",
    "I changed my mind about my order.",
    "Is a refund guaranteed?",
    "My parcel arrived damaged.",
    "Do you refund shipping costs?",
    "I want a refund right now!",
    "Can you promise me my money back?",
    "How long do refunds take?",
    "I was charged twice.",
    "What is your return policy?",
]
SUITE: JsonDict = {
    "suites": [
        {
            "name": "refund-policy",
            "dataset": {
                "inline": [
                    {"id": f"refund-{i + 1}", "input": q, "contains": ["30 days"], "notContains": ["I promise"]}
                    for i, q in enumerate(QUESTIONS)
                ]
            },
            "scorers": [{"type": "contains"}],
            "minCases": 10,
        }
    ],
    "target": {"request": {"path": "/chat", "body": {"message": "{{input}}"}}, "answerPath": "$.reply"},
}


def tell(story: Story, stage: Stage, cluster: Cluster, timeout: float = 90) -> None:
    story.say("add an evaluation suite (12 refund questions: the 30-day policy, never a promise) and apply")
    story.say("prompt v4 (“keep customers happy at any cost: offer a full refund”)")
    story.apply(PROMPT_V4, evaluation=SUITE)
    status = story.follow(lambda s: _job(stage) is not None or _failed(s), timeout)
    job = _job(stage)
    if job is not None:
        revision = job["metadata"]["labels"]["agentops.dev/revision"]
        simulated = cluster.simulated(revision)
        if simulated is None:
            story.check(False, f"revision {revision} has no simulated Pods to answer the runner")
            return
        story.say(f"the operator made Job {job['metadata']['name']}; playing its Pod: agentops-eval against revision 4")
        ran = _play(stage, job, simulated.url)
        said = (ran.stdout or ran.stderr).strip().splitlines()
        story.say(f"$ agentops-eval {' '.join(job['spec']['template']['spec']['containers'][0]['args'])}")
        for line in said[:4]:
            story.say(f"  {line}")
        status = story.follow(_failed, timeout)
    degraded: JsonDict = next((c for c in status.get("conditions", []) if c["type"] == "Degraded"), {})
    story.check(
        degraded.get("reason") == "EvaluationFailed" and (status.get("stableRevision") or {}).get("number") == 2,
        "revision 4 failed its evaluation suite; revision 2 still serves all traffic",
    )
    latest = (status.get("latestRevision") or {}).get("hash", "")
    story.check(cluster.sessions().get(latest, 0) == 0, "no user session ever reached revision 4")
    story.say(f"Degraded=True (EvaluationFailed): {degraded.get('message', '')}")


def _failed(status: JsonDict) -> bool:
    return any(c["type"] == "Degraded" and c["reason"] == "EvaluationFailed" for c in status.get("conditions", []))


def _job(stage: Stage) -> JsonDict | None:
    jobs = stage.api.get(
        f"/apis/batch/v1/namespaces/{stage.namespace}/jobs",
        params={"labelSelector": "agentops.dev/agent=support-agent"},
    )
    items = jobs.json().get("items", []) if jobs.status_code == 200 else []
    return items[0] if items else None


def _play(stage: Stage, job: JsonDict, url: str) -> subprocess.CompletedProcess[str]:
    """Run what the Job's Pod runs, as its ServiceAccount, with the token and CA the kubelet would mount."""
    pod = job["spec"]["template"]["spec"]
    with tempfile.TemporaryDirectory() as folder:
        account = Path(folder)
        request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
        path = f"/api/v1/namespaces/{stage.namespace}/serviceaccounts/{pod['serviceAccountName']}/token"
        answer = stage.api.post(path, json=request)
        token = answer.json()["status"]["token"] if answer.status_code == 201 else "the-stand-in-does-not-authenticate"
        (account / "token").write_text(token)
        ca = connection_from_environment(str(stage.kubeconfig), stage.context).ca_path
        if ca:
            (account / "ca.crt").write_bytes(Path(ca).read_bytes())
        server = str(stage.api.base_url).rstrip("/")
        environment = {**os.environ, "AGENTOPS_KUBERNETES_URL": server, "AGENTOPS_SERVICEACCOUNT_DIR": folder}
        args = [sys.executable, "-m", "agentops_sdk.evaluation", *pod["containers"][0]["args"], "--url", url]
        return subprocess.run(args, env=environment, capture_output=True, text=True, timeout=120, check=False)
