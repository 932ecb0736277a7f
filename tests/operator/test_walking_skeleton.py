"""Integration: the real operator (kopf) against the API stand-in, driven by real kubectl.

Covers the walking skeleton's promises: apply → revision ConfigMap, Deployment and Service with
the right labels, owners, env and mounts; `kubectl get agd` columns; `kubectl wait
--for=condition=Ready`; a prompt edit (inline or in a ConfigMap) makes revision 2 and moves the
Service once it is available; invalid input is rejected or reported naming the field; deletion
garbage-collects children; a restarted operator converges without duplicates; an idle agent
causes no writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from agentops_sandbox.standin import ThreadedApiServer
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl
from tests.waiting import after_reconciles, eventually

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "examples" / "support-agent.yaml").read_text()
AGENTS = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def agent(api: httpx.Client, name: str = "support-agent") -> dict[str, Any]:
    response = api.get(f"{AGENTS}/{name}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    return next((c for c in obj.get("status", {}).get("conditions", []) if c["type"] == kind), {})


def children(api: httpx.Client, kind_path: str, name: str = "support-agent") -> list[dict[str, Any]]:
    return api.get(kind_path, params={"labelSelector": f"agentops.dev/agent={name}"}).json()["items"]  # type: ignore[no-any-return]


def bundles(api: httpx.Client, name: str = "support-agent") -> list[dict[str, Any]]:
    """The agent's revision bundle ConfigMaps (not its controls ConfigMap)."""
    return [c for c in children(api, CONFIGMAPS, name) if "agentops.dev/revision" in c["metadata"]["labels"]]


def stable_hash(api: httpx.Client, name: str = "support-agent") -> str | None:
    return (agent(api, name).get("status", {}).get("stableRevision") or {}).get("hash")


