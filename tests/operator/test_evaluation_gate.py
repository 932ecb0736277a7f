"""Integration: the evaluation gate with the real operator. An AgentDeployment with a suite gets no
traffic until the suite passed; the operator makes the run's AgentEvaluation, Job, ServiceAccount and
Role; the test plays the Job's Pod (the runner under that ServiceAccount, against a real HTTP agent,
as no kubelet runs containers here). A revision that fails its suite never serves, and the one
before keeps serving."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import REGISTRY

from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl, Server
from tests.evaluation.agent import Agent
from tests.operator.test_evaluations import account_folder, run_runner
from tests.operator.test_kubectl_agents import agents as agents_plugin
from tests.serving import answer, serving
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
AGENTS = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments"
JOBS = "/apis/batch/v1/namespaces/default/jobs"
CASES = [{"id": f"refund-{i}", "input": "refund?", "contains": ["30 days"]} for i in range(40)]


class Promiser(BaseHTTPRequestHandler):
    """A revision whose prompt made it promise refunds: it answers every message so."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        answer(self, 200, b'{"reply": "I promise a full refund, no questions asked."}', "application/json")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def agents() -> Iterator[tuple[str, str]]:
    with serving(Agent) as good, serving(Promiser) as bad:
        yield good, bad


def manifest(prompt: str, steps: list[dict[str, Any]] | None = None, **evaluation: Any) -> str:
    agent = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    agent["spec"]["prompt"] = {"system": prompt}
    agent["spec"].pop("rollout", None)
    if steps:
        agent["spec"]["rollout"] = {"steps": steps}
    agent["spec"]["monitoring"] = {"intervalSeconds": 1}
    agent["spec"]["evaluation"] = {
        **evaluation,
        "suites": [
            {"name": "refunds", "dataset": {"inline": CASES}, "scorers": [{"type": "contains"}], "minCases": 20}
        ],
        "target": {"request": {"path": "/chat", "body": {"message": "{{input}}"}}, "answerPath": "$.reply"},
    }
    return yaml.safe_dump(agent)


def status(api: httpx.Client) -> dict[str, Any]:
    return api.get(f"{AGENTS}/support-agent").json().get("status") or {}


def condition(api: httpx.Client, kind: str) -> tuple[str, str] | None:
    found = next((c for c in status(api).get("conditions", []) if c["type"] == kind), None)
    return (found["status"], found["reason"]) if found else None


def play_the_job(
    apiserver: Server, api: httpx.Client, tmp_path: Path, url: str, revision: int, timeout: float = 60
) -> str:
    """Wait for the operator's Job for `revision`, and run what it would run, as its ServiceAccount."""
    latest = eventually(lambda: (status(api).get("latestRevision") or {}).get("number") == revision)
    assert latest
    job = eventually(
        lambda: next((j for j in api.get(JOBS).json()["items"] if j["metadata"]["name"] in running_runs(api)), None),
        timeout=timeout,
        message="no Job for the run",
    )
    pod = job["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"][0] == "--agentevaluation"
    folder = account_folder(apiserver, api, tmp_path / job["metadata"]["name"], pod["serviceAccountName"])
    done = run_runner(apiserver, folder, job["metadata"]["name"], url)
    assert done.returncode == 0, done.stderr
    return str(job["metadata"]["name"])


def running_runs(api: httpx.Client) -> set[str]:
    return {r["run"] for r in status(api).get("evaluation", []) if not r.get("verdict")}


def test_a_revision_serves_only_after_its_suite_passed_and_a_failing_one_never(
    operator: RunningOperator, kubectl: Kubectl, apiserver: Server, api: httpx.Client, agents: tuple[str, str],
    tmp_path: Path, kubeconfig: Path,
) -> None:  # fmt: skip
    good, bad = agents
    kubectl("apply", "-f", "-", input=manifest("Answer from the knowledge base."))
    eventually(lambda: condition(api, "Progressing") == ("True", "Evaluating"), timeout=60)
    assert condition(api, "Ready") == ("False", "Evaluating")
    assert api.get("/api/v1/namespaces/default/services/support-agent").status_code == 404  # no traffic yet

    play_the_job(apiserver, api, tmp_path, good, revision=1)
    eventually(lambda: (status(api).get("stableRevision") or {}).get("number") == 1, timeout=60)
    assert condition(api, "Ready") == ("True", "RevisionAvailable")
    assert api.get("/api/v1/namespaces/default/services/support-agent").status_code == 200
    assert [r["verdict"] for r in status(api)["evaluation"]] == ["Pass"]
    v1 = status(api)["stableRevision"]["hash"]
    ratio = {"namespace": "default", "agent": "support-agent", "revision": v1, "suite": "refunds"}
    assert REGISTRY.get_sample_value("agentops_evaluation_pass_ratio", ratio) == 1.0

    kubectl("apply", "-f", "-", input=manifest("Answer from the knowledge base. Be generous with refunds."))
    run = play_the_job(apiserver, api, tmp_path, bad, revision=2)
    eventually(lambda: condition(api, "Degraded") == ("True", "EvaluationFailed"), timeout=60)
    degraded = next(c for c in status(api)["conditions"] if c["type"] == "Degraded")
    assert (
        "revision 2" in degraded["message"]
        and "failed evaluation suite refunds: pass rate 0 [0, 0.0876]" in (degraded["message"])
    )
    assert (status(api)["stableRevision"]["number"], status(api)["summary"]) == (1, "Degraded")
    run_status = api.get(f"/apis/agentops.dev/v1alpha1/namespaces/default/agentevaluations/{run}").json()["status"]
    assert (run_status["failed"], run_status["verdict"]) == (40, "Fail")
    assert run_status["cases"][0]["detail"] == "contains: missing ['30 days']"
    shown = agents_plugin(kubeconfig, "eval", "support-agent").stdout
    assert "refunds" in shown and "Fail" in shown and "cases that did not pass" in shown
    assert "contains: missing ['30 days']" in shown
    failed = {"namespace": "default", "agent": "support-agent", "suite": "refunds", "verdict": "Fail"}
    assert (REGISTRY.get_sample_value("agentops_evaluation_runs_total", failed) or 0) >= 1


