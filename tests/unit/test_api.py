"""Unit: the AgentDeployment models, parsing errors, and the generated CRD."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentops_operator.api import crd
from agentops_operator.api.quantity import parse_quantity
from agentops_operator.api.resource import AgentDeployment, InvalidSpec
from agentops_operator.api.spec import AgentDeploymentSpec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())


def test_example_round_trips_in_camel_case() -> None:
    spec = AgentDeploymentSpec.model_validate(EXAMPLE["spec"])
    assert spec.runtime.metrics_port == 9090 and spec.tools[1].rate_limit_per_minute == 120
    wire = spec.wire()
    assert wire["revisionHistoryLimit"] == 5 and wire["tools"][0]["sideEffects"] == "None"
    assert AgentDeploymentSpec.model_validate(wire) == spec


def test_defaults() -> None:
    spec = AgentDeploymentSpec.model_validate(
        {"runtime": {"image": "x"}, "model": {"provider": "p", "name": "m"}, "prompt": {"system": "s"}}
    )
    assert (spec.replicas, spec.revision_history_limit, spec.runtime.port, spec.runtime.metrics_port) == (
        1,
        5,
        8080,
        9090,
    )
    assert spec.tools == [] and spec.guardrails == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"replicas": -1}, "spec.replicas", id="negative-replicas"),
        pytest.param({"tools": [{"name": "ok", "sideEffects": "Maybe"}]}, "spec.tools[0].sideEffects", id="bad-enum"),
        pytest.param({"runtime": {"image": ""}}, "spec.runtime.image", id="empty-image"),
        pytest.param({"model": {"provider": "p"}}, "spec.model.name", id="missing-model-name"),
    ],
)
def test_parse_names_the_field_of_a_bad_spec(change: dict[str, Any], field: str) -> None:
    body = {"metadata": {"name": "a", "namespace": "default"}, "spec": {**EXAMPLE["spec"], **change}}
    with pytest.raises(InvalidSpec) as error:
        AgentDeployment.parse(body)
    assert error.value.field == field
    assert "fix the manifest" in error.value.message


def test_committed_crds_match_the_generator() -> None:
    for name in crd.CRD_FILES:
        expected = crd.render(name)
        for folder in ("crds", "charts/agentops-operator/crds"):
            committed = (ROOT / folder / name).read_text()
            assert committed == expected, f"{folder}/{name} is stale: run `agentops-operator crds --write`"


def _walk(schema: dict[str, Any], path: str) -> list[str]:
    missing = []
    for key, child in (schema.get("properties") or {}).items():
        child_path = f"{path}.{key}"
        if key != "metadata" and not child.get("description"):
            missing.append(child_path)
        missing += _walk(child, child_path)
    if isinstance(schema.get("items"), dict):
        missing += _walk(schema["items"], f"{path}[]")
    return missing


def test_every_field_is_described_and_schema_is_structural() -> None:
    manifest = crd.crd_manifest()
    version = manifest["spec"]["versions"][0]
    schema = version["schema"]["openAPIV3Schema"]
    assert _walk(schema, "") == []
    text = yaml.safe_dump(schema)
    assert "$ref" not in text and "anyOf" not in text and "title" not in text
    assert manifest["spec"]["names"]["shortNames"] == ["agd"] and manifest["spec"]["names"]["categories"] == ["agents"]
    assert version["subresources"] == {"status": {}}
    names = [c["name"] for c in version["additionalPrinterColumns"]]
    assert names == [
        *("Ready", "Stable", "Canary", "Weight", "Step", "Status"),
        *("Latest", "Stable-Hash", "Canary-Hash", "Replicas", "Reason", "Age"),
    ]


def _unbounded(schema: dict[str, Any], path: str) -> list[str]:
    """Lists without maxItems, maps without maxProperties, strings without maxLength (or enum)."""
    kind, found = schema.get("type"), []
    if kind == "array":
        found += [path] if "maxItems" not in schema else []
        found += _unbounded(schema["items"], path + "[]")
    elif kind == "object":
        found += [path] if "additionalProperties" in schema and "maxProperties" not in schema else []
        for key, child in (schema.get("properties") or {}).items():
            found += _unbounded(child, f"{path}.{key}")
        if isinstance(schema.get("additionalProperties"), dict):
            found += _unbounded(schema["additionalProperties"], path + ".*")
    elif kind == "string" and not ({"maxLength", "enum"} & schema.keys() or _size_rule(schema)):
        found.append(path)
    return found


def _size_rule(schema: dict[str, Any]) -> bool:
    return any(rule["rule"].startswith("self.size() <=") for rule in schema.get("x-kubernetes-validations", []))


def test_every_list_map_and_string_a_user_sets_is_bounded() -> None:
    """So every CEL rule's estimated cost is bounded, and no field takes megabytes."""
    schema = crd.crd_manifest()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert _unbounded(schema["properties"]["spec"], "spec") == []


DEEP: dict[str, Any] = {}
for _ in range(40):
    DEEP = {"a": DEEP}
