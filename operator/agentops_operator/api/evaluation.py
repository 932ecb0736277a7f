"""`AgentEvaluation`: one run of one evaluation suite against one agent, and its results.

The runner (`agentops-eval --agentevaluation NAMESPACE/NAME`, in a Job) reads the suite from the
spec, calls the agent, and writes raw results into the status: counts and the cases that did not
pass. The operator writes the verdict next to them (Pass, Fail or Inconclusive, with the pass rate's
interval), from the counts alone: engine/evaluation_verdict.py. The suite has the runner's shape
(agentops_sdk.evaluation.suite); its dataset is inline or a key of a ConfigMap the runner reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from cronsim import CronSim, CronSimError
from pydantic import Field, field_validator, model_validator

from agentops_sdk import contract

from .base import ConfigMapKeyRef, OneOf, SecretKeyRef, WireModel

EVALUATION_KIND = "AgentEvaluation"
EVALUATION_PLURAL = "agentevaluations"
MAX_CASES_IN_STATUS = contract.EVALUATION_CASES_IN_STATUS  # failures first; the rest counted, all in the log
ScorerType = Literal["exact", "contains", "regex", "jsonSchema", "toolCalls", "maxLatency", "maxCost", "llmJudge"]
EvaluationVerdict = Literal["Pass", "Fail", "Inconclusive"]


class EvaluationDataset(OneOf):
    """The cases: inline (small sets) or one JSON object per line in a ConfigMap key."""

    inline: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=200,
        description="Up to 200 cases, each with an input and what its scorers expect; more go in a ConfigMap.",
    )
    config_map_key_ref: ConfigMapKeyRef | None = Field(
        default=None, description="A ConfigMap key holding the cases as JSONL (one object per line)."
    )


class EvaluationScorer(WireModel, extra="allow"):
    """One scorer and its options (seconds for maxLatency, usd for maxCost, url and model for llmJudge…)."""

    type: ScorerType = Field(description="What it checks.")


class SuiteBody(WireModel):
    """A suite: its cases, how each answer is judged, and what pass rate it needs."""

    name: str = Field(
        min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", description="The suite's name."
    )
    dataset: EvaluationDataset = Field(description="The cases.")
    before_traffic: bool = Field(
        default=True,
        description="Run before the revision gets any traffic; false: only where an evaluate step of the rollout "
        "names it (and on the schedule).",
    )
    scorers: list[EvaluationScorer] = Field(min_length=1, max_length=16, description="What each answer is judged by.")
    pass_rate: float = Field(default=0.9, ge=0, le=1, description="Required share of judged cases that pass.")
    min_cases: int = Field(default=20, ge=1, description="Fewest judged cases for a verdict other than Inconclusive.")
    timeout_seconds: float = Field(default=30, gt=0, description="Longest wait for the agent's answer to one case.")
    parallelism: int = Field(default=4, ge=1, le=64, description="Cases called at once.")
    max_errors: int | None = Field(default=None, ge=1, description="Stop after this many errors (unset: never).")


class EvaluationSuite(SuiteBody):
    """The suite the runner runs, with how it calls the agent."""

    target: dict[str, Any] = Field(
        description="How the agent is called: openai: {model} or request and answerPath, and url."
    )


DEFAULT_RUNNER_IMAGE = "ghcr.io/agentops-dev/agentops-eval:0.1.0"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class RunnerSecret(WireModel):
    """An environment variable of the runner from a Secret: a judge's key, a token for the agent."""

    env: str = Field(min_length=1, max_length=128, pattern=ENV_NAME_PATTERN, description="Variable name.")
    secret_key_ref: SecretKeyRef = Field(description="The Secret key it holds.")


class EvaluationRunner(WireModel):
    """The Job that runs each suite."""

    image: str = Field(
        default=DEFAULT_RUNNER_IMAGE,
        min_length=1,
        max_length=512,
        description="An image with agentops-sdk[eval] installed (its agentops-eval is the entry point).",
    )
    secrets: list[RunnerSecret] = Field(
        default_factory=list,
        max_length=16,
        description="Variables from Secrets: an llmJudge's apiKeyEnv, or ${NAME} in a request header.",
    )
    deadline_seconds: int = Field(
        default=900, ge=30, le=86400, description="Longest a run may take; then it is Inconclusive."
    )


