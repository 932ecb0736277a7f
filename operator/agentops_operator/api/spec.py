"""`AgentDeployment.spec`: what a user declares about one agent.

Everything that changes the agent's behaviour — runtime, model, prompt, tools, guardrails — is
part of the revision (see `engine/revisions.py`); `replicas` and `revisionHistoryLimit` are not.
Field descriptions become the CRD's descriptions, so `kubectl explain` reads from here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from agentops_sdk import contract

from .base import TOOL_NAME_PATTERN, ConfigMapKeyRef, DataKey, ObjectName, OneOf, WireModel
from .evaluation import EvaluationGate
from .quantity import Quantity, parse_quantity
from .rollout import Rollout
from .runbooks import Budget, Monitoring, Notification, Runbook
from .security import ContainerSecurity, PodSecurity

# Label keys and values, as Kubernetes checks them.
LABEL_KEY_PATTERN = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
LABEL_VALUE_PATTERN = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
LabelKey = Annotated[str, StringConstraints(pattern=LABEL_KEY_PATTERN, max_length=317)]
LabelValue = Annotated[str, StringConstraints(pattern=LABEL_VALUE_PATTERN, max_length=63)]
MAX_PROMPT_CHARS = 65536  # inline; longer prompts belong in a ConfigMap (configMapKeyRef)

# What the operator sets in every agent container: the SDK finds its bundle, controls and identity there.
RESERVED_ENV = (
    contract.ENV_AGENT_NAME,
    contract.ENV_AGENT_NAMESPACE,
    contract.ENV_AGENT_REVISION,
    contract.ENV_BUNDLE_PATH,
    contract.ENV_CONTROLS_PATH,
    contract.ENV_METRICS_PORT,
)


class KeySelector(WireModel):
    """A key of a ConfigMap or Secret in the agent's namespace."""

    name: ObjectName = Field(description="ConfigMap or Secret name.")
    key: DataKey = Field(description="Key in its data.")
    optional: bool | None = Field(default=None, description="Start the agent even when the key is missing.")


class FieldSelector(WireModel):
    """A field of the agent's Pod (metadata.name, metadata.namespace, status.podIP, …)."""

    field_path: str = Field(min_length=1, max_length=256, description="Path of the field, e.g. status.podIP.")
    api_version: str | None = Field(default=None, max_length=64, description="Schema version of the path (v1).")


class ResourceFieldSelector(WireModel):
    """A resource request or limit of the agent's container."""

    resource: str = Field(min_length=1, max_length=64, description="e.g. limits.memory, requests.cpu.")
    container_name: str | None = Field(default=None, max_length=63, description="The agent container (default).")
    divisor: Quantity | None = Field(default=None, description="Unit of the value, e.g. 1Mi.")


class EnvVarSource(OneOf):
    """Where a variable's value comes from (exactly one source), as in a Pod spec."""

    secret_key_ref: KeySelector | None = Field(default=None, description="A key of a Secret.")
    config_map_key_ref: KeySelector | None = Field(default=None, description="A key of a ConfigMap.")
    field_ref: FieldSelector | None = Field(default=None, description="A field of the Pod.")
    resource_field_ref: ResourceFieldSelector | None = Field(default=None, description="A resource of the container.")


class EnvVar(WireModel):
    """An environment variable for the agent's container."""

    name: str = Field(
        description="Variable name.", min_length=1, max_length=256, pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"
    )

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_ENV:
            raise ValueError(f"{name} is set by the operator (the SDK reads it); choose another name")
        return name

    value: str | None = Field(default=None, max_length=32768, description="Literal value.")
    value_from: EnvVarSource | None = Field(default=None, description="Where the value comes from instead.")

    @model_validator(mode="after")
    def _one_value(self) -> EnvVar:
        if self.value and self.value_from is not None:
            raise ValueError("set value or valueFrom, not both")
        return self


class ResourceRequirements(WireModel):
    """Compute resources for the agent's container, as in a Pod spec."""

    requests: dict[str, Quantity] | None = Field(
        default=None, max_length=16, description="Minimum resources, e.g. {cpu: 100m, memory: 128Mi}."
    )
    limits: dict[str, Quantity] | None = Field(
        default=None, max_length=16, description="Maximum resources, e.g. {memory: 512Mi}."
    )

    @model_validator(mode="after")
    def _requests_within_limits(self) -> ResourceRequirements:
        for name, limit in (self.limits or {}).items():
            request = (self.requests or {}).get(name)
            if request is not None and parse_quantity(request) > parse_quantity(limit):
                raise ValueError(
                    f"requests.{name} ({request}) is above limits.{name} ({limit}); a request must fit its limit"
                )
        return self


