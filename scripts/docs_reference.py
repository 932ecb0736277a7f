"""Renders the generated pages of the documentation site (docs/reference/): the AgentDeployment and
AgentIncident references from the CRDs (themselves generated from the pydantic models, so neither
can drift from the API), the `kubectl agents` reference from the plugin's argparse, and the
troubleshooting page from the conditions' reasons (api/vocabulary.py). `--write` updates the files;
tests/test_docs.py fails when one is stale."""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Any

import yaml

from agentops_operator.api.vocabulary import Reason
from agentops_operator.plugin.main import parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "reference"
JsonDict = dict[str, Any]

# What to do about each reason a person may meet in a condition (the meaning comes from vocabulary.py).
FIXES: dict[Reason, str] = {
    Reason.AWAITING_FIRST_REVISION: (
        "Wait for the first revision's Pods; `kubectl describe deploy NAME-HASH` shows why they are not "
        "available (image pull, resources, probes)."
    ),
    Reason.INVALID_SPEC: (
        "The message names the field; fix it and apply the manifest again (`kubectl agents lint FILE` checks offline)."
    ),
    Reason.PROMPT_NOT_FOUND: (
        "Create the ConfigMap (or key) `spec.prompt.configMapKeyRef` names, in the agent's namespace, or "
        "fix the reference."
    ),
    Reason.TRAFFIC_ROUTING_FAILED: (
        "Create the HTTPRoute or VirtualService the spec names (with the rule or route it names), or, "
        "when the message says the operator may not read it, enable the router in the Helm chart "
        "(`trafficRouting.gatewayAPI` / `trafficRouting.istio`)."
    ),
    Reason.REJECTED_BY_API_SERVER: (
        "The API server refused a child object (the message quotes it); change the spec field it points "
        "to, or shrink the revision (a bundle over 1 MiB does not fit a ConfigMap)."
    ),
    Reason.ROLLOUT_PAUSED: (
        "See the `Paused` condition for why; `kubectl agents resume NAME` or `promote NAME` goes on."
    ),
    Reason.MANUAL_PAUSE: "`kubectl agents resume NAME`.",
    Reason.METRICS_UNAVAILABLE: (
        "Check the Prometheus URL (`--prometheus-url` or `spec.rollout.analysis.prometheusURL`) and that "
        "the agent exports its metrics; the rollout resumes once readings come back, or `kubectl agents "
        "promote NAME`."
    ),
    Reason.ANALYSIS_INCONCLUSIVE: (
        "Too few sessions to judge: send traffic, lower `minSessions`, or decide by hand (`promote` / `abort`)."
    ),
    Reason.TRAFFIC_SPLIT_MISMATCH: (
        "The router sends the canary a different share than its weight: check the HTTPRoute or "
        "VirtualService (another controller rewriting it, session affinity, a stale rule)."
    ),
    Reason.SHADOW_NEEDS_ROUTER: (
        "A shadow step mirrors traffic, which needs `spec.rollout.trafficRouting`; add a router or drop the step."
    ),
    Reason.AWAITING_PROMOTION: "A pause step without a duration waits for you: `kubectl agents promote NAME`.",
    Reason.SHADOWED_BY_INCIDENT: (
        "An incident moved the canary to mirrored traffic; it comes back when the incident resolves "
        "(`kubectl agents incidents NAME`)."
    ),
    Reason.ANALYSIS_FAILED: (
        "The canary was worse than allowed (`kubectl agents status NAME` shows each check); fix the "
        "revision and apply again, or `kubectl agents retry NAME`."
    ),
    Reason.PROGRESS_DEADLINE_EXCEEDED: (
        "The canary's Pods never became available; `kubectl describe deploy NAME-HASH`, then `kubectl "
        "agents retry NAME`."
    ),
    Reason.MANUAL_ABORT: "`kubectl agents retry NAME` starts the rollout again.",
    Reason.PROMOTE_IGNORED: "An aborted rollout cannot be promoted: `kubectl agents retry NAME` first.",
    Reason.ROLLBACK_IGNORED: (
        "The revision named is not in `status.history`; `kubectl agents history NAME` lists the kept ones."
    ),
    Reason.NO_ROLLBACK_TARGET: "No earlier healthy revision is kept; raise `revisionHistoryLimit`, or fix forward.",
    Reason.MANUAL_ROLLBACK: "`kubectl agents retry NAME` serves the latest revision again.",
    Reason.ROLLED_BACK: (
        "A runbook rolled back; `kubectl agents incidents NAME` says why, `resolve NAME TYPE` lifts it by hand."
    ),
}


