"""Reads what `decide` needs for one agent: its resolved prompt and its child objects, next to the
readings of the measurements `plan_measurements` asked for (taken in `measuring.py`, off this path)."""

from __future__ import annotations

import logging
from typing import Any, get_args

from ..api.evaluation import EvaluationVerdict
from ..api.resource import AgentDeployment
from ..engine.decisions import FieldProblem, Observation, RunSeen, Workload
from ..engine.manifests import BUNDLE_KEY, DESIRED_HASH, LABEL_REVISION, LABEL_WATCHED, WATCHED, Identity, controls_name
from ..engine.measurements import MeasurementPlan, Readings
from ..ports.children import ChildObjects

JsonDict = dict[str, Any]
log = logging.getLogger(__name__)


def _owned_by(obj: JsonDict, uid: str) -> bool:
    return any(ref.get("uid") == uid for ref in (obj.get("metadata") or {}).get("ownerReferences") or [])


def _annotation(obj: JsonDict) -> str | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(DESIRED_HASH)
    return str(value) if value is not None else None


def workload_of(deployment: JsonDict) -> Workload:
    meta, spec, status = deployment["metadata"], deployment.get("spec") or {}, deployment.get("status") or {}
    return Workload(
        revision=meta["labels"][LABEL_REVISION],
        replicas=int(spec.get("replicas", 1)),
        available_replicas=int(status.get("availableReplicas", 0)),
        generation=int(meta.get("generation", 1)),
        observed_generation=int(status.get("observedGeneration", 0)),
        desired_hash=_annotation(deployment),
    )


async def resolve_prompt(children: ChildObjects, agent: AgentDeployment) -> str | FieldProblem:
    """The prompt text, or the field that keeps it from being read."""
    prompt = agent.spec.prompt
    if prompt.system is not None:
        return prompt.system
    ref = prompt.config_map_key_ref
    if ref is None:
        return FieldProblem(field="spec.prompt", message="set spec.prompt.system or spec.prompt.configMapKeyRef")
    config_map = await children.get_config_map(agent.namespace, ref.name)
    if config_map is None:
        return FieldProblem(
            field="spec.prompt.configMapKeyRef.name",
            message=f'ConfigMap "{ref.name}" not found in namespace "{agent.namespace}"; create it or point the '
            "reference at an existing one",
        )
    data = config_map.get("data") or {}
    if ref.key not in data:
        keys = ", ".join(sorted(data)) or "none"
        return FieldProblem(
            field="spec.prompt.configMapKeyRef.key",
            message=f'ConfigMap "{ref.name}" has no key "{ref.key}" (keys: {keys}); fix the key or add it to the '
            "ConfigMap",
        )
    return str(data[ref.key])


async def observe(
    children: ChildObjects,
    agent: AgentDeployment,
    plan: MeasurementPlan,
    *,
    analysis: Readings | None,
    signals: Readings | None,
) -> Observation:
    """The prompt and the children, with the readings measured for this agent (None: not this time)."""
    prompt = await resolve_prompt(children, agent)
    identity = Identity(agent.namespace, agent.name, agent.uid)
    if isinstance(prompt, FieldProblem):
        return Observation(identity=identity, generation=agent.generation, prompt_text=None, prompt_error=prompt)
    owned = await children.list_children(agent.namespace, agent.name)
    mine = [cm for cm in owned.config_maps if _owned_by(cm, agent.uid)]
    bundles: dict[str, str | None] = {}
    bundle_texts: dict[str, str] = {}
    for cm in mine:
        labels = cm["metadata"].get("labels") or {}
        revision = labels.get(LABEL_REVISION)
        if revision is not None:
            if labels.get(LABEL_WATCHED) == WATCHED:  # else written before the label: applied once more
                bundles[revision] = _annotation(cm)
            if isinstance(text := (cm.get("data") or {}).get(BUNDLE_KEY), str):
                bundle_texts[revision] = text
    controls = next((cm for cm in mine if cm["metadata"]["name"] == controls_name(identity)), None)
    return Observation(
        identity=identity,
        generation=agent.generation,
        prompt_text=prompt,
        workloads={
            (w := workload_of(d)).revision: w
            for d in owned.deployments
            if _owned_by(d, agent.uid) and LABEL_REVISION in (d["metadata"].get("labels") or {})
        },
        bundles=bundles,
        bundle_texts=bundle_texts,
        services={s["metadata"]["name"]: _annotation(s) for s in owned.services if _owned_by(s, agent.uid)},
        annotations=dict(agent.annotations),
        analysis=analysis,
        signals=signals,
        monitor_every=plan.monitor_every,
        controls_hash=_annotation(controls) if controls is not None else None,
        evaluations={e["metadata"]["name"]: run_seen(e) for e in owned.evaluations if _owned_by(e, agent.uid)},
    )


def run_seen(evaluation: JsonDict) -> RunSeen:
    status = evaluation.get("status") or {}
    verdict = status.get("verdict")
    return RunSeen(
        verdict=verdict if verdict in get_args(EvaluationVerdict) else None,
        reason=status.get("reason"),
        pass_rate=status.get("passRate") if isinstance(status.get("passRate"), int | float) else None,
    )