def test_a_scheduled_run_that_fails_on_the_serving_revision_opens_an_incident(
    running: RunningOperator, kubectl: Kubectl, apiserver: Server, api: httpx.Client, agents: tuple[str, str],
    tmp_path: Path,
) -> None:  # fmt: skip
    """Every minute the suite runs again on the serving revision; the knowledge base has gone stale
    since it was promoted (the runner now reaches an agent that promises refunds)."""
    good, bad = agents
    kubectl("apply", "-f", "-", input=manifest("Answer from the knowledge base.", schedule="* * * * *"))
    play_the_job(apiserver, api, tmp_path, good, revision=1)
    eventually(lambda: (status(api).get("stableRevision") or {}).get("number") == 1, timeout=60)
    play_the_job(apiserver, api, tmp_path, bad, revision=1, timeout=90)  # the next minute's run
    incident = eventually(
        lambda: next((i for i in status(api).get("incidents", []) if i["type"] == "EvaluationRegression"), None),
        timeout=60,
        message="no EvaluationRegression incident",
    )
    assert incident["revision"] == status(api)["stableRevision"]["hash"] and incident["severity"] == "error"
    assert status(api)["stableRevision"]["number"] == 1  # notified, not rolled back (opt-in)
    records = "/apis/agentops.dev/v1alpha1/namespaces/default/agentincidents"
    assert eventually(
        lambda: [r for r in api.get(records).json()["items"] if r["spec"]["type"] == "EvaluationRegression"]
    )


def test_the_example_with_a_suite_is_accepted(kubectl: Kubectl) -> None:
    out = kubectl("apply", "--dry-run=server", "-f", str(ROOT / "examples" / "support-agent-evaluated.yaml")).stdout
    assert "configmap/support-evals created (server dry run)" in out
    assert "agentdeployment.agentops.dev/support-agent created (server dry run)" in out


def test_a_passing_suite_lets_the_canary_start(
    operator: RunningOperator, kubectl: Kubectl, apiserver: Server, api: httpx.Client, agents: tuple[str, str],
    tmp_path: Path,
) -> None:  # fmt: skip
    good, _ = agents
    steps = [{"canary": {"weight": 50, "durationSeconds": 600}}]
    kubectl("apply", "-f", "-", input=manifest("Answer from the knowledge base.", steps))
    play_the_job(apiserver, api, tmp_path, good, revision=1)
    eventually(lambda: (status(api).get("stableRevision") or {}).get("number") == 1, timeout=60)
    kubectl("apply", "-f", "-", input=manifest("Answer from the knowledge base, kindly.", steps))
    eventually(lambda: condition(api, "Progressing") == ("True", "Evaluating"), timeout=60)
    assert not status(api).get("rollout")  # no canary while the suite runs
    play_the_job(apiserver, api, tmp_path, good, revision=2)
    rollout = eventually(
        lambda: (status(api).get("rollout") or {}).get("weight") == 50 and status(api)["rollout"], timeout=60
    )
    assert rollout["stepIndex"] == 0 and status(api)["canaryRevision"]["number"] == 2


@pytest.mark.kube_only
def test_a_runner_that_never_reports_is_inconclusive_and_runs_again(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    """Nobody plays the Job: its runner crashed before writing a word. After the Job's deadline and a
    minute's grace the run is Inconclusive (never Pass or Fail), and the suite runs again."""
    kubectl("apply", "-f", "-", input=manifest("Answer from the knowledge base.", runner={"deadlineSeconds": 30}))
    first = eventually(lambda: status(api).get("evaluation"), timeout=60)[0]
    assert (first["attempt"], first.get("verdict")) == (1, None)
    again = eventually(
        lambda: next((r for r in status(api).get("evaluation", []) if r["attempt"] == 2), None),
        timeout=150,  # 30 s deadline + 60 s grace, and a resync
        message="the silent run was not retried",
    )
    assert again.get("verdict") is None and again["run"] != first["run"]
    assert (status(api).get("stableRevision") or {}).get("number") is None  # no traffic on a silent run
    jobs = api.get(JOBS, params={"labelSelector": "agentops.dev/agent=support-agent"}).json()["items"]
    assert {j["metadata"]["name"] for j in jobs} == {first["run"], again["run"]}
    inconclusive = {"namespace": "default", "agent": "support-agent", "suite": "refunds", "verdict": "Inconclusive"}
    assert (REGISTRY.get_sample_value("agentops_evaluation_runs_total", inconclusive) or 0) >= 1
