"""Unit: the runbook engine (`engine/incidents.py`) with a fake clock: detection, forSeconds,
resolution, cooldown, baselines, mitigations derived from open incidents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentops_operator.api.spec import AgentDeploymentSpec
from agentops_operator.api.status import AgentDeploymentStatus, Breach, Controls, Incident
from agentops_operator.engine import incidents
from agentops_operator.engine.measurements import Readings, Sample
from agentops_operator.engine.mitigations import TakeOut, mitigations
from agentops_operator.engine.runbook_set import effective_runbooks

ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())["spec"]
HEALTHY = {
    "prompt-leaks": 0.0,
    "safety-violations": 0.0,
    "cost-per-session": 0.02,
    "tool-calls-per-session": 2.0,
    "grounding-score": 0.9,
}


def spec(**extra: Any) -> AgentDeploymentSpec:
    return AgentDeploymentSpec.model_validate({**BASE, **extra})


def signals(revision: str, sessions: float = 100, **values: float) -> dict[str, dict[str, Sample]]:
    """{revision: {signal: sample}}: one revision's signals, healthy unless given."""
    merged = {**HEALTHY, **values}
    return {revision: {name: Sample(value=value, sessions=sessions) for name, value in merged.items()}}


@dataclass(frozen=True)
class Pass:
    """One monitoring pass and the mitigations it implies, as the tests look at them."""

    incidents: list[Incident]
    breaches: list[Breach]
    baselines: dict[str, dict[str, float]]
    controls: dict[str, Controls]
    take_out_of_traffic: dict[str, TakeOut]


def monitor(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    by_revision: dict[str, dict[str, Sample]],
    stable: str,
    canary: str | None,
    previous: str | None,
    now: str,
) -> Pass:
    readings: Readings = {}
    for revision, samples in by_revision.items():
        for signal, sample in samples.items():
            readings.setdefault(signal, {})[revision] = sample
    detected = incidents.monitor(
        spec,
        status.incidents,
        status.breaches,
        status.baselines,
        readings,
        stable=stable,
        canary=canary,
        previous=previous,
        now=now,
    )
    implied = mitigations(spec, detected.incidents)
    return Pass(detected.incidents, detected.breaches, detected.baselines, implied.controls, implied.take_out)


def at(second: int) -> str:
    return f"2026-01-01T00:{second // 60:02d}:{second % 60:02d}.000Z"


def test_defaults_can_be_replaced_disabled_and_extended() -> None:
    custom = {
        "type": "Custom",
        "name": "Refusals",
        "detection": {"signal": "custom", "query": "x", "above": 1},
        "actions": [{"type": "Notify"}],
    }
    runbooks = effective_runbooks(
        spec(
            runbooks=[{"type": "PromptLeak", "enabled": False}, {"type": "CostSpike", "severity": "critical"}, custom],
            budget={"maxCostPerHourUSD": 5},
        )
    )
    kinds = [(r.type, r.name, r.severity) for r in runbooks]
    assert ("PromptLeak", None, "critical") not in kinds and ("CostSpike", None, "critical") in kinds
    assert ("Custom", "Refusals", None) in kinds and (
        "CostSpike",
        "Budget",
        "error",
    ) in kinds  # custom: warning when opened
    cost = next(r for r in runbooks if r.type == "CostSpike" and r.name is None)
    assert cost.detection and cost.detection.ratio_to_baseline_above == 10  # the default detection stays


@pytest.mark.parametrize(
    ("values", "expected_type", "control"),
    [
        pytest.param({"prompt-leaks": 1}, "PromptLeak", None, id="prompt-leak"),
        pytest.param({"safety-violations": 2}, "SafetyViolation", ("mode", "blocked"), id="safety"),
        pytest.param({"grounding-score": 0.3}, "HallucinationSurge", ("mode", "shadow"), id="hallucination"),
        pytest.param({"cost-per-session": 0.5}, "CostSpike", ("sessions_per_minute", 10), id="cost-spike-vs-previous"),
        pytest.param(
            {"tool-calls-per-session": 9},
            "ToolAbuse",
            ("tool_rate_limits", {"search_kb": 30, "get_order": 30, "create_ticket": 30}),
            id="tool-abuse",
        ),
    ],
)
def test_each_default_detects_and_mitigates(
    values: dict[str, float], expected_type: str, control: tuple[str, Any] | None
) -> None:
    status = AgentDeploymentStatus(baselines={"old": dict(HEALTHY)})
    result = monitor(spec(), status, signals("new", **values), "new", None, "old", at(0))
    assert [i.type for i in result.incidents] == [expected_type]
    if control:
        assert getattr(result.controls["new"], control[0]) == control[1]
    if expected_type in ("PromptLeak", "SafetyViolation"):
        assert result.take_out_of_traffic == {"new": TakeOut(reason=expected_type)}
    elif expected_type == "HallucinationSurge":
        assert result.take_out_of_traffic == {"new": TakeOut(reason=expected_type, mirror_percent=100)}
    else:
        assert result.take_out_of_traffic == {}


