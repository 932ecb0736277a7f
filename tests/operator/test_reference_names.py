"""Every object reference in an AgentDeployment is a name in the agent's own namespace: a value that
is a path (`../../victim/secrets/hook`), names another namespace (`victim/hook`), or is no DNS-1123
name at all is refused at admission, on the real API server and on the stand-in, naming the field.

The fields are found by walking the generated CRD for the object-name pattern, so a reference field
added later is tried here too (a table entry must say where it lives in a valid agent). The operator
also escapes every name again where it builds a URL (tests/unit/adapters/test_kube_client.py)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from agentops_operator.api.base import OBJECT_NAME_PATTERN
from tests.conftest import Kubectl

ROOT = Path(__file__).resolve().parents[2]
AGENT = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
COLLECTION = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments"
TRAVERSALS = ["../../victim/secrets/hook", "victim/hook", "..", "hook?watch=true", "Hook", "a" * 254]


def _env(kind: str) -> dict[str, Any]:
    return {"runtime": {"env": [{"name": "X", "valueFrom": {kind: {"name": "{}", "key": "k"}}}]}}


def _suite(dataset: dict[str, Any], **evaluation: Any) -> dict[str, Any]:
    suite = {"name": "s", "dataset": dataset, "scorers": [{"type": "contains"}]}
    return {"evaluation": {"suites": [suite], "target": {"openai": {"model": "m"}}, **evaluation}}


# Where each reference field sits in an otherwise valid agent; "{}" marks the reference.
PLACES: dict[str, dict[str, Any]] = {
    "spec.runtime.env[0].valueFrom.secretKeyRef.name": _env("secretKeyRef"),
    "spec.runtime.env[0].valueFrom.configMapKeyRef.name": _env("configMapKeyRef"),
    "spec.runtime.serviceAccountName": {"runtime": {"serviceAccountName": "{}"}},
    "spec.prompt.configMapKeyRef.name": {"prompt": {"configMapKeyRef": {"name": "{}", "key": "system"}}},
    "spec.notifications[0].secretRef.name": {
        "notifications": [{"name": "team", "type": "Webhook", "secretRef": {"name": "{}", "key": "url"}}]
    },
    "spec.rollout.trafficRouting.gatewayAPI.httpRouteName": {
        "rollout": {"trafficRouting": {"gatewayAPI": {"httpRouteName": "{}"}}, "steps": [{"canary": {"weight": 20}}]}
    },
    "spec.rollout.trafficRouting.istio.virtualServiceName": {
        "rollout": {"trafficRouting": {"istio": {"virtualServiceName": "{}"}}, "steps": [{"canary": {"weight": 20}}]}
    },
    "spec.evaluation.suites[0].dataset.configMapKeyRef.name": _suite({"configMapKeyRef": {"name": "{}", "key": "k"}}),
    "spec.evaluation.runner.secrets[0].secretKeyRef.name": _suite(
        {"inline": [{"input": "x"}]}, runner={"secrets": [{"env": "KEY", "secretKeyRef": {"name": "{}", "key": "k"}}]}
    ),
}


def _reference_fields(schema: dict[str, Any], path: str = "") -> Iterator[str]:
    if schema.get("type") == "string" and schema.get("pattern") == OBJECT_NAME_PATTERN:
        yield path
    for key, child in (schema.get("properties") or {}).items():
        yield from _reference_fields(child, f"{path}.{key}" if path else key)
    if "items" in schema:
        yield from _reference_fields(schema["items"], f"{path}[0]")


def _agent(field: str, value: str) -> dict[str, Any]:
    agent = copy.deepcopy(AGENT)
    agent["metadata"] = {"name": "traversal"}
    for key, part in PLACES[field].items():
        merged = {**agent["spec"][key], **part} if key == "runtime" else part  # the runtime keeps its image
        agent["spec"][key] = yaml.safe_load(yaml.safe_dump(merged).replace("'{}'", repr(value)))
    return agent


def test_every_reference_field_of_the_crd_is_tried() -> None:
    crd = yaml.safe_load((ROOT / "crds" / "agentdeployments.agentops.dev.yaml").read_text())
    found = set(_reference_fields(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]))
    assert found == set(PLACES), "add the new reference field to PLACES"


@pytest.mark.parametrize("field", sorted(PLACES))
def test_a_reference_that_leaves_the_namespace_is_refused_naming_the_field(
    kubectl: Kubectl, api: httpx.Client, field: str
) -> None:
    valid = api.post(COLLECTION, json=_agent(field, "hook"), params={"dryRun": "All"})
    assert valid.status_code == 201, valid.text  # the same agent with a plain name is accepted
    for value in TRAVERSALS:
        refused = api.post(COLLECTION, json=_agent(field, value))
        assert refused.status_code == 422, (value, refused.text)
        assert field in refused.json()["message"], (value, refused.json()["message"])
    assert api.get(f"{COLLECTION}/traversal").status_code == 404
