"""Reads what `decide` needs for one agent: its resolved prompt and its child objects."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from ..api.resource import AgentDeployment
from ..api.rollout import Check
from ..engine.analysis import Measurement
from ..engine.decisions import Observation, Workload
from ..engine.incident_response import monitored_second_arm
from ..engine.incidents import monitoring_due, monitoring_interval, signals_needed
from ..engine.manifests import BUNDLE_KEY, DESIRED_HASH, LABEL_REVISION, Identity, controls_name
from ..engine.progressive import analysis_due
from ..ports.metrics import MetricProvider, MetricQuery
from ..ports.workloads import Workloads

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


async def resolve_prompt(workloads: Workloads, agent: AgentDeployment) -> tuple[str | None, tuple[str, str] | None]:
    prompt = agent.spec.prompt
    if prompt.system is not None:
        return prompt.system, None
    ref = prompt.config_map_key_ref
    if ref is None:
        return None, ("spec.prompt", "set spec.prompt.system or spec.prompt.configMapKeyRef")
    config_map = await workloads.get_config_map(agent.namespace, ref.name)
    if config_map is None:
        return None, (
            "spec.prompt.configMapKeyRef.name",
            f'ConfigMap "{ref.name}" not found in namespace "{agent.namespace}"; create it or point the '
            "reference at an existing one",
        )
    data = config_map.get("data") or {}
    if ref.key not in data:
        keys = ", ".join(sorted(data)) or "none"
        return None, (
            "spec.prompt.configMapKeyRef.key",
            f'ConfigMap "{ref.name}" has no key "{ref.key}" (keys: {keys}); fix the key or add it to the ConfigMap',
        )
    return str(data[ref.key]), None


async def observe(
    workloads: Workloads,
    agent: AgentDeployment,
    metrics: MetricProvider | None = None,
    now: str = "",
    last_monitored: str | None = None,
) -> Observation:
    prompt_text, prompt_error = await resolve_prompt(workloads, agent)
    identity = Identity(agent.namespace, agent.name, agent.uid)
    if prompt_error is not None:
        return Observation(identity=identity, generation=agent.generation, prompt_text=None, prompt_error=prompt_error)
    children = await workloads.list_children(agent.namespace, agent.name)
    workloads_by_revision = {
        (w := workload_of(d)).revision: w
        for d in children.deployments
        if _owned_by(d, agent.uid) and LABEL_REVISION in (d["metadata"].get("labels") or {})
    }
    bundles: dict[str, str | None] = {}
    bundle_texts: dict[str, str] = {}
    for cm in children.config_maps:
        revision = (cm["metadata"].get("labels") or {}).get(LABEL_REVISION)
        if revision is None or not _owned_by(cm, agent.uid):
            continue
        bundles[revision] = _annotation(cm)
        if isinstance(text := (cm.get("data") or {}).get(BUNDLE_KEY), str):
            bundle_texts[revision] = text
    controls_hash = next(
        (
            _annotation(cm)
            for cm in children.config_maps
            if cm["metadata"]["name"] == controls_name(identity) and _owned_by(cm, agent.uid)
        ),
        None,
    )
    services = {s["metadata"]["name"]: _annotation(s) for s in children.services if _owned_by(s, agent.uid)}
    measurements = await measure(metrics, agent, now) if metrics is not None else None
    return Observation(
        identity=identity,
        generation=agent.generation,
        prompt_text=prompt_text,
        workloads=workloads_by_revision,
        bundles=bundles,
        bundle_texts=bundle_texts,
        services=services,
        annotations=dict(agent.annotations),
        measurements=measurements,
        signals=await _safe_signals(metrics, agent, now, last_monitored) if metrics is not None else None,
        controls_hash=controls_hash,
    )


async def _safe_signals(
    metrics: MetricProvider, agent: AgentDeployment, now: str, last: str | None
) -> dict[str, dict[str, Measurement]] | None:
    """Monitoring must never break a reconcile: a failure means "not measured this time"."""
    try:
        return await measure_signals(metrics, agent, now, last)
    except Exception as error:
        log.warning("monitoring %s/%s failed: %s", agent.namespace, agent.name, error)
        return None


async def measure_signals(
    metrics: MetricProvider, agent: AgentDeployment, now: str, last: str | None = None
) -> dict[str, dict[str, Measurement]] | None:
    """The runbook signals of every serving revision, when a monitoring pass is due."""
    status = agent.status
    if not monitoring_due(agent.spec, status, last, now) or status.stable_revision is None:
        return None
    stable = status.stable_revision.hash
    canary = monitored_second_arm(status.rollout, status.hold) or stable
    window = monitoring_interval(agent.spec)
    needed = signals_needed(agent.spec)
    queries = [
        MetricQuery(
            agent.namespace,
            agent.name,
            canary,
            stable,
            Check(
                name="custom" if name.startswith("custom:") else name,  # type: ignore[arg-type]
                max=math.inf,
                query=query,
                custom_name=name if name.startswith("custom:") else None,
            ),
            window,
        )
        for name, query in needed.items()
    ]
    results = await asyncio.gather(*(metrics.measure(q) for q in queries), return_exceptions=True)
    signals: dict[str, dict[str, Measurement]] = {stable: {}, canary: {}}
    for (name, _), result in zip(needed.items(), results, strict=True):
        if isinstance(result, BaseException):
            continue  # unknown this time: no detection, no resolution
        signals[canary][name] = Measurement(
            name, canary=result.canary, canary_sessions=result.canary_sessions, error=result.error
        )
        signals[stable][name] = Measurement(
            name, canary=result.stable, canary_sessions=result.stable_sessions, error=result.error
        )
    return signals


async def measure(metrics: MetricProvider, agent: AgentDeployment, now: str) -> dict[str, Measurement] | None:
    """Measure every check when the engine says an analysis is due; None otherwise."""
    rollout_spec, rollout = agent.spec.rollout, agent.status.rollout
    if not analysis_due(rollout_spec, rollout, now) or agent.status.stable_revision is None:
        return None
    assert rollout_spec is not None and rollout_spec.analysis is not None and rollout is not None
    analysis = rollout_spec.analysis
    queries = [
        MetricQuery(
            agent.namespace,
            agent.name,
            rollout.revision,
            agent.status.stable_revision.hash,
            check,
            analysis.interval_seconds,
        )
        for check in analysis.checks
    ]
    results = await asyncio.gather(*(metrics.measure(q) for q in queries), return_exceptions=True)
    measured: dict[str, Measurement] = {}
    for query, result in zip(queries, results, strict=True):
        if isinstance(result, BaseException):  # a provider bug must not look like a pass
            result = Measurement(query.check.label, error=f"{type(result).__name__}: {result}")
        measured[query.check.label] = result
    return measured