def test_too_few_sessions_or_errors_never_detect() -> None:
    status = AgentDeploymentStatus(baselines={"old": dict(HEALTHY)})
    assert (
        monitor(
            spec(), status, signals("new", sessions=3, **{"cost-per-session": 5.0}), "new", None, "old", at(0)
        ).incidents
        == []
    )
    broken = {"new": {"prompt-leaks": Sample(error="timeout")}}
    assert monitor(spec(), status, broken, "new", None, "old", at(0)).incidents == []


def test_for_seconds_resolution_and_lifting() -> None:
    runbooks = [
        {
            "type": "HallucinationSurge",
            "detection": {"signal": "grounding-score", "below": 0.5, "forSeconds": 20},
            "resolveAfterSeconds": 30,
        }
    ]
    current = spec(runbooks=runbooks, monitoring={"intervalSeconds": 10, "cooldownSeconds": 0})
    status = AgentDeploymentStatus()
    for second, score, open_expected in [
        (0, 0.2, False),
        (10, 0.2, False),
        (20, 0.2, True),
        (30, 0.9, True),
        (50, 0.9, True),
        (60, 0.9, False),
    ]:
        result = monitor(current, status, signals("rev", **{"grounding-score": score}), "rev", None, None, at(second))
        status = status.model_copy(
            update={"incidents": result.incidents, "breaches": result.breaches, "baselines": result.baselines}
        )
        is_open = any(i.resolved_at is None for i in result.incidents)
        assert is_open == open_expected, second
        assert (result.controls.get("rev") is not None) == open_expected, second


def test_an_incident_flapping_within_the_cooldown_needs_longer_to_lift() -> None:
    runbooks = [{"type": "HallucinationSurge", "resolveAfterSeconds": 20}]
    current = spec(runbooks=runbooks, monitoring={"intervalSeconds": 10, "cooldownSeconds": 60})
    status = AgentDeploymentStatus()
    timeline = [
        (0, 0.2, True, 1),  # opens
        (10, 0.9, True, 1),
        (30, 0.9, False, 1),  # healthy 20 s: resolves, mitigation lifts
        (40, 0.2, True, 2),  # back within the 60 s cooldown: the same incident, flapping
        (50, 0.9, True, 2),
        (70, 0.9, True, 2),  # 20 s healthy is no longer enough
        (120, 0.9, True, 2),
        (130, 0.9, False, 2),  # 20 + 60 s healthy: lifts
        (300, 0.2, True, 1),  # long after the cooldown: a new incident, normal rules
        (310, 0.9, True, 1),
        (330, 0.9, False, 1),
    ]
    for second, score, mitigated, occurrences in timeline:
        result = monitor(current, status, signals("rev", **{"grounding-score": score}), "rev", None, None, at(second))
        status = status.model_copy(
            update={"incidents": result.incidents, "breaches": result.breaches, "baselines": result.baselines}
        )
        (incident,) = result.incidents
        assert ("rev" in result.controls, incident.occurrences) == (mitigated, occurrences), second
        assert ("rev" in result.take_out_of_traffic) == mitigated, second


def test_out_of_traffic_entirely_wins_over_shadow() -> None:
    status = AgentDeploymentStatus(baselines={"old": dict(HEALTHY)})
    measured = signals("new", **{"grounding-score": 0.1, "safety-violations": 2})
    result = monitor(spec(), status, measured, "new", None, "old", at(0))
    assert result.take_out_of_traffic == {"new": TakeOut(reason="SafetyViolation")}
    assert result.controls["new"].mode == "blocked"


def test_canary_is_compared_with_the_stable_arm() -> None:
    measured = {**signals("stable", **{"cost-per-session": 0.02}), **signals("canary", **{"cost-per-session": 0.3})}
    result = monitor(spec(), AgentDeploymentStatus(), measured, "stable", "canary", None, at(0))
    (incident,) = result.incidents
    assert (incident.type, incident.revision, incident.baseline) == ("CostSpike", "canary", 0.02)


