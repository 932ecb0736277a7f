"""Generates the AgentDeployment CustomResourceDefinition from the pydantic models.

One source of truth: field types, bounds, enums, patterns and descriptions come from the models;
this module turns pydantic's JSON Schema into a Kubernetes structural schema (refs inlined,
optionals flattened, free-form maps marked `x-kubernetes-preserve-unknown-fields`) and adds what
JSON Schema cannot say: CEL cross-field rules, printer columns, names and subresources.
`python -m agentops_operator.api.crd --write` regenerates `crds/`; a test fails on drift.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from . import resource
from .evaluation import EVALUATION_KIND, EVALUATION_PLURAL, AgentEvaluationSpec, AgentEvaluationStatus
from .incident import INCIDENT_KIND, INCIDENT_PLURAL, IncidentSpec, IncidentStatus
from .printer_columns import PRINTER_COLUMNS
from .rollout import HIGHER_IS_BETTER_RATES, LOWER_IS_BETTER_RATES, SEQUENTIAL_MEANS, SEQUENTIAL_SIGNALS
from .runbooks import DEFAULT_TYPES
from .spec import LABEL_KEY_PATTERN, RESERVED_ENV, AgentDeploymentSpec
from .status import AgentDeploymentStatus

_SEQUENTIAL = "(has(self.method) && self.method == 'Sequential')"

JsonDict = dict[str, Any]
_DROP = {"title", "additionalProperties", "$defs", "default", "propertyNames"}  # keys: CEL rules below


def structural(model: type[BaseModel]) -> JsonDict:
    raw = model.model_json_schema(by_alias=True, mode="validation")
    return _convert(raw, raw.get("$defs", {}))


def _convert(node: JsonDict, defs: JsonDict) -> JsonDict:
    if "$ref" in node:
        target = defs[node["$ref"].split("/")[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _convert(merged, defs)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        if len(options) == 1:
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            return _convert({**options[0], **rest}, defs)
    out: JsonDict = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key == "properties":
            out["properties"] = {name: _convert(child, defs) for name, child in value.items()}
        elif key == "items":
            out["items"] = _convert(value, defs)
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            # JSON Schema 2020 puts the bound here; OpenAPI v3.0 (and Kubernetes) wants a flag.
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        else:
            out[key] = value
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    default = node.get("default")
    if default is not None and not isinstance(default, dict | list):
        out["default"] = default
    additional = node.get("additionalProperties")
    if "patternProperties" in out:  # keys with a pattern (Kubernetes forbids it): the values' schema, keys by CEL
        (additional,) = out.pop("patternProperties").values()
    if additional is True and "properties" in out:  # a model that keeps unknown fields (extra="allow")
        out["x-kubernetes-preserve-unknown-fields"] = True
    if out.get("type") == "object" and "properties" not in out:
        if isinstance(additional, dict) and additional.get("type") in ("string", "integer", "number", "boolean"):
            kept = ("type", "pattern", "maxLength")  # the values' own bounds (quantities, label values)
            out["additionalProperties"] = {k: v for k, v in additional.items() if k in kept}
        else:
            out["x-kubernetes-preserve-unknown-fields"] = True
    return out


ONE_DATASET = {
    "rule": "has(self.inline) != has(self.configMapKeyRef)",
    "message": "set exactly one of inline or configMapKeyRef",
}


def _spec_schema() -> JsonDict:
    spec = structural(AgentDeploymentSpec)
    spec["description"] = AgentDeploymentSpec.__doc__
    # Names are unique because the lists are maps keyed by name: the API server enforces that itself
    # ("Duplicate value" at the item), at no CEL cost, and server-side apply merges items by name.
    for listed in ("tools", "guardrails"):
        spec["properties"][listed]["x-kubernetes-list-type"] = "map"
        spec["properties"][listed]["x-kubernetes-list-map-keys"] = ["name"]
    rollout = spec["properties"]["rollout"]["properties"]
    rollout["steps"]["items"]["x-kubernetes-validations"] = [
        {
            "rule": "[has(self.canary), has(self.shadow), has(self.pause), has(self.ramp), has(self.evaluate)]"
            ".filter(x, x).size() == 1",
            "message": "each step sets exactly one of canary, shadow, pause, ramp or evaluate",
        }
    ]
    rollout["steps"]["items"]["properties"]["ramp"]["x-kubernetes-validations"] = [
        {"rule": "self.toWeight >= self.fromWeight", "message": "ramp toWeight must be at least fromWeight"}
    ]
    rollout["analysis"]["properties"]["checks"]["items"]["x-kubernetes-validations"] = _check_rules()
    rollout["trafficRouting"]["x-kubernetes-validations"] = [
        {"rule": "!(has(self.gatewayAPI) && has(self.istio))", "message": "set at most one of gatewayAPI or istio"}
    ]
    spec["properties"]["notifications"]["items"]["x-kubernetes-validations"] = [
        {
            "rule": "self.type != 'PagerDuty' || !has(self.on) || !self.on.exists(o, o == 'Rollouts')",
            "message": "PagerDuty receivers take Incidents only; send Rollouts to a Slack or Webhook receiver",
        }
    ]
    spec["properties"]["prompt"]["x-kubernetes-validations"] = [
        {
            "rule": "has(self.system) != has(self.configMapKeyRef)",
            "message": "set exactly one of spec.prompt.system or spec.prompt.configMapKeyRef",
        }
    ]
    # The bound as a rule, not maxLength, so the refusal can say where a longer prompt belongs.
    system = spec["properties"]["prompt"]["properties"]["system"]
    limit = system.pop("maxLength")
    system["x-kubernetes-validations"] = [
        {
            "rule": f"self.size() <= {limit}",
            "message": f"an inline prompt holds up to {limit:,} characters; put a longer one in a ConfigMap "
            "and refer to it with spec.prompt.configMapKeyRef",
        }
    ]
    suites = spec["properties"]["evaluation"]["properties"]["suites"]
    suites["x-kubernetes-list-type"], suites["x-kubernetes-list-map-keys"] = "map", ["name"]
    suites["items"]["properties"]["dataset"]["x-kubernetes-validations"] = [ONE_DATASET]
    _runbook_rules(spec["properties"]["runbooks"]["items"])
    _runtime_rules(spec["properties"]["runtime"])
    _env_rules(spec["properties"]["runtime"]["properties"]["env"]["items"])
    return spec


def _check_rules() -> list[JsonDict]:
    """An analysis check's cross-field rules, as Check's validator says them (api/rollout.py)."""
    return [
        {
            "rule": "has(self.min) || has(self.max) || has(self.maxRatioToStable) || has(self.minRatioToStable)"
            " || has(self.maxDropVsStable) || has(self.maxRiseVsStable)",
            "message": "a check needs at least one of min, max, maxRatioToStable, minRatioToStable, "
            "maxDropVsStable or maxRiseVsStable",
        },
        {
            "rule": f"!{_SEQUENTIAL} || self.name in {sorted(SEQUENTIAL_SIGNALS)}",
            "message": "method Sequential judges session-success-rate, tool-failure-rate, guardrail-trigger-rate "
            "and cost-per-session; use method: Threshold for other checks",
        },
        {
            "rule": f"{_SEQUENTIAL} || !(has(self.maxDropVsStable) || has(self.maxRiseVsStable))",
            "message": "maxDropVsStable and maxRiseVsStable need method: Sequential",
        },
        {
            "rule": f"!{_SEQUENTIAL} || self.name in {sorted(SEQUENTIAL_MEANS)}"
            " || !(has(self.maxRatioToStable) || has(self.minRatioToStable))",
            "message": "with method Sequential compare a rate to stable with maxDropVsStable or maxRiseVsStable",
        },
        {
            "rule": f"!{_SEQUENTIAL} || !(self.name in {sorted(SEQUENTIAL_MEANS)})"
            " || !(has(self.min) || has(self.max))",
            "message": "with method Sequential cost-per-session is compared to stable (maxRatioToStable, "
            "minRatioToStable); put absolute bounds in a second check with method: Threshold",
        },
        {
            "rule": f"!has(self.maxDropVsStable) || self.name in {sorted(HIGHER_IS_BETTER_RATES)}",
            "message": "maxDropVsStable is for rates that are better when higher (session-success-rate)",
        },
        {
            "rule": f"!has(self.maxRiseVsStable) || self.name in {sorted(LOWER_IS_BETTER_RATES)}",
            "message": "maxRiseVsStable is for rates that are better when lower (tool-failure-rate, "
            "guardrail-trigger-rate)",
        },
        {
            "rule": "(self.name == 'custom') == has(self.query)",
            "message": "query is required for, and only allowed on, custom checks",
        },
    ]


def _env_rules(env: JsonDict) -> None:
    """Reserved names, and value sources as a Pod spec takes them (one at a time)."""
    reserved = ", ".join(f"'{name}'" for name in RESERVED_ENV)
    env["x-kubernetes-validations"] = [
        {"rule": f"!(self.name in [{reserved}])", "message": "this name is set by the operator; choose another"},
        {
            "rule": "!has(self.valueFrom) || !has(self.value) || self.value.size() == 0",
            "message": "set value or valueFrom, not both",
        },
    ]
    sources = ("secretKeyRef", "configMapKeyRef", "fieldRef", "resourceFieldRef")
    env["properties"]["valueFrom"]["x-kubernetes-validations"] = [
        {
            "rule": "[" + ", ".join(f"has(self.{source})" for source in sources) + "].filter(x, x).size() == 1",
            "message": "set exactly one of " + ", ".join(sources),
        }
    ]


def _runtime_rules(runtime: JsonDict) -> None:
    """What a real API server would refuse in the Deployment, refused here, at the field."""
    runtime["x-kubernetes-validations"] = [
        {"rule": "self.port != self.metricsPort", "message": "port and metricsPort must differ"}
    ]
    key = LABEL_KEY_PATTERN.replace("\\", "\\\\")
    for field, what in (("nodeSelector", "label"), ("podAnnotations", "annotation")):
        runtime["properties"][field]["x-kubernetes-validations"] = [
            {"rule": f"self.all(k, k.size() <= 317 && k.matches('{key}'))", "message": f"invalid {what} key"}
        ]


def _runbook_rules(runbook: JsonDict) -> None:
    """The runbook rules JSON Schema cannot say, each on one item (constant CEL cost per item)."""
    defaults = ", ".join(f"'{kind}'" for kind in DEFAULT_TYPES)
    runbook["x-kubernetes-validations"] = [
        {
            "rule": "self.type != 'Custom' || (has(self.name) && self.name.size() > 0)",
            "message": "a Custom runbook needs a name",
        },
        {
            "rule": f"self.type != 'Custom' || !has(self.name) || !(self.name in [{defaults}])",
            "message": "a Custom runbook may not take a default runbook's name; use that type to change the default",
        },
        {
            "rule": "self.type != 'Custom' || (has(self.detection) && has(self.actions) && self.actions.size() > 0)",
            "message": "a Custom runbook needs detection and at least one action",
        },
    ]
    runbook["properties"]["detection"]["x-kubernetes-validations"] = [
        {
            "rule": "self.signal != 'custom' || (has(self.query) && self.query.size() > 0)",
            "message": "signal custom needs query (PromQL)",
        }
    ]
    runbook["properties"]["actions"]["items"]["x-kubernetes-validations"] = [
        {
            "rule": "self.type != 'Throttle' || has(self.sessionsPerMinute) || has(self.factor)",
            "message": "Throttle needs sessionsPerMinute or factor",
        }
    ]


def crd_manifest() -> JsonDict:
    status = structural(AgentDeploymentStatus)
    status["description"] = AgentDeploymentStatus.__doc__
    schema: JsonDict = {
        "type": "object",
        "description": "AgentDeployment versions an AI agent's runtime, model, prompt, tools and guardrails "
        "as one immutable revision and rolls new revisions out safely.",
        "required": ["spec"],
        "x-kubernetes-validations": [
            {
                "rule": "self.metadata.name.size() <= 52 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
                "message": "metadata.name must be a DNS-1035 label of at most 52 characters "
                "(it names the agent's Service and, with the revision hash, its Deployments)",
            }
        ],
        "properties": {
            "apiVersion": {"type": "string", "description": "APIVersion of this object: agentops.dev/v1alpha1."},
            "kind": {"type": "string", "description": "Kind of this object: AgentDeployment."},
            "metadata": {"type": "object"},
            "spec": _spec_schema(),
            "status": status,
        },
    }
    columns = PRINTER_COLUMNS
    return _definition(resource.PLURAL, resource.SINGULAR, resource.KIND, list(resource.SHORT_NAMES), columns, schema)


def incident_crd_manifest() -> JsonDict:
    spec, status = structural(IncidentSpec), structural(IncidentStatus)
    spec["description"], status["description"] = IncidentSpec.__doc__, IncidentStatus.__doc__
    resolved = '.status.conditions[?(@.type=="Resolved")].status'
    columns = [
        {"name": "Agent", "type": "string", "jsonPath": ".spec.agent", "description": "The AgentDeployment."},
        {"name": "Type", "type": "string", "jsonPath": ".spec.type", "description": "Incident type."},
        {"name": "Severity", "type": "string", "jsonPath": ".spec.severity", "description": "Severity."},
        {"name": "Revision", "type": "string", "jsonPath": ".spec.revision", "description": "Revision."},
        {"name": "Resolved", "type": "string", "jsonPath": resolved, "description": "Whether it is over."},
        {"name": "Occurrences", "type": "integer", "jsonPath": ".status.occurrences", "description": "Times detected."},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]
    what = "AgentIncident records one incident of an agent revision: detection, actions, timeline."
    schema = _record_schema(INCIDENT_KIND, what, spec, status)
    return _definition(INCIDENT_PLURAL, "agentincident", INCIDENT_KIND, ["agi"], columns, schema)


def evaluation_crd_manifest() -> JsonDict:
    spec, status = structural(AgentEvaluationSpec), structural(AgentEvaluationStatus)
    spec["description"], status["description"] = AgentEvaluationSpec.__doc__, AgentEvaluationStatus.__doc__
    spec["properties"]["suite"]["properties"]["dataset"]["x-kubernetes-validations"] = [ONE_DATASET]
    columns = [
        {"name": "Agent", "type": "string", "jsonPath": ".spec.agent", "description": "The AgentDeployment."},
        {"name": "Revision", "type": "string", "jsonPath": ".spec.revision", "description": "The revision."},
        {"name": "Suite", "type": "string", "jsonPath": ".spec.suite.name", "description": "The suite."},
        *(  # each named after its status field
            {"name": field.capitalize(), "type": "integer", "jsonPath": f".status.{field}", "description": text}
            for field, text in (("passed", "Cases passed."), ("failed", "Cases failed."), ("errors", "Cases in error."))
        ),
        {"name": "PassRate", "type": "number", "jsonPath": ".status.passRate", "description": "Passed / judged."},
        {"name": "Verdict", "type": "string", "jsonPath": ".status.verdict", "description": "The operator's verdict."},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]
    what = "AgentEvaluation is one run of an evaluation suite against an agent: raw results and a verdict."
    schema = {**_record_schema(EVALUATION_KIND, what, spec, status), "required": ["spec"]}
    return _definition(EVALUATION_PLURAL, "agentevaluation", EVALUATION_KIND, ["agev"], columns, schema)


def _record_schema(kind: str, description: str, spec: JsonDict, status: JsonDict) -> JsonDict:
    """The top of the schema of one of the operator's records (AgentIncident, AgentEvaluation)."""
    return {
        "type": "object",
        "description": description,
        "properties": {
            "apiVersion": {"type": "string", "description": "agentops.dev/v1alpha1."},
            "kind": {"type": "string", "description": f"{kind}."},
            "metadata": {"type": "object"},
            "spec": spec,
            "status": status,
        },
    }


