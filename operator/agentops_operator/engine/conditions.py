"""Condition bookkeeping as the API conventions ask: lastTransitionTime moves only when status does."""

from __future__ import annotations

from ..api.status import Condition, ConditionStatus


def set_condition(
    conditions: list[Condition],
    type: str,
    status: ConditionStatus,
    reason: str,
    message: str,
    now: str,
    generation: int,
) -> list[Condition]:
    previous = next((c for c in conditions if c.type == type), None)
    since = previous.last_transition_time if previous is not None and previous.status == status else now
    updated = Condition(
        type=type,
        status=status,
        reason=reason,
        message=message,
        last_transition_time=since,
        observed_generation=generation,
    )
    return [updated if c.type == type else c for c in conditions] if previous else [*conditions, updated]


def condition(conditions: list[Condition], type: str) -> Condition | None:
    return next((c for c in conditions if c.type == type), None)