class EvaluationGate(WireModel):
    """Suites every new revision must pass before it gets any traffic, the first revision too."""

    suites: list[SuiteBody] = Field(min_length=1, max_length=16, description="The suites, each run by its own Job.")
    target: dict[str, Any] = Field(
        description="How the runner calls the revision: openai: {model} (an OpenAI chat API), or request "
        "and answerPath; the URL is the revision's own evaluation Service."
    )
    runner: EvaluationRunner = Field(default_factory=EvaluationRunner, description="The runner Jobs.")
    max_attempts: int = Field(
        default=3, ge=1, le=10, description="Runs of a suite that end Inconclusive before the rollout pauses."
    )
    confidence: float = Field(default=0.95, gt=0, lt=1, description="Confidence of the pass rate's interval.")
    schedule: str | None = Field(
        default=None,
        max_length=128,
        description="Cron schedule (UTC) to run the suites again on the serving revision, e.g. '0 */6 * * *'; "
        "a failure opens an EvaluationRegression incident.",
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str | None) -> str | None:
        if schedule is not None:
            try:
                CronSim(schedule, datetime(2026, 1, 1, tzinfo=UTC))
            except CronSimError as error:
                raise ValueError(f"not a cron expression ({error}); e.g. '0 */6 * * *' runs every six hours") from None
        return schedule

    @model_validator(mode="after")
    def _unique_suites(self) -> EvaluationGate:
        names = [s.name for s in self.suites]
        if len(set(names)) != len(names):
            raise ValueError("suite names must be unique")
        return self


class SuiteRun(WireModel):
    """The latest run of one suite against the latest revision."""

    suite: str = Field(description="The suite.")
    revision: str = Field(description="The revision evaluated.")
    attempt: int = Field(ge=1, description="1 for the first run; more after Inconclusive runs.")
    run: str = Field(description="The AgentEvaluation of this run.")
    started_at: str = Field(description="When the run was created (RFC 3339).")
    verdict: EvaluationVerdict | None = Field(default=None, description="Pass, Fail or Inconclusive; unset: running.")
    reason: str | None = Field(default=None, description="The verdict in words.")
    pass_rate: float | None = Field(default=None, description="Passed / judged.")
    scheduled: bool = Field(default=False, description="Run by spec.evaluation.schedule on the serving revision.")
    step: int | None = Field(default=None, description="The rollout step (from 0) of an evaluate step's run.")


class AgentEvaluationSpec(WireModel):
    """Which suite to run, against which agent and revision."""

    agent: str | None = Field(default=None, description="The AgentDeployment evaluated, if any.")
    revision: str | None = Field(default=None, description="The revision evaluated, if any.")
    suite: EvaluationSuite = Field(description="The suite.")
    confidence: float = Field(default=0.95, gt=0, lt=1, description="Confidence of the pass rate's interval.")


class CaseRecord(WireModel):
    """One case that did not pass (or, with room left, one that did)."""

    id: str = Field(description="The case's id.")
    outcome: Literal["passed", "failed", "error"] = Field(description="passed, failed or error.")
    detail: str = Field(default="", description="What the scorers said, or the error.")


class PassRateInterval(WireModel):
    """The interval of the pass rate, at the spec's confidence."""

    lower: float = Field(description="Lower bound.")
    upper: float = Field(description="Upper bound.")


class AgentEvaluationStatus(WireModel):
    """Raw results (the runner's) and the verdict (the operator's)."""

    started_at: str | None = Field(default=None, description="When the runner began (RFC 3339).")
    finished_at: str | None = Field(default=None, description="When the runner finished (RFC 3339).")
    passed: int | None = Field(default=None, ge=0, description="Cases whose every scorer passed.")
    failed: int | None = Field(default=None, ge=0, description="Cases a scorer failed.")
    errors: int | None = Field(default=None, ge=0, description="Cases with no usable answer or judgment.")
    not_run: int | None = Field(default=None, ge=0, description="Cases left out after maxErrors.")
    pass_rate: float | None = Field(default=None, description="passed / (passed + failed).")
    cases: list[CaseRecord] = Field(
        default_factory=list, description=f"Failures, then errors, then passes; at most {MAX_CASES_IN_STATUS}."
    )
    cases_omitted: int | None = Field(default=None, ge=0, description="Cases not listed in cases.")
    runner_error: str | None = Field(default=None, description="Why the runner could not run the suite.")
    verdict: EvaluationVerdict | None = Field(default=None, description="The operator's verdict.")
    reason: str | None = Field(default=None, description="The verdict in words: pass rate, interval, requirement.")
    interval: PassRateInterval | None = Field(default=None, description="The pass rate's interval.")
