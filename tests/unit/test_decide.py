"""Unit: the direct rollout decision, table-driven with a fake clock, plus properties."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from agentops_operator.api.spec import AgentDeploymentSpec
from agentops_operator.api.status import AgentDeploymentStatus
from agentops_operator.engine import manifests
from agentops_operator.engine.decide import decide
from agentops_operator.engine.decisions import Apply, Decision, Delete, FieldProblem, Observation, Scale, Workload
from agentops_operator.engine.revisions import bundle, revision_hash

ROOT = Path(__file__).resolve().parents[2]
SPEC = AgentDeploymentSpec.model_validate(
    yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())["spec"]
)
IDENTITY = manifests.Identity("default", "support-agent", "uid-1")
T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"
PROMPT = "be helpful"
LATEST = revision_hash(bundle(SPEC, PROMPT))


def workload(
    revision: str, replicas: int = 2, available: int = 2, spec: AgentDeploymentSpec = SPEC, prompt: str = PROMPT
) -> Workload:
    deployment = manifests.revision_deployment(IDENTITY, revision, bundle(spec, prompt), replicas)
    return Workload(revision, replicas, available, 1, 1, manifests.desired_hash(deployment))


def observe(
    *workloads: Workload, bundles: tuple[str, ...] = (), service: str | None = None, prompt: str | None = PROMPT
) -> Observation:
    services = {}
    if service:
        services["support-agent"] = manifests.desired_hash(manifests.service(IDENTITY, service, bundle(SPEC, PROMPT)))
    return Observation(
        identity=IDENTITY,
        generation=1,
        prompt_text=prompt,
        workloads={w.revision: w for w in workloads},
        bundles=dict.fromkeys(bundles),
        services=services,
        controls_hash=manifests.desired_hash(manifests.controls_config_map(IDENTITY, {})),
        prompt_error=None
        if prompt is not None
        else FieldProblem(field="spec.prompt.configMapKeyRef.name", message='ConfigMap "p" not found'),
    )


def kinds(decision: Decision) -> list[str]:
    out = []
    for action in decision.actions:
        if isinstance(action, Apply):
            out.append(f"apply {action.kind}")
        elif isinstance(action, Scale):
            out.append(f"scale {action.name} {action.replicas}")
        elif isinstance(action, Delete):
            out.append(f"delete {action.kind} {action.name}")
    return out


def ready(decision: Decision) -> tuple[str, str]:
    condition = next(c for c in decision.status.conditions if c.type == "Ready")
    return condition.status, condition.reason


def settled() -> AgentDeploymentStatus:
    first = decide(SPEC, AgentDeploymentStatus(), observe(workload(LATEST), bundles=(LATEST,)), T0)
    return first.status


@pytest.mark.parametrize(
    ("observation", "expected_actions", "expected_ready"),
    [
        pytest.param(
            observe(), ["apply ConfigMap", "apply Deployment"], ("False", "AwaitingFirstRevision"), id="nothing-yet"
        ),
        pytest.param(
            observe(workload(LATEST, available=0), bundles=(LATEST,)),
            [],
            ("False", "AwaitingFirstRevision"),
            id="waiting-for-pods",
        ),
        pytest.param(
            observe(workload(LATEST), bundles=(LATEST,)),
            ["apply Service"],
            ("True", "RevisionAvailable"),
            id="available-switches-service",
        ),
        pytest.param(
            observe(workload(LATEST, replicas=1, available=1), bundles=(LATEST,)),
            ["apply Deployment"],
            ("False", "AwaitingFirstRevision"),
            id="replicas-drift-fixed",
        ),
        pytest.param(observe(prompt=None), [], ("False", "PromptNotFound"), id="missing-prompt-touches-nothing"),
    ],
)
def test_first_rollout(observation: Observation, expected_actions: list[str], expected_ready: tuple[str, str]) -> None:
    decision = decide(SPEC, AgentDeploymentStatus(), observation, T0)
    assert kinds(decision) == expected_actions
    assert ready(decision) == expected_ready


def test_steady_agent_needs_no_action_and_no_status_change() -> None:
    status = settled()
    steady = decide(SPEC, status, observe(workload(LATEST), bundles=(LATEST,), service=LATEST), T1)
    assert steady.actions == () and steady.status == status and steady.events == ()


def test_new_revision_keeps_old_serving_until_available_then_switches() -> None:
    status = settled()
    new_prompt = "be very helpful"
    new = revision_hash(bundle(SPEC, new_prompt))
    old = workload(LATEST)
    progressing = decide(SPEC, status, observe(old, bundles=(LATEST,), service=LATEST, prompt=new_prompt), T1)
    assert kinds(progressing) == ["apply ConfigMap", "apply Deployment"]
    assert ready(progressing) == ("True", "RevisionAvailable")
    assert progressing.status.stable_revision and progressing.status.stable_revision.hash == LATEST
    assert progressing.status.latest_revision and progressing.status.latest_revision.number == 2
    new_workload = workload(new, prompt=new_prompt)
    switched = decide(
        SPEC,
        progressing.status,
        observe(old, new_workload, bundles=(LATEST, new), service=LATEST, prompt=new_prompt),
        T2,
    )
    assert kinds(switched) == ["apply Service", f"scale support-agent-{LATEST} 0"]
    assert switched.status.stable_revision and switched.status.stable_revision.hash == new
    assert [(h.number, h.outcome) for h in switched.status.history] == [(1, "Superseded"), (2, "Stable")]
    ready_condition = next(c for c in switched.status.conditions if c.type == "Ready")
    assert ready_condition.last_transition_time == T0  # still True: no transition


def test_history_limit_deletes_the_oldest() -> None:
    spec = SPEC.model_copy(update={"revision_history_limit": 0})
    status = settled()
    new_prompt = "v2"
    new = revision_hash(bundle(spec, new_prompt))
    decision = decide(
        spec,
        status,
        observe(
            workload(LATEST),
            workload(new, spec=spec, prompt=new_prompt),
            bundles=(LATEST, new),
            service=LATEST,
            prompt=new_prompt,
        ),
        T1,
    )
    assert f"delete Deployment support-agent-{LATEST}" in kinds(decision)
    assert f"delete ConfigMap support-agent-{LATEST}" in kinds(decision)
    assert [h.number for h in decision.status.history] == [2]


@given(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=6), st.integers(min_value=0, max_value=3))
def test_decide_is_deterministic_and_history_bounded(prompts: list[str], limit: int) -> None:
    spec = SPEC.model_copy(update={"revision_history_limit": limit})
    status = AgentDeploymentStatus()
    for index, prompt in enumerate(prompts):
        revision = revision_hash(bundle(spec, prompt))
        observation = observe(workload(revision, spec=spec, prompt=prompt), bundles=(revision,), prompt=prompt)
        now = f"2026-01-01T00:00:{index:02d}Z"
        first, second = decide(spec, status, observation, now), decide(spec, status, observation, now)
        assert first == second
        status = first.status
        assert len(status.history) <= limit + 2
        numbers = [h.number for h in status.history]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
