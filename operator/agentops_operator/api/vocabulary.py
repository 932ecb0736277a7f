"""The operator's words, in one place: condition types, reasons, step, router, notice and event kinds.

Status conditions, Events, notifications, the kubectl plugin and the tests all speak these words;
defining each once (with what it means) keeps them from drifting apart, and a test checks that no
other module spells one of them as a string literal. They are `StrEnum`s, so each member is the
plain string that goes on the wire. Incident types are the runbook types of `api/runbooks.py`.
"""

from __future__ import annotations

from enum import StrEnum


class ConditionType(StrEnum):
    """The conditions an AgentDeployment reports (`kubectl wait --for=condition=...`)."""

    READY = "Ready"  # a revision serves live traffic
    PROGRESSING = "Progressing"  # a revision is on its way to serving (rollout or first start)
    DEGRADED = "Degraded"  # something went wrong: an abort, an incident hold, a spec that cannot run
    PAUSED = "Paused"  # a rollout waits for a person (or for an incident to resolve)


class EventType(StrEnum):
    """Kubernetes Event types."""

    NORMAL = "Normal"  # something expected happened
    WARNING = "Warning"  # something a person may want to look at


class Reason(StrEnum):
    """CamelCase reasons of conditions and Events (incident Events use the incident type)."""

    # Ready / Progressing / Degraded
    AS_EXPECTED = "AsExpected"  # the condition's healthy state
    AWAITING_FIRST_REVISION = "AwaitingFirstRevision"  # no revision has become available yet
    REVISION_AVAILABLE = "RevisionAvailable"  # a revision serves traffic
    REVISION_PROGRESSING = "RevisionProgressing"  # a revision without rollout steps is starting
    REVISION_CREATED = "RevisionCreated"  # a spec change made a new revision
    ROLLOUT_COMPLETE = "RolloutComplete"  # the latest revision serves all traffic
    ROLLOUT_IN_PROGRESS = "RolloutInProgress"  # a rollout walks its steps
    ROLLOUT_PAUSED = "RolloutPaused"  # a rollout is paused (Paused says why)
    ROLLOUT_ABORTED = "RolloutAborted"  # a rollout was aborted for a reason not recorded
    INVALID_SPEC = "InvalidSpec"  # the spec cannot be parsed; the message names the field
    PROMPT_NOT_FOUND = "PromptNotFound"  # the prompt's ConfigMap or key is missing
    TRAFFIC_ROUTING_FAILED = "TrafficRoutingFailed"  # the router could not set weights or mirrors
    REJECTED_BY_API_SERVER = "RejectedByAPIServer"  # a child object the spec implies was refused as invalid
    # The evaluation gate (spec.evaluation)
    EVALUATING = "Evaluating"  # the latest revision's suites are running; it gets no traffic yet
    EVALUATION_PASSED = "EvaluationPassed"  # every suite passed: the revision may serve
    EVALUATION_FAILED = "EvaluationFailed"  # a suite failed: the revision never serves
    EVALUATION_INCONCLUSIVE = "EvaluationInconclusive"  # maxAttempts runs ended Inconclusive: a person decides
    # Rollout steps and manual actions
    STEP_STARTED = "StepStarted"  # the rollout moved to its next step
    STEP_PROMOTED = "StepPromoted"  # a person skipped the current step
    PROMOTED = "Promoted"  # the new revision became stable
    PROMOTE_IGNORED = "PromoteIgnored"  # a promote on an aborted rollout (retry first)
    RETRIED = "Retried"  # a person restarted an aborted rollout
    RESUMED = "Resumed"  # a paused rollout goes on
    ANALYSIS_SKIPPED = "AnalysisSkipped"  # a person turned analysis off for this rollout
    # Why a rollout pauses
    MANUAL_PAUSE = "ManualPause"  # a person paused it
    METRICS_UNAVAILABLE = "MetricsUnavailable"  # errorLimit metric-backend errors in a row
    ANALYSIS_INCONCLUSIVE = "AnalysisInconclusive"  # inconclusiveLimit inconclusive analyses in a row
    TRAFFIC_SPLIT_MISMATCH = "TrafficSplitMismatch"  # the canary's share of sessions is not the weight asked for
    SHADOW_NEEDS_ROUTER = "ShadowNeedsTrafficRouter"  # a shadow step without a traffic router
    AWAITING_PROMOTION = "AwaitingPromotion"  # a pause step without a duration
    SHADOWED_BY_INCIDENT = "ShadowedByIncident"  # a runbook moved the canary to mirrored traffic
    # Why a rollout aborts
    ANALYSIS_FAILED = "AnalysisFailed"  # failureLimit failed analyses in a row
    PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"  # the canary never became available
    MANUAL_ABORT = "ManualAbort"  # a person aborted it
    # Incident holds and rollbacks
    MANUAL_ROLLBACK = "ManualRollback"  # a person rolled back to a revision from the history
    ROLLED_BACK = "RolledBack"  # traffic returned to an earlier revision
    ROLLBACK_IGNORED = "RollbackIgnored"  # the revision named for a rollback is not kept
    NO_ROLLBACK_TARGET = "NoRollbackTarget"  # no earlier healthy revision to roll back to
    SHADOW_ENDED = "ShadowEnded"  # a held revision lost its mirrored traffic too
    SHADOW_LIFTED = "ShadowLifted"  # the incident resolved: the revision serves again
    # AgentIncident conditions
    ACTIONS_APPLIED = "ActionsApplied"  # the runbook's mitigations are in force
    NO_MITIGATION = "NoMitigation"  # the runbook only notifies
    SIGNAL_HEALTHY = "SignalHealthy"  # the incident resolved
    OPEN = "Open"  # the incident is not resolved yet


