"""Integration: an AgentEvaluation run by the real runner (`agentops-eval --agentevaluation`, as its
Job would run it) against a real HTTP agent, under a ServiceAccount whose Role allows only that run;
the operator writes the verdict from the counts. On the real API server the Role is enforced: the
runner's token can do nothing else."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Server
from tests.evaluation.agent import Agent
from tests.kube import RealServer
from tests.serving import serving
from tests.waiting import eventually

GROUP = "/apis/agentops.dev/v1alpha1/namespaces/default"
RUNNER = "support-eval-runner"


@pytest.fixture
def agent_url() -> Iterator[str]:
    with serving(Agent) as url:
        yield url


def evaluation(name: str, dataset: dict[str, Any], **suite: Any) -> dict[str, Any]:
    return {
        "apiVersion": "agentops.dev/v1alpha1",
        "kind": "AgentEvaluation",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "agent": "support",
            "revision": "abc123",
            "suite": {
                "name": name,
                "dataset": dataset,
                "target": {"request": {"path": "/chat", "body": {"message": "{{input}}"}}, "answerPath": "$.reply"},
                "scorers": [{"type": "contains"}],
                **suite,
            },
        },
    }


def jsonl(cases: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(c) + "\n" for c in cases)


def runner_account(api: httpx.Client, evaluations: list[str], datasets: list[str]) -> None:
    """The ServiceAccount the evaluation Job runs as, allowed exactly: read these AgentEvaluations,
    write their status, read these dataset ConfigMaps."""
    meta = {"name": RUNNER, "namespace": "default"}
    rules = [
        {"apiGroups": ["agentops.dev"], "resources": ["agentevaluations"], "verbs": ["get"],
         "resourceNames": evaluations},
        {"apiGroups": ["agentops.dev"], "resources": ["agentevaluations/status"], "verbs": ["patch"],
         "resourceNames": evaluations},
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": datasets},
    ]  # fmt: skip
    binding = {
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": RUNNER},
        "subjects": [{"kind": "ServiceAccount", "name": RUNNER, "namespace": "default"}],
    }
    for path, body in (
        ("/api/v1/namespaces/default/serviceaccounts", {"metadata": meta}),
        ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {"metadata": meta, "rules": rules}),
        ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding),
    ):
        api.post(path, json=body).raise_for_status()


def account_folder(apiserver: Server, api: httpx.Client, folder: Path, account: str = RUNNER) -> Path:
    """What the kubelet mounts into the Job's Pod: the account's token and the cluster's CA."""
    folder.mkdir()
    if isinstance(apiserver, RealServer):
        request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
        response = api.post(f"/api/v1/namespaces/default/serviceaccounts/{account}/token", json=request)
        (folder / "token").write_text(response.raise_for_status().json()["status"]["token"])
        (folder / "ca.crt").write_bytes(apiserver.control_plane.authority.pair.cert.read_bytes())
    else:
        (folder / "token").write_text("the-stand-in-does-not-authenticate")
    return folder


def run_runner(apiserver: Server, folder: Path, name: str, agent_url: str) -> subprocess.CompletedProcess[str]:
    environment = {"AGENTOPS_KUBERNETES_URL": apiserver.url, "AGENTOPS_SERVICEACCOUNT_DIR": str(folder)}
    command = [sys.executable, "-m", "agentops_sdk.evaluation", "--agentevaluation", f"default/{name}"]
    return subprocess.run(
        [*command, "--url", agent_url], capture_output=True, text=True, timeout=120, env={**environment, "PATH": ""}
    )


def verdict(api: httpx.Client, name: str) -> dict[str, Any] | None:
    status = api.get(f"{GROUP}/agentevaluations/{name}").json().get("status") or {}
    return status if status.get("verdict") else None


def test_the_runner_reports_and_the_operator_judges(
    operator: RunningOperator, apiserver: Server, api: httpx.Client, agent_url: str, tmp_path: Path
) -> None:
    good = [{"id": f"refund-{i}", "input": "refund?", "contains": ["30 days"]} for i in range(60)]
    mixed = [{"id": f"promise-{i}", "input": "promise", "notContains": ["promise"]} for i in range(20)]
    mixed += [{"id": f"greeting-{i}", "input": "hello", "contains": ["help"]} for i in range(10)]
    config_map = {"metadata": {"name": "support-cases", "namespace": "default"}, "data": {"good.jsonl": jsonl(good)}}
    api.post("/api/v1/namespaces/default/configmaps", json=config_map).raise_for_status()
    api.post(f"{GROUP}/agentevaluations", json=evaluation("good", {"configMapKeyRef": {"name": "support-cases",
             "key": "good.jsonl"}}, minCases=20)).raise_for_status()  # fmt: skip
    api.post(f"{GROUP}/agentevaluations", json=evaluation("mixed", {"inline": mixed})).raise_for_status()
    runner_account(api, ["good", "mixed"], ["support-cases"])
    folder = account_folder(apiserver, api, tmp_path / "serviceaccount")

    for name in ("good", "mixed"):
        done = run_runner(apiserver, folder, name, agent_url)
        assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("suite mixed: 10 passed, 20 failed, 0 errors; pass rate 0.33")
    # The Job's log keeps the whole report (the AgentEvaluation lists at most 50 cases).
    logged = next(line for line in done.stdout.splitlines() if line.startswith("report "))
    assert len(json.loads(logged.removeprefix("report "))["cases"]) == 30
    assert any(line.startswith("junit <?xml") for line in done.stdout.splitlines())

    good_status = eventually(lambda: verdict(api, "good"), message="no verdict on good")
    assert (good_status["passed"], good_status["failed"], good_status["verdict"]) == (60, 0, "Pass")
    assert good_status["reason"].startswith("pass rate 1 [0.94, 1] over 60 cases (0 errors), required 0.9 at 95%")
    mixed_status = eventually(lambda: verdict(api, "mixed"), message="no verdict on mixed")
    assert (mixed_status["passed"], mixed_status["failed"], mixed_status["verdict"]) == (10, 20, "Fail")
    assert mixed_status["cases"][0] == {
        "id": "promise-0",
        "outcome": "failed",
        "detail": "contains: must not say ['promise']",
    }
    assert mixed_status["startedAt"] <= mixed_status["finishedAt"]


