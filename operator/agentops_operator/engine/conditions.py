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


def keep_transition_times(before: list[Condition], after: list[Condition]) -> list[Condition]:
    """`after` with each condition's lastTransitionTime from `before` where its status did not change
    between the two (when several steps of one decision set the same condition in turn)."""
    previous = {c.type: c for c in before}
    return [
        c.model_copy(update={"last_transition_time": old.last_transition_time})
        if (old := previous.get(c.type)) is not None and old.status == c.status
        else c
        for c in after
    ]