class Toleration(WireModel):
    """A Pod toleration."""

    key: str | None = Field(default=None, max_length=317, description="Taint key the toleration applies to.")
    operator: Literal["Exists", "Equal"] | None = Field(default=None, description="Exists or Equal (default Equal).")
    value: str | None = Field(default=None, max_length=63, description="Taint value to match with Equal.")
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = Field(
        default=None, description="Taint effect to match."
    )
    toleration_seconds: int | None = Field(default=None, description="How long a NoExecute taint is tolerated.")


class Runtime(WireModel):
    """How the agent runs: its container image and Pod settings."""

    image: str = Field(
        description="Container image of the agent service, e.g. ghcr.io/acme/support-agent:1.4.2.",
        min_length=1,
        max_length=1024,
    )
    port: int = Field(default=8080, ge=1, le=65535, description="Port the agent serves requests on.")
    metrics_port: int = Field(
        default=9090, ge=1, le=65535, description="Port of the agent SDK's Prometheus /metrics endpoint."
    )
    env: list[EnvVar] = Field(
        default_factory=list,
        max_length=128,
        description="Extra environment variables. AGENT_NAME, AGENT_NAMESPACE and AGENT_REVISION are always set.",
    )
    resources: ResourceRequirements | None = Field(default=None, description="CPU and memory requests and limits.")
    service_account_name: ObjectName | None = Field(default=None, description="ServiceAccount the agent's Pods run as.")
    node_selector: dict[LabelKey, LabelValue] | None = Field(
        default=None, max_length=32, description="Node labels the agent's Pods must be scheduled on."
    )
    security_context: ContainerSecurity | None = Field(
        default=None, description="The agent container's securityContext, over the restricted defaults."
    )
    pod_security_context: PodSecurity | None = Field(
        default=None, description="The agent Pod's securityContext, over the restricted defaults."
    )
    automount_service_account_token: bool | None = Field(
        default=None, description="Mount the service account's API token in the Pods (default false)."
    )
    tolerations: list[Toleration] = Field(
        default_factory=list, max_length=64, description="Taints the agent's Pods tolerate."
    )
    pod_annotations: dict[LabelKey, Annotated[str, StringConstraints(max_length=65536)]] | None = Field(
        default=None, max_length=64, description="Annotations added to the agent's Pods."
    )

    @model_validator(mode="after")
    def _ports_differ(self) -> Runtime:
        if self.port == self.metrics_port:
            raise ValueError(f"port and metricsPort are both {self.port}; the SDK serves /metrics on its own port")
        return self


class Pricing(WireModel):
    """Token prices that override the built-in price table for cost metrics."""

    input_per_million_tokens_usd: float = Field(
        ge=0, alias="inputPerMillionTokensUSD", description="USD per million input tokens."
    )
    output_per_million_tokens_usd: float = Field(
        ge=0, alias="outputPerMillionTokensUSD", description="USD per million output tokens."
    )


class ModelParameters(WireModel):
    """Sampling parameters passed to the model."""

    temperature: float | None = Field(default=None, ge=0, le=2, description="Sampling temperature, 0 to 2.")
    top_p: float | None = Field(default=None, ge=0, le=1, description="Nucleus sampling probability mass, 0 to 1.")
    max_output_tokens: int | None = Field(default=None, ge=1, description="Upper bound on tokens generated per call.")


class Model(WireModel):
    """The LLM the agent calls."""

    provider: str = Field(
        min_length=1, max_length=64, description="Model provider, e.g. openai, anthropic, google, bedrock, vllm."
    )
    name: str = Field(min_length=1, max_length=256, description="Model name at that provider, e.g. gpt-4o-mini.")
    parameters: ModelParameters | None = Field(default=None, description="Sampling parameters.")
    pricing: Pricing | None = Field(
        default=None, description="Price override for cost accounting; the offline price table is used when unset."
    )


class Prompt(WireModel):
    """The system prompt: inline text, or a reference to a ConfigMap key (exactly one)."""

    system: str | None = Field(
        default=None,
        max_length=MAX_PROMPT_CHARS,
        description="System prompt text (up to 65,536 characters; longer prompts: configMapKeyRef).",
    )
    config_map_key_ref: ConfigMapKeyRef | None = Field(
        default=None, description="ConfigMap key holding the system prompt; editing it creates a new revision."
    )