def test_a_canary_can_be_compared_with_the_stable_revisions_recorded_values() -> None:
    runbooks = [
        {
            "type": "CostSpike",
            "detection": {"signal": "cost-per-session", "ratioToBaselineAbove": 10, "baseline": "PreviousRevision"},
        }
    ]
    # The stable revision is in a cost incident itself (so its record stays frozen at its last healthy
    # value); that record, not its live arm, is what the canary must beat.
    measured = {**signals("stable", **{"cost-per-session": 0.5}), **signals("canary", **{"cost-per-session": 0.3})}
    spiking = Incident(type="CostSpike", revision="stable", severity="error", detected_at=at(0))
    status = AgentDeploymentStatus(baselines={"stable": {"cost-per-session": 0.02}}, incidents=[spiking])
    result = monitor(spec(runbooks=runbooks), status, measured, "stable", "canary", None, at(0))
    (incident,) = [i for i in result.incidents if i.revision == "canary"]
    assert (incident.type, incident.baseline) == ("CostSpike", 0.02)
    live = monitor(spec(), status, measured, "stable", "canary", None, at(0))  # vs the live arm: cheaper, no incident
    assert [i.revision for i in live.incidents] == ["stable"]


def test_healthy_stable_values_become_baselines_and_are_bounded() -> None:
    status = AgentDeploymentStatus(baselines={"ancient": {"cost-per-session": 1.0}})
    result = monitor(spec(), status, signals("now"), "now", None, "prev", at(0))
    assert set(result.baselines) == {"now"} and result.baselines["now"]["cost-per-session"] == 0.02


def test_throttle_factor_uses_the_session_rate_at_detection() -> None:
    runbooks = [{"type": "CostSpike", "actions": [{"type": "Throttle", "factor": 0.5}]}]
    current = spec(runbooks=runbooks, replicas=2)
    measured = signals("new", **{"cost-per-session": 0.5, "sessions-per-minute": 120.0})
    result = monitor(
        current, AgentDeploymentStatus(baselines={"old": dict(HEALTHY)}), measured, "new", None, "old", at(0)
    )
    (incident,) = result.incidents
    assert incident.session_rate == 120
    assert result.controls["new"].sessions_per_minute == 30  # half of 120/min, over 2 replicas


def test_budget_counts_the_spending_of_every_serving_revision() -> None:
    current = spec(budget={"maxCostPerHourUSD": 10, "throttleSessionsPerMinute": 4})
    measured = {**signals("stable", **{"cost-per-hour": 6.0}), **signals("canary", **{"cost-per-hour": 6.0})}
    result = monitor(current, AgentDeploymentStatus(), measured, "stable", "canary", None, at(0))
    assert "Budget" in {i.type for i in result.incidents}  # 6 + 6 > 10, though each arm alone is under
    assert result.controls["stable"].sessions_per_minute == 4


@pytest.mark.parametrize(
    ("recorded", "measured", "expected"),
    [
        pytest.param(None, 0.00029999999999996696, 0.0003, id="first-value-stored-to-4-digits"),
        pytest.param(0.0003, 0.00029999999999996696, 0.0003, id="float-noise-keeps-it"),
        pytest.param(0.02, 0.0209, 0.02, id="within-5-percent-keeps-it"),
        pytest.param(0.02, 0.0211, 0.0211, id="beyond-5-percent-follows"),
        pytest.param(0.9, 0.5, 0.5, id="a-real-drop-follows"),
        pytest.param(0.0, 0.0, 0.0, id="zero-stays-zero"),
        pytest.param(0.0, 1.0, 1.0, id="from-zero-follows"),
    ],
)
def test_a_baseline_moves_only_when_the_signal_does(recorded: float | None, measured: float, expected: float) -> None:
    assert incidents.baseline_after(recorded, measured) == expected


def test_a_steady_agent_with_noisy_signals_keeps_its_baselines() -> None:
    """Monitoring passes over a healthy agent whose readings wobble by float noise and a few per cent
    leave `status.baselines` as it was after the first pass (no status write per pass)."""
    status = AgentDeploymentStatus()
    first = monitor(spec(), status, signals("v1"), "v1", None, None, at(0))
    wobbles = [1 + 3e-16, 0.97, 1.04, 1 - 1e-12, 1.02]
    for second, wobble in enumerate(wobbles, start=1):
        noisy = {name: value * wobble for name, value in HEALTHY.items()}
        later = monitor(
            spec(),
            status.model_copy(update={"baselines": first.baselines}),
            signals("v1", **noisy),
            "v1",
            None,
            None,
            at(second * 30),
        )
        assert later.baselines == first.baselines
