"""Contract: the optional workload simulator and the `serve` command.

Deployment status fields and conditions follow "Deployments → Deployment status"
(kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status); Job conditions follow
"Jobs → Job termination and cleanup" (…/controllers/job/).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from agentops_sandbox.standin import ThreadedApiServer
from agentops_sandbox.standin.simulator import JOB_OUTCOME_ANNOTATION
from tests.sandbox.rest import DEPLOY, MERGE, deployment, ok
from tests.waiting import eventually


@pytest.mark.standin_only  # the stand-in's own switch: a real cluster's controllers always run
def test_deployments_stay_unavailable_without_the_simulator(api: httpx.Client) -> None:
    ok(api.post(DEPLOY, json=deployment("d")))
    time.sleep(0.3)
    assert "status" not in ok(api.get(f"{DEPLOY}/d"))


def test_deployment_becomes_available_after_the_delay_and_follows_scaling() -> None:
    with (
        ThreadedApiServer(simulate_deployments=True, deployment_delay=0.3) as server,
        httpx.Client(base_url=server.url) as api,
    ):
        started = time.monotonic()
        ok(api.post(DEPLOY, json=deployment("d", replicas=2)))
        status = eventually(lambda: ok(api.get(f"{DEPLOY}/d")).get("status"))
        assert time.monotonic() - started >= 0.3
        assert status["availableReplicas"] == 2 and status["observedGeneration"] == 1
        assert {c["type"]: c["status"] for c in status["conditions"]} == {"Available": "True", "Progressing": "True"}
        ok(api.patch(f"{DEPLOY}/d", json={"spec": {"replicas": 0}}, headers=MERGE))
        scaled = eventually(lambda: (s := ok(api.get(f"{DEPLOY}/d"))["status"])["observedGeneration"] == 2 and s)
        assert scaled["replicas"] == 0 and "availableReplicas" not in scaled


def test_job_finishes_on_request() -> None:
    with ThreadedApiServer(simulate_jobs=True) as server, httpx.Client(base_url=server.url) as api:
        job = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "eval"},
            "spec": {"template": {"spec": {"containers": [{"name": "eval", "image": "busybox"}]}}},
        }
        jobs = "/apis/batch/v1/namespaces/default/jobs"
        ok(api.post(jobs, json=job))
        eventually(lambda: ok(api.get(f"{jobs}/eval")).get("status", {}).get("active") == 1)
        ok(
            api.patch(
                f"{jobs}/eval", json={"metadata": {"annotations": {JOB_OUTCOME_ANNOTATION: "Failed"}}}, headers=MERGE
            )
        )
        status = eventually(
            lambda: (
                ok(api.get(f"{jobs}/eval")).get("status", {}).get("failed") and ok(api.get(f"{jobs}/eval"))["status"]
            )
        )
        assert any(c["type"] == "Failed" and c["status"] == "True" for c in status["conditions"])
        ok(api.post(jobs, json={**job, "metadata": {"name": "ok"}}))
        server.call(lambda s: s.simulator.finish_job("default", "ok", succeeded=True))
        done = eventually(lambda: ok(api.get(f"{jobs}/ok")).get("status", {}).get("succeeded"))
        assert done == 1


def test_serve_command_writes_kubeconfig_and_stops_on_sigterm(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    process = subprocess.Popen(
        [sys.executable, "-m", "agentops_sandbox.standin", "serve", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert first_line.startswith("sandbox API server on http://127.0.0.1:")
        server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        assert ok(httpx.get(f"{server}/version"))["major"] == "1"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