class StepKind(StrEnum):
    """What one expanded rollout step does (a ramp expands into canary steps)."""

    CANARY = "canary"  # a share of live traffic for a duration
    SHADOW = "shadow"  # mirrored traffic only, tools dry-run
    PAUSE = "pause"  # wait: for a duration, or until promoted
    EVALUATE = "evaluate"  # run an evaluation suite against the canary, then go on or abort


class RouterKind(StrEnum):
    """Which traffic router carries weights and mirrors (spec.rollout.trafficRouting)."""

    GATEWAY_API = "gatewayAPI"  # a Gateway API HTTPRoute
    ISTIO = "istio"  # an Istio VirtualService


class Arm(StrEnum):
    """The two sides an analysis compares."""

    CANARY = "canary"  # the revision being rolled out
    STABLE = "stable"  # the revision serving meanwhile


class Summary(StrEnum):
    """`status.summary`: one word for the printer column, derived from the conditions."""

    HEALTHY = "Healthy"  # the latest revision serves, nothing is wrong
    PROGRESSING = "Progressing"  # a revision is on its way
    PAUSED = "Paused"  # a rollout waits
    DEGRADED = "Degraded"  # an abort or an incident hold
    INVALID = "Invalid"  # the spec cannot run; a condition names the field


class Outcome(StrEnum):
    """A revision's outcome in `status.history`."""

    PROGRESSING = "Progressing"  # the latest revision, on its way
    STABLE = "Stable"  # serving
    SUPERSEDED = "Superseded"  # replaced by a later revision
    FAILED = "Failed"  # its rollout aborted


class Baseline(StrEnum):
    """What a runbook compares a canary's signal with (`detection.baseline`)."""

    STABLE = "Stable"  # the live stable arm, measured in the same window
    PREVIOUS_REVISION = "PreviousRevision"  # the stable revision's last healthy values on record


class NoticeKind(StrEnum):
    """What a notification receiver subscribes to (`on:`)."""

    INCIDENTS = "Incidents"  # runbook incidents, opened and resolved
    ROLLOUTS = "Rollouts"  # promotions, pauses and aborts


def resolved(incident_type: str) -> str:
    """The Event reason of an incident that resolved, e.g. CostSpikeResolved."""
    return f"{incident_type}Resolved"