class Tool(WireModel):
    """A tool the agent may call."""

    name: str = Field(pattern=TOOL_NAME_PATTERN, max_length=64, description="Tool name, unique within the agent.")
    description: str | None = Field(
        default=None, max_length=4096, description="What the tool does, as shown to the model."
    )
    endpoint: str | None = Field(default=None, max_length=2048, description="URL the tool is served at, if remote.")
    side_effects: Literal["None", "Idempotent", "External"] = Field(
        default="External",
        description=(
            "None: read-only. Idempotent: safe to retry. External: changes the world (runs dry in shadow mode)."
        ),
    )
    rate_limit_per_minute: int | None = Field(
        default=None, ge=1, description="Calls per minute allowed per agent replica."
    )


class Guardrail(WireModel):
    """A check applied to inputs, outputs or tool calls."""

    name: str = Field(pattern=TOOL_NAME_PATTERN, max_length=64, description="Guardrail name, unique within the agent.")
    type: str = Field(
        min_length=1, max_length=64, description="Guardrail implementation, e.g. pii, prompt-injection, topic, regex."
    )
    stage: Literal["Input", "Output", "Tool"] = Field(description="Where the check runs.")
    action: Literal["Block", "Redact", "Flag"] = Field(description="What happens when it triggers.")
    config: dict[str, Any] | None = Field(
        default=None,
        max_length=64,
        description="Free-form settings of the guardrail implementation (nested at most 32 levels below spec).",
    )


class AgentDeploymentSpec(WireModel):
    """The desired agent. Runtime, model, prompt, tools and guardrails together form one revision."""

    replicas: int = Field(default=1, ge=0, le=1000, description="Number of agent Pods for the serving revision.")
    runtime: Runtime = Field(description="Container image and Pod settings.")
    model: Model = Field(description="The LLM the agent uses.")
    prompt: Prompt = Field(description="The system prompt.")
    tools: list[Tool] = Field(default_factory=list, max_length=128, description="Tools the agent may call.")
    guardrails: list[Guardrail] = Field(
        default_factory=list, max_length=64, description="Checks on inputs, outputs and tool calls."
    )
    revision_history_limit: int = Field(
        default=5, ge=0, le=50, description="Old revisions kept (scaled to zero) for rollback and diff."
    )
    runbooks: list[Runbook] = Field(
        default_factory=list,
        max_length=32,
        description="Incident runbooks; the six defaults apply unless disabled here.",
    )
    budget: Budget | None = Field(default=None, description="Spending limit; exceeding it throttles the agent.")
    monitoring: Monitoring | None = Field(
        default=None, description="How often serving revisions are checked against the runbooks."
    )
    notifications: list[Notification] = Field(
        default_factory=list,
        max_length=16,
        description="Receivers of incident and rollout notifications (Slack, webhook, PagerDuty).",
    )
    evaluation: EvaluationGate | None = Field(
        default=None, description="Suites each new revision must pass before it gets traffic (the first one too)."
    )
    rollout: Rollout | None = Field(
        default=None, description="Progressive delivery; without it a new revision replaces the old one once available."
    )


def undeclared_tool(spec: AgentDeploymentSpec) -> tuple[str, str] | None:
    """The first runbook action naming a tool the agent does not declare, as (field, message): the CRD
    cannot check a reference across lists at a cost the API server accepts, so the reconcile does."""
    declared = [tool.name for tool in spec.tools]
    for i, runbook in enumerate(spec.runbooks):
        for j, action in enumerate(runbook.actions or []):
            if action.tool is not None and action.tool not in declared:
                listed = ", ".join(declared) or "none"
                message = (
                    f"{action.tool!r} is not a tool of this agent (spec.tools: {listed}); name a declared tool, or "
                    "leave tool unset to act on every tool"
                )
                return f"spec.runbooks[{i}].actions[{j}].tool", message
    return None


def unknown_suite(spec: AgentDeploymentSpec) -> tuple[str, str] | None:
    """The first evaluate step naming a suite spec.evaluation does not have, as (field, message)."""
    suites = [s.name for s in spec.evaluation.suites] if spec.evaluation else []
    for i, step in enumerate(spec.rollout.steps if spec.rollout else []):
        if step.evaluate is not None and step.evaluate.suite not in suites:
            listed = ", ".join(suites) or "none: spec.evaluation is unset"
            return (
                f"spec.rollout.steps[{i}].evaluate.suite",
                f"{step.evaluate.suite!r} is not a suite of spec.evaluation (suites: {listed}); name one, or add it",
            )
    return None


def cross_reference_problem(spec: AgentDeploymentSpec) -> tuple[str, str] | None:
    """References across lists the CRD cannot check at a cost the API server accepts: the reconcile does."""
    return undeclared_tool(spec) or unknown_suite(spec)
