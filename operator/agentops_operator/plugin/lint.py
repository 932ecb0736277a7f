"""`kubectl agents lint FILE…`: checks AgentDeployment manifests offline, before they reach a
cluster or Argo CD. Errors are what the API server or the operator would reject (every schema
error, each naming its field); warnings are valid specs that probably do not do what was meant."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from agentops_sdk.leaks import MIN_WINDOW, shingles

from ..api import resource
from ..api.resource import field_path
from ..api.rollout import HIGHER_IS_BETTER_RATES, LOWER_IS_BETTER_RATES
from ..api.spec import AgentDeploymentSpec, cross_reference_problem
from ..engine.runbook_set import DEFAULT_RUNBOOKS

JsonDict = dict[str, Any]


def lint(document: JsonDict) -> tuple[list[str], list[str]]:
    """(errors, warnings) for one manifest; other kinds are not ours and are skipped by the caller."""
    try:
        spec = AgentDeploymentSpec.model_validate(document.get("spec") or {})
    except ValidationError as error:
        return [f"{field_path('spec', tuple(e['loc']))}: {e['msg']}" for e in error.errors()], []
    errors: list[str] = []
    if (problem := cross_reference_problem(spec)) is not None:
        errors.append(": ".join(problem))
    if not (document.get("metadata") or {}).get("name"):
        errors.append("metadata.name: required")
    warnings: list[str] = []
    rollout = spec.rollout
    routing = rollout.traffic_routing if rollout else None
    routed = routing is not None and (routing.gateway_api is not None or routing.istio is not None)
    if rollout is None or not rollout.steps:
        warnings.append("spec.rollout.steps: none, so every new revision takes all traffic as soon as it is available")
    else:
        if any(step.shadow is not None for step in rollout.steps) and not routed:
            warnings.append(
                "spec.rollout.steps: shadow steps need spec.rollout.trafficRouting (gatewayAPI or istio); "
                "without one the rollout pauses there"
            )
        if rollout.analysis is None or not rollout.analysis.checks:
            warnings.append("spec.rollout.analysis.checks: none, so canaries are promoted on time alone")
    disabled = sorted(r.type for r in spec.runbooks if not r.enabled and r.type in DEFAULT_RUNBOOKS)
    if disabled:
        warnings.append(f"spec.runbooks: default runbooks switched off: {', '.join(disabled)}")
    if spec.prompt.system is not None and len(shingles(spec.prompt.system, MIN_WINDOW)) == 0:
        warnings.append(
            f"spec.prompt.system: fewer than {MIN_WINDOW} words, so the SDK cannot detect it leaking "
            "(PromptLeak needs at least that many words in a row to recognise)"
        )
    warnings += _threshold_rates(spec)
    return errors, warnings


def _threshold_rates(spec: AgentDeploymentSpec) -> list[str]:
    """Rate checks that leave `method` unset compare point values at every look."""
    analysis = spec.rollout.analysis if spec.rollout else None
    return [
        f"spec.rollout.analysis.checks[{index}].method: unset, so {check.name} is judged by point values "
        "at every look (Threshold), which aborts good canaries by chance as looks add up; "
        "say method: Sequential (or Threshold to keep it)"
        for index, check in enumerate(analysis.checks if analysis else [])
        if "method" not in check.model_fields_set and check.name in HIGHER_IS_BETTER_RATES | LOWER_IS_BETTER_RATES
    ]


def is_agent(document: Any) -> bool:
    return isinstance(document, dict) and document.get("kind") == resource.KIND
