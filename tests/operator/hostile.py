"""Hostile AgentDeployments for the bad-input property test: one hypothesis strategy per class of
mistake a careless or hostile user makes (the corpus of issue #16), each with what the user must see:
refused at admission naming the field, accepted and shown not Ready naming the field, or served
exactly as written."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
DECLARED_TOOLS = [tool["name"] for tool in EXAMPLE["spec"]["tools"]]
DEFAULT_RUNBOOKS = ["PromptLeak", "ToolAbuse", "SafetyViolation", "CostSpike", "HallucinationSurge"]
Outcome = Literal["refused", "not-ready", "served"]
DEEP = "<nested value>"


@dataclass(frozen=True)
class Hostile:
    kind: str  # the class of mistake
    agent: dict[str, Any]
    outcome: Outcome
    field: str  # what the refusal, or the Ready=False message, must name
    reason: str = "InvalidSpec"  # the Ready=False reason, for not-ready
    server_side: bool = False  # applied with --server-side (a client-side apply keeps a copy in an annotation)
    deep_json: str | None = None  # JSON text that stands for the DEEP placeholder in the agent

    def manifest(self) -> str:
        """The agent as kubectl reads it."""
        text = json.dumps(self.agent)
        return text if self.deep_json is None else text.replace(json.dumps(DEEP), self.deep_json)

    @property
    def name(self) -> str:
        return str(self.agent["metadata"]["name"])

    def __repr__(self) -> str:  # the agent may be nested 9,000 levels: never print it
        return f"Hostile({self.kind}, {self.name}, {self.outcome}, {self.field!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis reports an example
        printer.text(repr(self))


def _agent(name: str, **spec: Any) -> dict[str, Any]:
    agent = copy.deepcopy(EXAMPLE)
    agent["metadata"]["name"] = name
    agent["spec"].update(spec)
    return agent


def _runtime(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(EXAMPLE["spec"]["runtime"]), **changes}


@st.composite
def deep_nesting(draw: st.DrawFn, name: str) -> Hostile:
    """Guardrail settings nested past what the operator reads, up to what a real API server accepts.
    The nested value is written as JSON text (no recursive encoder, whatever the recursion limit)."""
    depth = draw(st.integers(33, 3000) | st.just(9_000))
    shape = draw(st.sampled_from(["maps", "lists", "both"]))
    text = json.dumps(draw(st.sampled_from(["x", 1, True])))
    for level in range(depth):
        text = f"[{text}]" if shape == "lists" or (shape == "both" and level % 2) else f'{{"k": {text}}}'
    guardrail = {"name": "deep", "type": "custom", "stage": "Input", "action": "Flag", "config": {"settings": DEEP}}
    agent = _agent(name, guardrails=[guardrail])
    return Hostile("deep-nesting", agent, "not-ready", "spec.guardrails[0].config", deep_json=text)


ODD_CHARACTERS = ["\x7f", "\ufffe", "\uffff", "\x85", "\u2028", "\x00", "\x1b", "\U0001f600", "\u200b"]


@st.composite
def odd_unicode(draw: st.DrawFn, name: str) -> Hostile:
    """Characters JSON carries and YAML refuses raw or rewrites: served, and the bundle says them exactly."""
    prompt = EXAMPLE["spec"]["prompt"]["system"]
    at = draw(st.integers(0, len(prompt)))
    odd = "".join(draw(st.lists(st.sampled_from(ODD_CHARACTERS), min_size=1, max_size=4)))
    agent = _agent(name, prompt={"system": prompt[:at] + odd + prompt[at:]})
    return Hostile("odd-unicode", agent, "served", "spec.prompt.system")


@st.composite
def huge_values(draw: st.DrawFn, name: str) -> Hostile:
    if draw(st.booleans()):
        replicas = draw(st.sampled_from([1e20, 2.5, -1, 1001, 2**63]))
        return Hostile("huge-values", _agent(name, replicas=replicas), "refused", "spec.replicas")
    size = draw(st.integers(65_537, 70_000))
    return Hostile("huge-values", _agent(name, prompt={"system": "a" * size}), "refused", "spec.prompt.system")


@st.composite
def pod_settings(draw: st.DrawFn, name: str) -> Hostile:
    """Pod template values a real API server refuses in the Deployment."""
    cases = [
        (_runtime(resources={"requests": {"cpu": "lots"}}), "refused", "spec.runtime.resources.requests.cpu"),
        (
            _runtime(nodeSelector={draw(st.sampled_from(["bad key!", "-x", "a/b/c"])): "x"}),
            "refused",
            "spec.runtime.nodeSelector",
        ),
        (_runtime(port=9090), "refused", "spec.runtime"),
        (
            _runtime(
                env=[{"name": draw(st.sampled_from(["AGENT_REVISION", "AGENTOPS_CONTROLS_PATH"])), "value": "/tmp"}]
            ),
            "refused",
            "spec.runtime.env[0]",
        ),
    ]
    runtime, outcome, field = draw(st.sampled_from(cases))
    return Hostile("pod-settings", _agent(name, runtime=runtime), outcome, field)


@st.composite
def requests_above_limits(draw: st.DrawFn, name: str) -> Hostile:
    """A request above its limit, in any units: a real server refuses the Deployment, not the agent."""
    resource, units = draw(st.sampled_from([("cpu", ["", "m"]), ("memory", ["Mi", "Gi", "M", "Ki"])]))
    limit = draw(st.integers(1, 512))
    unit = draw(st.sampled_from(units))
    request = f"{limit + draw(st.integers(1, 512))}{unit}"
    resources = {"requests": {resource: request}, "limits": {resource: f"{limit}{unit}"}}
    agent = _agent(name, runtime=_runtime(resources=resources))
    return Hostile("requests-above-limits", agent, "not-ready", "spec.runtime.resources")


@st.composite
def undeclared_tool(draw: st.DrawFn, name: str) -> Hostile:
    tool = draw(st.from_regex(r"[a-z][a-z_]{2,20}", fullmatch=True).filter(lambda t: t not in DECLARED_TOOLS))
    action = draw(st.sampled_from([{"type": "BlockTool"}, {"type": "RateLimitTool", "perMinute": 5}]))
    runbook = {"type": "ToolAbuse", "actions": [{**action, "tool": tool}]}
    return Hostile("undeclared-tool", _agent(name, runbooks=[runbook]), "not-ready", "spec.runbooks[0].actions[0].tool")


@st.composite
def broken_runbooks(draw: st.DrawFn, name: str) -> Hostile:
    """Runbooks that could never work, or would silently replace a default."""
    custom = {"type": "Custom", "name": "Refusals", "detection": {"signal": "custom", "query": "x", "above": 1}}
    notify = [{"type": "Notify"}]
    cases: list[tuple[dict[str, Any], Outcome, str]] = [
        ({**custom, "name": None, "actions": notify}, "refused", "spec.runbooks[0]"),
        ({**custom, "name": draw(st.sampled_from(DEFAULT_RUNBOOKS)), "actions": notify}, "refused", "spec.runbooks[0]"),
        (
            {**custom, "detection": {"signal": "custom", "above": 1}, "actions": notify},
            "refused",
            "spec.runbooks[0].detection",
        ),
        ({"type": "CostSpike", "actions": [{"type": "Throttle"}]}, "refused", "spec.runbooks[0].actions[0]"),
        (
            {"type": "ToolAbuse", "actions": [{"type": "BlockTool", "tool": ""}]},
            "refused",
            "spec.runbooks[0].actions[0].tool",
        ),
    ]
    runbook, outcome, field = draw(st.sampled_from(cases))
    runbook = {key: value for key, value in runbook.items() if value is not None}
    return Hostile("broken-runbooks", _agent(name, runbooks=[runbook]), outcome, field)


BROKEN_PROMQL = ["rate(x[5m]", "sum(x) by", "x{", "1 +", "foo bar", "x{a=}", "rate(x)[5m]]"]


@st.composite
def invalid_promql(draw: st.DrawFn, name: str) -> Hostile:
    query = draw(st.sampled_from(BROKEN_PROMQL))
    runbook = {
        "type": "Custom",
        "name": "Refusals",
        "detection": {"signal": "custom", "query": query, "above": 1},
        "actions": [{"type": "Notify"}],
    }
    return Hostile("invalid-promql", _agent(name, runbooks=[runbook]), "not-ready", "spec.runbooks[0].detection.query")


@st.composite
def missing_route(draw: st.DrawFn, name: str) -> Hostile:
    route = draw(st.from_regex(r"absent-[a-z0-9]{1,8}", fullmatch=True))
    rollout = {"trafficRouting": {"gatewayAPI": {"httpRouteName": route}}, "steps": [{"canary": {"weight": 20}}]}
    field = "spec.rollout.trafficRouting.gatewayAPI.httpRouteName"
    return Hostile("missing-route", _agent(name, rollout=rollout), "not-ready", field, "TrafficRoutingFailed")


@st.composite
def reference_paths(draw: st.DrawFn, name: str) -> Hostile:
    """A reference name that is a path into another namespace."""
    target = draw(st.sampled_from(["../../victim/secrets/hook", "victim/hook", "Hook", "a" * 254]))
    receiver = {"name": "team", "type": "Webhook", "secretRef": {"name": target, "key": "url"}}
    return Hostile(
        "reference-paths", _agent(name, notifications=[receiver]), "refused", "spec.notifications[0].secretRef.name"
    )


@st.composite
def oversize_bundle(draw: st.DrawFn, name: str) -> Hostile:
    """Within every field's bound, yet a revision bundle over the 1 MiB a ConfigMap may hold (about
    1.1 MB of JSON, under the 1.5 MiB a real server stores): the API server refuses the ConfigMap,
    and the agent says so."""
    filler = draw(st.sampled_from("abcxyz"))
    tools = [
        {"name": f"tool_{i}", "description": filler * 4096, "endpoint": "http://t/" + filler * 2000} for i in range(128)
    ]
    guardrail = {"name": "big", "type": "t", "stage": "Input", "action": "Flag", "config": {"blob": filler * 250_000}}
    agent = _agent(name, tools=tools, guardrails=[guardrail], prompt={"system": filler * 65_536})
    return Hostile(
        "oversize-bundle", agent, "not-ready", "spec: the API server refused ConfigMap", "RejectedByAPIServer", True
    )


CLASSES = {
    "deep-nesting": deep_nesting,
    "odd-unicode": odd_unicode,
    "huge-values": huge_values,
    "pod-settings": pod_settings,
    "requests-above-limits": requests_above_limits,
    "undeclared-tool": undeclared_tool,
    "broken-runbooks": broken_runbooks,
    "invalid-promql": invalid_promql,
    "missing-route": missing_route,
    "reference-paths": reference_paths,
    "oversize-bundle": oversize_bundle,
}


def corpus(per_class: int) -> st.SearchStrategy[list[Hostile]]:
    """Every class `per_class` times, in an order hypothesis chooses, each agent with its own name."""
    kinds = [kind for kind in CLASSES for _ in range(per_class)]
    cases = st.tuples(*(CLASSES[kind](name=f"hostile-{i}") for i, kind in enumerate(kinds)))
    return cases.flatmap(lambda drawn: st.permutations(list(drawn)))