def test_a_wrong_suite_is_inconclusive_with_the_runners_words(
    operator: RunningOperator, apiserver: Server, api: httpx.Client, agent_url: str, tmp_path: Path
) -> None:
    missing = {"configMapKeyRef": {"name": "no-such-cases", "key": "cases.jsonl"}}
    api.post(f"{GROUP}/agentevaluations", json=evaluation("broken", missing)).raise_for_status()
    runner_account(api, ["broken"], ["no-such-cases"])
    done = run_runner(apiserver, account_folder(apiserver, api, tmp_path / "sa"), "broken", agent_url)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    status = eventually(lambda: verdict(api, "broken"))
    assert status["verdict"] == "Inconclusive"
    assert status["reason"] == (
        "the runner could not run the suite: dataset.configMapKeyRef: ConfigMap 'no-such-cases' cannot be read (404)"
    )


@pytest.mark.kube_only
def test_the_runners_token_can_do_nothing_else(apiserver: Server, api: httpx.Client, tmp_path: Path) -> None:
    """Least privilege, enforced by the real API server's RBAC: the runner's own run, nothing more."""
    api.post(f"{GROUP}/agentevaluations", json=evaluation("mine", {"inline": [{"input": "x"}]})).raise_for_status()
    api.post(f"{GROUP}/agentevaluations", json=evaluation("other", {"inline": [{"input": "x"}]})).raise_for_status()
    for name in ("cases", "secret-ish"):
        config_map = {"metadata": {"name": name, "namespace": "default"}, "data": {"k": "v"}}
        api.post("/api/v1/namespaces/default/configmaps", json=config_map).raise_for_status()
    runner_account(api, ["mine"], ["cases"])
    folder = account_folder(apiserver, api, tmp_path / "sa")
    assert isinstance(apiserver, RealServer)
    tls = ssl.create_default_context(cafile=str(folder / "ca.crt"))
    token = (folder / "token").read_text()
    with httpx.Client(base_url=apiserver.url, headers={"Authorization": f"Bearer {token}"}, verify=tls) as runner:
        patch = {"status": {"passed": 1}}
        headers = {"Content-Type": "application/merge-patch+json"}
        allowed = {
            "read its run": runner.get(f"{GROUP}/agentevaluations/mine").status_code,
            "write its status": runner.patch(f"{GROUP}/agentevaluations/mine/status", json=patch,
                                             headers=headers).status_code,
            "read its dataset": runner.get("/api/v1/namespaces/default/configmaps/cases").status_code,
        }  # fmt: skip
        refused = {
            "read another run": runner.get(f"{GROUP}/agentevaluations/other").status_code,
            "write another's status": runner.patch(f"{GROUP}/agentevaluations/other/status", json=patch,
                                                   headers=headers).status_code,
            "change its own spec": runner.patch(f"{GROUP}/agentevaluations/mine", json={"spec": {"revision": "x"}},
                                                headers=headers).status_code,
            "list runs": runner.get(f"{GROUP}/agentevaluations").status_code,
            "read another ConfigMap": runner.get("/api/v1/namespaces/default/configmaps/secret-ish").status_code,
            "read Secrets": runner.get("/api/v1/namespaces/default/secrets").status_code,
            "read agents": runner.get(f"{GROUP}/agentdeployments").status_code,
        }  # fmt: skip
    assert allowed == dict.fromkeys(allowed, 200)
    assert refused == dict.fromkeys(refused, 403)


def test_a_judge_that_errors_makes_the_run_inconclusive_never_a_failure(
    operator: RunningOperator, apiserver: Server, api: httpx.Client, agent_url: str, tmp_path: Path
) -> None:
    cases = [{"id": f"c{i}", "input": "refund?", "criteria": "polite"} for i in range(30)]
    dead_judge = {"type": "llmJudge", "url": "http://127.0.0.1:9/v1", "model": "judge", "timeoutSeconds": 2}
    run = evaluation("judged", {"inline": cases}, scorers=[dead_judge], maxErrors=5, parallelism=1)
    api.post(f"{GROUP}/agentevaluations", json=run).raise_for_status()
    runner_account(api, ["judged"], ["none"])
    done = run_runner(apiserver, account_folder(apiserver, api, tmp_path / "sa"), "judged", agent_url)
    assert done.returncode == 1  # nothing was judged
    status = eventually(lambda: verdict(api, "judged"))
    assert (status["failed"], status["errors"], status["verdict"]) == (0, 5, "Inconclusive")
    assert status["reason"].startswith("the run stopped after 5 errors (25 cases not run)")
    assert "the judge at http://127.0.0.1:9/v1 did not answer" in status["cases"][0]["detail"]
