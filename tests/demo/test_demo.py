"""The README's first command runs this demo: it must tell its whole story on this machine (API
stand-in, real Prometheus, SDK agents) and exit 0 only when every outcome happened. With
`--kubeconfig` it tells the same story on a real cluster (here the real local control plane) and
leaves the cluster as it found it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from agentops_sandbox.demo.stage import on_a_cluster
from agentops_sandbox.demo.story import NAME, agents_path, httproute, routes_path, story_objects
from agentops_sandbox.standin import ThreadedApiServer
from agentops_sandbox.testing import LocalControlPlane
from agentops_sandbox.testing.route_crds import HTTPROUTE_CRD

OUTCOMES = (
    "revision 2 passed its analyses and was promoted",
    "revision 2 only gets it mirrored",
    "the incident resolved and revision 2 came back through its canary steps",
    "the PromptLeak runbook aborted revision 3's canary",
    "an AgentIncident records the leak",
    "support-agent-promptleak-",
    "suite refund-policy: 0 passed, 12 failed, 0 errors",
    "revision 4 failed its evaluation suite; revision 2 still serves all traffic",
    "no user session ever reached revision 4",
    "refund-policy: cases that did not pass",  # kubectl agents eval
)


def run_demo(*args: str) -> str:
    if shutil.which("prometheus") is None:
        pytest.skip("the prometheus binary is missing: `apt-get install prometheus` (scripts/setup does)")
    result = subprocess.run(
        [sys.executable, "-m", "agentops_sandbox.demo", *args], capture_output=True, text=True, timeout=400
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for outcome in OUTCOMES:
        assert outcome in result.stdout, result.stdout
    assert "✗" not in result.stdout
    # What a user reads: each analysis line names its arms, no "0 %" step, and the end shows the plugin
    # as typed (the diff of what revision 4 changed from revision 3).
    # The demo's checks are `method: Sequential`: estimate, always-valid interval, margin, verdict.
    interval = r"canary [0-9.e-]+ \[[0-9.e-]+, [0-9.e-]+\]"
    assert re.search(rf"analysis: session-success-rate {interval} vs stable [0-9.]+, margin 0.02 → Pass", result.stdout)
    assert re.search(rf"cost-per-session {interval} vs stable [0-9.e-]+: ratio [0-9.]+ \[", result.stdout)
    assert "canary weight 0%" not in result.stdout and " nan " not in result.stdout
    assert "$ kubectl agents status support-agent" in result.stdout and "EvaluationFailed" in result.stdout
    assert re.search(r"support-agent: revision 3 \([0-9a-f]+\) → revision 4 \([0-9a-f]+\)", result.stdout)
    return result.stdout


def test_the_demo_promotes_shadows_and_rolls_back() -> None:
    assert "API stand-in http://127.0.0.1:" in run_demo()


@pytest.mark.kube_only
def test_the_demo_tells_the_same_story_on_a_real_cluster_and_cleans_up(control_plane: LocalControlPlane) -> None:
    with control_plane.client() as api:
        crds_before = {c["metadata"]["name"] for c in api.get(CRDS).json()["items"]}
        out = run_demo("--kubeconfig", str(control_plane.kubeconfig), "--namespace", "demo-on-kube")
        assert "Kubernetes v1.37.2 at https://127.0.0.1:" in out and "namespace demo-on-kube" in out
        namespace = api.get("/api/v1/namespaces/demo-on-kube")
        assert namespace.status_code == 404 or namespace.json()["status"]["phase"] == "Terminating"
        assert {c["metadata"]["name"] for c in api.get(CRDS).json()["items"]} == crds_before


def test_in_a_namespace_that_was_there_only_the_story_objects_go(tmp_path: Path) -> None:
    """On a user's cluster the demo must not delete what it did not create (here: on the stand-in)."""
    with ThreadedApiServer() as server, httpx.Client(base_url=server.url) as api:
        kubeconfig = str(server.write_kubeconfig(tmp_path / "kubeconfig"))
        api.post(CRDS, json=HTTPROUTE_CRD).raise_for_status()  # a cluster with Gateway API installed
        other = {**httproute("default"), "metadata": {"name": "someone-elses", "namespace": "default"}}
        with on_a_cluster(kubeconfig, None, "default", keep=False, story_objects=story_objects("default")):
            api.post(routes_path("default"), json=other).raise_for_status()
            api.post(routes_path("default"), json=httproute("default")).raise_for_status()
            assert api.get(agents_path("default")).status_code == 200  # the CRDs were installed
        assert api.get(f"{routes_path('default')}/someone-elses").status_code == 200
        assert api.get(f"{routes_path('default')}/{NAME}").status_code == 404
        assert api.get(agents_path("default")).status_code == 404  # its CRD was the demo's: gone
        assert api.get(f"{CRDS}/{HTTPROUTE_CRD['metadata']['name']}").status_code == 200
        assert api.get("/api/v1/namespaces/default").status_code == 200


CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