def test_apply_creates_revision_children_and_becomes_ready(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    kubectl("apply", "-f", "-", input=EXAMPLE)
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    obj = agent(api)
    revision = obj["status"]["stableRevision"]
    assert revision["number"] == 1 and len(revision["hash"]) == 10
    assert obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
    assert condition(obj, "Progressing")["reason"] == "RolloutComplete"
    name = f"support-agent-{revision['hash']}"

    deployment = api.get(f"{DEPLOYMENTS}/{name}").json()
    labels = deployment["metadata"]["labels"]
    assert labels == {
        "app.kubernetes.io/name": "support-agent",
        "app.kubernetes.io/managed-by": "agentops-operator",
        "agentops.dev/agent": "support-agent",
        "agentops.dev/revision": revision["hash"],
    }
    owner = deployment["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
        "AgentDeployment",
        "support-agent",
        obj["metadata"]["uid"],
        True,
    )
    pod = deployment["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert (
        env["AGENT_NAME"] == "support-agent"
        and env["AGENT_NAMESPACE"] == "default"
        and env["AGENT_REVISION"] == revision["hash"]
    )
    assert env["LOG_LEVEL"] == "info"
    assert pod["containers"][0]["volumeMounts"] == [
        {"name": "bundle", "mountPath": "/etc/agentops/bundle", "readOnly": True},
        {"name": "controls", "mountPath": "/etc/agentops/controls", "readOnly": True},
    ]
    assert pod["volumes"][1]["configMap"] == {"name": "support-agent-controls", "optional": True, "defaultMode": 420}
    assert pod["volumes"][0]["configMap"]["name"] == name
    assert {p["name"]: p["containerPort"] for p in pod["containers"][0]["ports"]} == {"http": 8080, "metrics": 9090}
    assert deployment["spec"]["replicas"] == 2

    bundle_cm = api.get(f"{CONFIGMAPS}/{name}").json()
    assert bundle_cm["immutable"] is True
    bundle = json.loads(bundle_cm["data"]["bundle.json"])
    assert bundle["model"]["name"] == "gpt-4o-mini" and "never promise refunds" in bundle["prompt"]["system"]
    assert [t["name"] for t in bundle["tools"]] == ["search_kb", "get_order", "create_ticket"]

    service = api.get("/api/v1/namespaces/default/services/support-agent").json()
    assert service["spec"]["selector"] == {
        "agentops.dev/agent": "support-agent",
        "agentops.dev/revision": revision["hash"],
    }

    header, row = kubectl("get", "agd").stdout.splitlines()
    assert header.split() == ["NAME", "READY", "STABLE", "CANARY", "WEIGHT", "STEP", "STATUS", "AGE"]
    assert row.split()[:4] == ["support-agent", "True", "1", "Healthy"]  # no canary: its columns are empty
    wide_header, wide_row = kubectl("get", "agd", "-o", "wide").stdout.splitlines()
    assert "STABLE-HASH" in wide_header.split() and revision["hash"] in wide_row.split()
    events = api.get(
        "/api/v1/namespaces/default/events", params={"fieldSelector": "involvedObject.name=support-agent"}
    ).json()["items"]
    assert {"RevisionCreated", "RevisionAvailable"} <= {e["reason"] for e in events}


def test_prompt_edit_makes_revision_two_and_moves_the_service(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    kubectl("apply", "-f", "-", input=EXAMPLE)
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    first = stable_hash(api)
    edited = EXAMPLE.replace("never promise refunds", "never promise refunds or discounts")
    kubectl("apply", "-f", "-", input=edited)
    second = eventually(lambda: (h := stable_hash(api)) != first and h, message="revision 2 never became stable")
    obj = agent(api)
    assert obj["status"]["stableRevision"]["number"] == 2
    assert [(h["number"], h["outcome"]) for h in obj["status"]["history"]] == [(1, "Superseded"), (2, "Stable")]
    service = api.get("/api/v1/namespaces/default/services/support-agent").json()
    assert service["spec"]["selector"]["agentops.dev/revision"] == second
    old = eventually(
        lambda: (d := api.get(f"{DEPLOYMENTS}/support-agent-{first}").json())["spec"]["replicas"] == 0 and d
    )
    assert old["metadata"]["labels"]["agentops.dev/revision"] == first  # kept for history
    kubectl("apply", "-f", "-", input=edited.replace("replicas: 2", "replicas: 3"))
    eventually(lambda: api.get(f"{DEPLOYMENTS}/support-agent-{second}").json()["spec"]["replicas"] == 3)
    assert stable_hash(api) == second  # scaling is not a new revision


def test_prompt_from_a_configmap_is_hashed_and_watched(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    kubectl("apply", "-f", str(ROOT / "examples" / "support-agent-prompt-configmap.yaml"))
    kubectl("wait", "--for=condition=Ready", "agd/triage-agent", "--timeout=30s")
    first = stable_hash(api, "triage-agent")
    # The operator's ConfigMap watch selects this label (its only write to an object it does not own).
    labels = api.get(f"{CONFIGMAPS}/triage-prompt").json()["metadata"].get("labels", {})
    assert labels.get("agentops.dev/watched") == "true", labels
    kubectl(
        "patch",
        "configmap",
        "triage-prompt",
        "--type=merge",
        "-p",
        json.dumps({"data": {"system.txt": "Triage into billing or other."}}),
    )
    second = eventually(
        lambda: (h := stable_hash(api, "triage-agent")) != first and h, message="ConfigMap edit made no revision"
    )
    bundle = json.loads(api.get(f"{CONFIGMAPS}/triage-agent-{second}").json()["data"]["bundle.json"])
    assert bundle["prompt"]["system"] == "Triage into billing or other."


def test_invalid_manifests_are_rejected_naming_the_field(kubectl: Kubectl) -> None:
    cases = {
        "replicas: 2": (
            "replicas: -1",
            "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0",
        ),
        "name: get_order": (
            "name: search_kb",
            'spec.tools[1]: Duplicate value: {"name":"search_kb"}',
        ),
        "sideEffects: External": (
            "sideEffects: Sometimes",
            'spec.tools[2].sideEffects: Unsupported value: "Sometimes"',
        ),
        "  prompt:\n": (
            "  prompt:\n    configMapKeyRef: {name: p, key: k}\n",
            "set exactly one of spec.prompt.system or spec.prompt.configMapKeyRef",
        ),
        "name: support-agent": ("name: Support_Agent", "metadata.name"),
        "You are the support assistant": (
            "x" * 65_537,
            "an inline prompt holds up to 65,536 characters; put a longer one in a ConfigMap",
        ),
    }
    for original, (replacement, message) in cases.items():
        result = kubectl("apply", "-f", "-", input=EXAMPLE.replace(original, replacement, 1), check=False)
        assert result.returncode != 0, replacement
        assert message in result.stderr, result.stderr


CUSTOM = {"type": "Custom", "name": "Refusals", "detection": {"signal": "custom", "query": "x", "above": 1}}
NAMELESS = {key: value for key, value in CUSTOM.items() if key != "name"}


def test_runbooks_and_env_that_could_never_work_are_rejected_at_admission(kubectl: Kubectl) -> None:
    """The CRD's own rules (CEL, one item at a time), on the real API server as on the stand-in."""
    throttle = {"type": "CostSpike", "actions": [{"type": "Throttle"}]}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"runbooks": [{**NAMELESS, "actions": [{"type": "Notify"}]}]}, "a Custom runbook needs a name"),
        (
            {"runbooks": [{**CUSTOM, "name": "PromptLeak", "actions": [{"type": "Notify"}]}]},
            "may not take a default runbook's name",
        ),
        ({"runbooks": [CUSTOM]}, "a Custom runbook needs detection and at least one action"),
        ({"runbooks": [throttle]}, "Throttle needs sessionsPerMinute or factor"),
        ({"runbooks": [{"type": "ToolAbuse", "actions": [{"type": "BlockTool", "tool": ""}]}]}, "spec.runbooks[0]"),
    ]
    for change, message in cases:
        agent = yaml.safe_load(EXAMPLE)
        agent["spec"].update(change)
        result = kubectl("apply", "-f", "-", input=yaml.safe_dump(agent), check=False)
        assert result.returncode != 0 and message in result.stderr, (change, result.stderr)
    runtime_cases = [
        ("name: LOG_LEVEL", "name: AGENT_REVISION", "this name is set by the operator"),
        ("cpu: 100m", "cpu: lots", "spec.runtime.resources.requests.cpu"),
        ("port: 8080", "port: 9090", "port and metricsPort must differ"),
        ("metricsPort: 9090", "metricsPort: 9090\n    nodeSelector: {'bad key!': x}", "invalid label key"),
    ]
    for original, replacement, message in runtime_cases:
        assert original in EXAMPLE, original
        result = kubectl("apply", "-f", "-", input=EXAMPLE.replace(original, replacement, 1), check=False)
        assert result.returncode != 0 and message in result.stderr, (replacement, result.stderr)