def _comments() -> dict[str, str]:
    """Reason member name -> the comment that follows it in vocabulary.py (what it means)."""
    source = (ROOT / "operator" / "agentops_operator" / "api" / "vocabulary.py").read_text().splitlines()
    tree = ast.parse("\n".join(source))
    (reason,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Reason"]
    meanings = {}
    for node in reason.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            line = source[node.lineno - 1]
            meanings[node.targets[0].id] = line.split("#", 1)[1].strip() if "#" in line else ""
    return meanings


def troubleshooting() -> str:
    meanings = _comments()
    lines = [
        "# Troubleshooting",
        "",
        "<!-- generated by scripts/docs_reference.py from api/vocabulary.py; do not edit -->",
        "",
        "Every condition and Event the operator writes carries one of these reasons, and its message names",
        "what to change. `kubectl agents status NAME` shows the conditions; `kubectl describe agd NAME` the",
        "Events. Incident Events use the incident type (PromptLeak, CostSpike, …) as their reason: see",
        "[Incident runbooks](../concepts/runbooks.md).",
        "",
        "| Reason | Means | What to do |",
        "|---|---|---|",
    ]
    for member in Reason:
        lines.append(f"| `{member.value}` | {meanings.get(member.name, '')} | {FIXES.get(member, '—')} |")
    return "\n".join(lines) + "\n"


def _type(schema: JsonDict) -> str:
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type", "object" if schema.get("x-kubernetes-preserve-unknown-fields") else "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {_type(schema['additionalProperties'])}"
    if schema.get("x-kubernetes-int-or-string"):
        return "integer or string"
    return str(kind)


def _limits(schema: JsonDict) -> str:
    found = []
    for key, text in (
        ("minimum", "≥ {}"),
        ("maximum", "≤ {}"),
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
        ("maxProperties", "at most {} entries"),
        ("default", "default `{}`"),
    ):
        if key in schema:
            found.append(text.format(schema[key]))
    if "pattern" in schema:
        found.append(f"pattern `{schema['pattern']}`".replace("|", "\\|"))
    return "; ".join(found)


def _objects(schema: JsonDict, path: str) -> list[tuple[str, JsonDict]]:
    """Every object with properties under `schema`, depth first, with its path."""
    found = [(path, schema)] if schema.get("properties") else []
    for key, child in (schema.get("properties") or {}).items():
        target = child.get("items", child) if child.get("type") == "array" else child
        suffix = "[]" if child.get("type") == "array" else ""
        found += _objects(target, f"{path}.{key}{suffix}")
    return found


def crd_reference(file: str, title: str, intro: str) -> str:
    crd = yaml.safe_load((ROOT / "crds" / file).read_text())
    version = crd["spec"]["versions"][0]
    schema = version["schema"]["openAPIV3Schema"]
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    lines = [
        f"# {title}",
        "",
        "<!-- generated by scripts/docs_reference.py from the CRD (made from the pydantic models); do not edit -->",
        "",
        f"`apiVersion: {group}/{version['name']}`, `kind: {kind}`. {intro}",
        "",
        "Printer columns (`kubectl get`; those marked wide need `-o wide`):",
        "",
        "| Column | Shows |",
        "|---|---|",
    ]
    for column in version.get("additionalPrinterColumns", []):
        wide = " (wide)" if column.get("priority") else ""
        lines.append(f"| {column['name']}{wide} | {column.get('description', '')} |")
    for path, obj in _objects(schema, ""):
        if not path or path in (".metadata", ".status") or path.startswith(".status"):
            continue
        required = set(obj.get("required", []))
        lines += ["", f"## `{path.lstrip('.')}`", ""]
        if obj.get("description"):
            lines += [obj["description"].replace("\n", " "), ""]
        lines += ["| Field | Type | Required | Limits | Description |", "|---|---|---|---|---|"]
        for key, child in obj["properties"].items():
            description = (child.get("description") or "").replace("\n", " ").replace("|", "\\|")
            lines.append(
                f"| `{key}` | {_type(child)} | {'yes' if key in required else ''} | {_limits(child)} | {description} |"
            )
    rules = [r for p, o in _objects(schema, "") for r in o.get("x-kubernetes-validations", [])]
    if rules:
        lines += ["", "## Rules across fields", "", "Checked by the API server when you apply:", ""]
        lines += [f"- {r['message']}" for r in rules]
    return "\n".join(lines) + "\n"


def plugin_reference() -> str:
    root = parser()
    lines = [
        "# kubectl agents",
        "",
        "<!-- generated by scripts/docs_reference.py from the plugin's argparse; do not edit -->",
        "",
        "The kubectl plugin (`pip install 'agentops-operator[kubectl]'` puts `kubectl-agents` on PATH).",
        "Global options: "
        + ", ".join(
            f"`{' / '.join(a.option_strings)}` ({a.help})"
            for a in root._actions
            if a.option_strings and a.dest != "help"
        )
        + ".",
        "",
    ]
    (commands,) = [a for a in root._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {c.dest: c.help for c in commands._choices_actions}
    for name, sub in commands.choices.items():
        usage = sub.format_usage().replace("usage: ", "").replace("kubectl-agents", "kubectl agents").strip()
        lines += [f"## `{name}`", "", helps.get(name) or "", "", "```text", usage, "```", ""]
        for action in sub._actions:
            if action.dest == "help":
                continue
            flag = " / ".join(action.option_strings) or action.dest
            if action.help:
                lines.append(f"- `{flag}`: {action.help}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render() -> dict[Path, str]:
    return {
        DOCS / "agentdeployment.md": crd_reference(
            "agentdeployments.agentops.dev.yaml",
            "AgentDeployment reference",
            "One agent: its runtime, model, prompt, tools and guardrails (each change is a new revision), how "
            "revisions roll out, the runbooks always on, and where notifications go. Status is the operator's.",
        ),
        DOCS / "agentincident.md": crd_reference(
            "agentincidents.agentops.dev.yaml",
            "AgentIncident reference",
            "A record the operator writes when a runbook fires: what was detected, on which revision, what it did.",
        ),
        DOCS / "agentevaluation.md": crd_reference(
            "agentevaluations.agentops.dev.yaml",
            "AgentEvaluation reference",
            "One run of an evaluation suite against an agent: the runner writes the results, the operator the verdict.",
        ),
        DOCS / "kubectl-agents.md": plugin_reference(),
        DOCS / "troubleshooting.md": troubleshooting(),
    }


if __name__ == "__main__":
    pages = render()
    if "--write" in sys.argv:
        for path, text in pages.items():
            path.write_text(text)
    else:
        for path, text in pages.items():
            print(f"== {path.relative_to(ROOT)}\n{text}")
