"""The heart of the reconcile: `decide(spec, status, observation, now) -> Decision`. Pure.

A short chain of named phases, each a pure function returning a frozen record:

1. `record_revision` (history.py): the revision the spec describes, numbered in the history.
2. `respond` (incident_response.py): runbooks judged, incidents opened or resolved, holds and
   rollbacks, the live controls they imply; `gate` (evaluation_gate.py): whether the latest revision
   passed its evaluation suites, and which runs to start.
3. `serve` (serving.py): the rollout's look (progressive.py), who serves, at what size.
4. `revision_objects`, `services`, `pruned`, `incident_objects` (children.py) and `traffic`
   (traffic.py): the cluster as it should be, as actions for what differs.
5. `compose_status` (status.py): the status, once, with the manual actions carried out recorded
   (`annotations.py`: their annotations are taken off only after this status is written).

A spec the schema could not reject (a missing prompt ConfigMap) produces no actions and
Ready=False naming the field (`invalid`).
"""

from __future__ import annotations

from dataclasses import replace

from ..api.runbooks import EVALUATION_REGRESSION
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus
from ..api.vocabulary import ConditionType, EventType, Reason, Summary
from . import annotations as manual
from .children import evaluation_actions, incident_objects, pruned, revision_objects, services
from .conditions import set_condition
from .decisions import Action, Decision, Event, FieldProblem, Observation, RemoveAnnotations
from .evaluation_gate import gate
from .history import kept_revisions, record_revision, with_outcomes
from .incident_response import respond
from .measurements import Sample
from .serving import ServingPhase, serve
from .status import compose_status
from .traffic import route_of, traffic


def decide(spec: AgentDeploymentSpec, status: AgentDeploymentStatus, observation: Observation, now: str) -> Decision:
    if observation.prompt_error is not None or observation.prompt_text is None:
        problem = observation.prompt_error or FieldProblem(field="spec.prompt", message="no prompt text")
        return invalid(status, observation.generation, problem.field, problem.message, Reason.PROMPT_NOT_FOUND, now)
    revision = record_revision(spec, status.history, observation.prompt_text, now)
    on_object = observation.annotations
    observation = replace(observation, annotations=manual.pending(on_object, status.handled_actions))
    route = route_of(spec)
    evaluation = gate(spec, status, observation, revision.latest, now)
    observation = with_regression(observation, revision.latest, evaluation.regression)
    incidents = respond(spec, status, observation, revision.latest, route is not None, now)
    serving = serve(spec, status, observation, revision, incidents, route is not None, now, evaluation)
    aborted = serving.rollout is not None and bool(serving.rollout.rollout.aborted_at)
    history = with_outcomes(revision.history, revision.latest, serving.stable, aborted)
    keep = kept_revisions(history, spec.revision_history_limit, revision.latest, serving.stable)
    history = [e for e in history if e.hash in keep]
    handled = manual.records(
        on_object, status.handled_actions, [*incidents.handled_annotations, *serving.handled_annotations]
    )
    set_traffic = traffic(spec, observation.identity, route, serving)
    actions: list[Action] = [
        *([RemoveAnnotations(tuple(handled))] if handled else []),
        *revision_objects(observation, revision, serving),
        *services(observation, revision, serving, route is not None),
        *([set_traffic] if set_traffic else []),
        *pruned(observation, history, keep, revision, serving.stable),
        *incident_objects(status, observation, incidents),
        *evaluation_actions(spec, observation, revision, evaluation),
    ]
    new_status = compose_status(
        status, observation, revision, history, serving, incidents, spec.replicas, now, handled=handled, gate=evaluation
    )
    return Decision(
        actions=tuple(actions),
        status=new_status,
        events=(*revision.events, *incidents.events, *evaluation.events, *serving.events),
        requeue_after=requeue_after(serving, observation),
        notices=(*incidents.notices, *serving.notices),
    )


def requeue_after(serving: ServingPhase, observation: Observation) -> float | None:
    """When to look again without an event: the rollout's next timer or analysis, and the next
    monitoring pass of the serving revisions (runbooks watch them all the time)."""
    delays = [serving.rollout.requeue_after if serving.in_rollout and serving.rollout else None]
    if serving.stable is not None:
        delays.append(observation.monitor_every)
    known = [d for d in delays if d is not None]
    return min(known) if known else None


def invalid(
    status: AgentDeploymentStatus, generation: int, field: str, message: str, reason: Reason, now: str
) -> Decision:
    """Ready=False and Degraded=True naming the field; no child is touched."""
    text = f"{field}: {message}"
    conditions = set_condition(status.conditions, ConditionType.READY, "False", reason, text, now, generation)
    conditions = set_condition(conditions, ConditionType.DEGRADED, "True", reason, text, now, generation)
    update = {"observed_generation": generation, "conditions": conditions, "summary": Summary.INVALID}
    new_status = status.model_copy(update=update)
    events = (Event(EventType.WARNING, reason, text),) if new_status != status else ()
    return Decision(actions=(), status=new_status, events=events)


def with_regression(observation: Observation, serving: str, regression: float | None) -> Observation:
    """The scheduled evaluation's verdict as a signal of the serving revision, read by the
    EvaluationRegression runbook in a monitoring pass like any other signal (not from Prometheus)."""
    if regression is None or observation.signals is None:
        return observation
    reading = {serving: Sample(value=regression, sessions=1)}
    return replace(observation, signals={**observation.signals, EVALUATION_REGRESSION: reading})
