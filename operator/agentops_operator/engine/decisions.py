"""What the engine sees and what it asks for: Observation in, Decision out. Plain data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..api.evaluation import EvaluationVerdict
from ..api.status import AgentDeploymentStatus
from ..api.vocabulary import EventType, NoticeKind, RouterKind
from .manifests import Identity
from .measurements import Readings

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Workload:
    """One revision Deployment as observed."""

    revision: str
    replicas: int
    available_replicas: int
    generation: int
    observed_generation: int
    desired_hash: str | None

    @property
    def available(self) -> bool:
        return self.observed_generation >= self.generation and self.available_replicas >= self.replicas


@dataclass(frozen=True)
class RunSeen:
    """One evaluation run (AgentEvaluation) as observed: the operator's verdict, once written."""

    verdict: EvaluationVerdict | None
    reason: str | None = None
    pass_rate: float | None = None


@dataclass(frozen=True, kw_only=True)
class FieldProblem:
    """A spec field the cluster cannot satisfy (the schema could not reject it), and how to fix it."""

    field: str  # e.g. spec.prompt.configMapKeyRef.name
    message: str  # what is wrong and what to do


@dataclass(frozen=True)
class Observation:
    """The cluster as read for one reconcile of one agent."""

    identity: Identity
    generation: int
    prompt_text: str | None
    workloads: dict[str, Workload] = field(default_factory=dict)
    bundles: dict[str, str | None] = field(default_factory=dict)  # revision -> desired-hash annotation
    services: dict[str, str | None] = field(default_factory=dict)  # Service name -> desired-hash annotation
    prompt_error: FieldProblem | None = None  # why the prompt cannot be resolved
    annotations: dict[str, str] = field(default_factory=dict)  # the agent's own annotations (manual actions)
    analysis: Readings | None = None  # the rollout's checks, when an analysis was due and measured
    signals: Readings | None = None  # the runbooks' signals, when a monitoring pass was due and measured
    monitor_every: int | None = None  # seconds between monitoring passes (None: no metrics backend)
    controls_hash: str | None = None  # desired-hash annotation of the controls ConfigMap, if it exists
    bundle_texts: dict[str, str] = field(default_factory=dict)  # revision -> its stored bundle.json
    evaluations: dict[str, RunSeen] = field(default_factory=dict)  # AgentEvaluation name -> what it says


@dataclass(frozen=True)
class Apply:
    """Create the object, or replace it if its desired-hash differs."""

    manifest: JsonDict

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def name(self) -> str:
        return str(self.manifest["metadata"]["name"])


@dataclass(frozen=True)
class Scale:
    """Set a revision Deployment's replicas (old revisions go to zero and stay for history)."""

    name: str
    replicas: int


@dataclass(frozen=True)
class Delete:
    """Remove a child that fell out of the revision history."""

    kind: str  # "Deployment" or "ConfigMap"
    name: str


@dataclass(frozen=True)
class SetTraffic:
    """Route `weight` percent of live traffic to the canary Service and mirror `mirror_percent`."""

    router: RouterKind
    route_name: str
    rule_name: str | None
    stable_service: str
    canary_service: str
    port: int
    weight: int
    mirror_percent: int
    affinity_header: str | None = None
    affinity_cookie: str | None = None


@dataclass(frozen=True)
class RemoveAnnotations:
    """Take handled manual-action annotations off the AgentDeployment."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class RecordIncident:
    """Create or update an AgentIncident (its spec, then its status timeline)."""

    manifest: JsonDict


Action = Apply | Scale | Delete | SetTraffic | RemoveAnnotations | RecordIncident


@dataclass(frozen=True)
class Event:
    type: EventType
    reason: str  # a Reason, or an incident type for incident Events
    message: str


@dataclass(frozen=True)
class Notice:
    """What to tell receivers: an incident (opened, or resolved), or a rollout event (`kind`
    Rollouts; `incident` is then the event's reason, e.g. Promoted or AnalysisFailed)."""

    incident: str
    revision: str
    severity: str
    message: str
    resolved: bool = False
    kind: NoticeKind = NoticeKind.INCIDENTS

    @property
    def dedup_key(self) -> str:
        return f"{self.incident}/{self.revision}"


@dataclass(frozen=True)
class Decision:
    actions: tuple[Action, ...]
    status: AgentDeploymentStatus
    events: tuple[Event, ...] = ()
    requeue_after: float | None = None  # seconds until the engine wants to look again (timers, analysis)
    notices: tuple[Notice, ...] = ()