def _definition(
    plural: str, singular: str, kind: str, short_names: list[str], columns: list[JsonDict], schema: JsonDict
) -> JsonDict:
    """A namespaced, single-version CRD of our group with a status subresource."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{resource.GROUP}"},
        "spec": {
            "group": resource.GROUP,
            "scope": "Namespaced",
            "names": {
                "plural": plural,
                "singular": singular,
                "kind": kind,
                "listKind": f"{kind}List",
                "shortNames": short_names,
                "categories": list(resource.CATEGORIES),
            },
            "versions": [
                {
                    "name": resource.VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


HEADER = "# Generated by `python -m agentops_operator.api.crd --write`; do not edit by hand.\n"
CRD_FILES = {
    "agentdeployments.agentops.dev.yaml": crd_manifest,
    "agentincidents.agentops.dev.yaml": incident_crd_manifest,
    "agentevaluations.agentops.dev.yaml": evaluation_crd_manifest,
}


def render(name: str) -> str:
    return HEADER + yaml.safe_dump(CRD_FILES[name](), sort_keys=False, width=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentops_operator.api.crd", description=__doc__)
    parser.add_argument("--write", action="store_true", help="write crds/ and the chart's crds/ instead of printing")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: .)")
    args = parser.parse_args(argv)
    for name in CRD_FILES:
        text = render(name)
        if not args.write:
            sys.stdout.write("---\n" + text)  # one YAML stream: `agentops-operator crds | kubectl apply -f -`
            continue
        for folder in (args.root / "crds", args.root / "charts" / "agentops-operator" / "crds"):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