CUSTOM = {"type": "Custom", "name": "Refusals", "detection": {"signal": "custom", "query": "x", "above": 1}}
NOTIFY = [{"type": "Notify"}]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        pytest.param(
            {"runtime": {"image": "i", "env": [{"name": "AGENTOPS_CONTROLS_PATH", "value": "/tmp"}]}},
            "spec.runtime.env[0].name",
            "set by the operator",
            id="reserved-env-name",
        ),
        pytest.param(
            {"runbooks": [{**CUSTOM, "name": None, "actions": NOTIFY}]},
            "spec.runbooks[0]",
            "needs a name",
            id="custom-without-name",
        ),
        pytest.param(
            {"runbooks": [{**CUSTOM, "name": "PromptLeak", "actions": NOTIFY}]},
            "spec.runbooks[0]",
            "use type: PromptLeak",
            id="custom-named-like-a-default",
        ),
        pytest.param(
            {"runbooks": [{**CUSTOM, "detection": {"signal": "custom", "above": 1}, "actions": NOTIFY}]},
            "spec.runbooks[0].detection",
            "needs query",
            id="custom-signal-without-query",
        ),
        pytest.param({"runbooks": [CUSTOM]}, "spec.runbooks[0]", "at least one action", id="custom-without-actions"),
        pytest.param(
            {"runbooks": [{"type": "CostSpike", "actions": [{"type": "Throttle"}]}]},
            "spec.runbooks[0].actions[0]",
            "sessionsPerMinute or factor",
            id="throttle-without-a-rate",
        ),
        pytest.param(
            {"runbooks": [{"type": "ToolAbuse", "actions": [{"type": "BlockTool", "tool": ""}]}]},
            "spec.runbooks[0].actions[0].tool",
            "pattern",
            id="empty-tool-name",
        ),
        pytest.param(
            {"runbooks": [{**CUSTOM, "detection": {"signal": "custom", "query": "rate(x[5m]", "above": 1}}]},
            "spec.runbooks[0].detection.query",
            "not valid PromQL (unclosed left parenthesis)",
            id="runbook-query-not-promql",
        ),
        pytest.param(
            {"rollout": {"analysis": {"checks": [{"name": "custom", "query": "sum(x) by", "max": 1}]}}},
            "spec.rollout.analysis.checks[0].query",
            "not valid PromQL",
            id="check-query-not-promql",
        ),
        pytest.param(
            {"guardrails": [{"name": "g", "type": "t", "stage": "Input", "action": "Flag", "config": {"a": DEEP}}]},
            "spec.guardrails[0].config.a.a.a.a.a…",
            "nested more than 32 levels deep; flatten these settings",
            id="nested-too-deep",
        ),
        pytest.param(
            {
                "notifications": [
                    {"name": "n", "type": "Webhook", "secretRef": {"name": "../../x/secrets/y", "key": "k"}}
                ]
            },
            "spec.notifications[0].secretRef.name",
            "should match pattern",
            id="reference-is-a-path",
        ),
        pytest.param(
            {"runbooks": [{"type": "ToolAbuse", "actions": [{"type": "BlockTool", "tool": "serach_kb"}]}]},
            "spec.runbooks[0].actions[0].tool",
            "'serach_kb' is not a tool of this agent (spec.tools: search_kb, get_order, create_ticket)",
            id="undeclared-tool",
        ),
    ],
)
def test_a_runbook_or_env_that_could_never_work_is_invalid(change: dict[str, Any], field: str, words: str) -> None:
    """Accepted before, and silently wrong: each now names its field and the fix."""
    body = {"metadata": {"name": "a", "namespace": "default"}, "spec": {**EXAMPLE["spec"], **change}}
    with pytest.raises(InvalidSpec) as error:
        AgentDeployment.parse(body)
    assert error.value.field == field
    assert words in error.value.message


RUNTIME = {"image": "i"}


@pytest.mark.parametrize(
    ("runtime", "field"),
    [
        pytest.param({**RUNTIME, "resources": {"requests": {"cpu": "lots"}}}, "requests.cpu", id="cpu-lots"),
        pytest.param({**RUNTIME, "nodeSelector": {"bad key!": "x"}}, "nodeSelector.bad key!.[key]", id="bad-label-key"),
        pytest.param({**RUNTIME, "nodeSelector": {"zone": "a b"}}, "nodeSelector.zone", id="bad-label-value"),
        pytest.param({**RUNTIME, "port": 9090}, "spec.runtime", id="port-is-the-metrics-port"),
        pytest.param(
            {**RUNTIME, "resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "512Mi"}}},
            "spec.runtime.resources",
            id="request-above-limit",
        ),
        pytest.param(
            {
                **RUNTIME,
                "env": [
                    {
                        "name": "A",
                        "valueFrom": {
                            "secretKeyRef": {"name": "s", "key": "k"},
                            "fieldRef": {"fieldPath": "status.podIP"},
                        },
                    }
                ],
            },
            "spec.runtime.env[0].valueFrom",
            id="two-value-sources",
        ),
        pytest.param(
            {**RUNTIME, "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "S_", "key": "k"}}}]},
            "valueFrom.secretKeyRef.name",
            id="secret-name-not-a-name",
        ),
    ],
)
def test_pod_settings_a_real_api_server_would_refuse_are_invalid(runtime: dict[str, Any], field: str) -> None:
    """Passed through to the Deployment before, where a real server refused it on every reconcile."""
    body = {"metadata": {"name": "a", "namespace": "default"}, "spec": {**EXAMPLE["spec"], "runtime": runtime}}
    with pytest.raises(InvalidSpec) as error:
        AgentDeployment.parse(body)
    assert error.value.field.startswith("spec.runtime") and error.value.field.endswith(field)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("100m", Decimal("0.1"), id="milli"),
        pytest.param("512Mi", Decimal(512 * 2**20), id="binary"),
        pytest.param("1e3", Decimal(1000), id="exponent"),
        pytest.param("1E", Decimal(10**18), id="exa-not-exponent"),
        pytest.param(".5", Decimal("0.5"), id="leading-dot"),
    ],
)
def test_quantities_read_as_kubernetes_reads_them(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


def test_a_request_within_its_limit_is_fine_in_any_unit() -> None:
    runtime = {
        **RUNTIME,
        "resources": {"requests": {"cpu": "500m", "memory": "0.5Gi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    }
    AgentDeployment.parse({"metadata": {"name": "a"}, "spec": {**EXAMPLE["spec"], "runtime": runtime}})