def test_missing_prompt_configmap_sets_ready_false_and_touches_nothing(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    broken = yaml.safe_load(EXAMPLE)
    broken["metadata"]["name"] = "broken-agent"
    broken["spec"]["prompt"] = {"configMapKeyRef": {"name": "does-not-exist", "key": "system.txt"}}
    kubectl("apply", "-f", "-", input=yaml.safe_dump(broken))
    kubectl("apply", "-f", "-", input=EXAMPLE)
    ready = eventually(
        lambda: (
            condition(agent(api, "broken-agent"), "Ready").get("reason") == "PromptNotFound"
            and condition(agent(api, "broken-agent"), "Ready")
        )
    )
    assert ready["status"] == "False"
    assert ready["message"].startswith('spec.prompt.configMapKeyRef.name: ConfigMap "does-not-exist" not found')
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")  # the other agent is unaffected
    assert children(api, DEPLOYMENTS, "broken-agent") == [] and children(api, CONFIGMAPS, "broken-agent") == []
    kubectl(
        "create",
        "-f",
        "-",
        input=yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "does-not-exist"},
                "data": {"system.txt": "hi"},
            }
        ),
    )
    kubectl("wait", "--for=condition=Ready", "agd/broken-agent", "--timeout=30s")


def test_deleting_the_agent_garbage_collects_children(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    kubectl("apply", "-f", "-", input=EXAMPLE)
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    kubectl("delete", "agd", "support-agent", "--timeout=30s")
    # A real garbage collector learns of a new CRD's kind at its next discovery sync (every 30 s): on a
    # control plane whose CRD is younger than that, the children go only after it.
    eventually(
        lambda: (
            children(api, DEPLOYMENTS) == []
            and children(api, CONFIGMAPS) == []
            and api.get("/api/v1/namespaces/default/services/support-agent").status_code == 404
        ),
        timeout=60,
    )


def test_revisions_beyond_the_history_limit_are_deleted(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    manifest = EXAMPLE.replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 1")
    hashes = []
    for version in range(4):
        kubectl(
            "apply", "-f", "-", input=manifest.replace("never promise refunds", f"never promise refunds (v{version})")
        )
        hashes.append(eventually(lambda: (h := stable_hash(api)) not in hashes and h, message=f"v{version} not stable"))
    eventually(
        lambda: (
            {d["metadata"]["labels"]["agentops.dev/revision"] for d in children(api, DEPLOYMENTS)} == set(hashes[-2:])
        )
    )
    assert {c["metadata"]["labels"]["agentops.dev/revision"] for c in bundles(api)} == set(hashes[-2:])
    assert [h["number"] for h in agent(api)["status"]["history"]] == [3, 4]


def test_restarted_operator_converges_without_duplicates(
    kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, cluster: ThreadedApiServer
) -> None:
    kubectl("apply", "-f", "-", input=EXAMPLE)
    first = RunningOperator(kubeconfig).start()
    eventually(lambda: children(api, DEPLOYMENTS), message="no Deployment created")
    first.stop()
    kubectl("apply", "-f", "-", input=EXAMPLE.replace("never promise refunds", "never promise refunds, ever"))
    second = RunningOperator(kubeconfig).start()
    try:
        kubectl("wait", "--for=condition=Progressing=False", "agd/support-agent", "--timeout=30s")
        obj = agent(api)
        assert [h["number"] for h in obj["status"]["history"]] == [1, 2]
        deployments = children(api, DEPLOYMENTS)
        assert len(deployments) == 2 and len({d["metadata"]["name"] for d in deployments}) == 2
        assert len(bundles(api)) == 2
    finally:
        second.stop()


def test_an_idle_agent_causes_no_writes(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client, cluster: ThreadedApiServer
) -> None:
    kubectl("apply", "-f", "-", input=EXAMPLE)
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    after_reconciles(1)  # trailing watch events settle
    before = cluster.call(lambda s: s.store.writes)
    after_reconciles(3)  # more than two resyncs of the idle agent
    after = cluster.call(lambda s: s.store.writes)
    assert after == before, f"{after - before} writes while idle"
