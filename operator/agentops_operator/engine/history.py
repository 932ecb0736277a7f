"""The revision history in status: numbering new revisions, their outcomes, and what is kept. Pure.

Each revision the spec produces gets the next number once; the serving one is Stable, the latest
Progressing (or Failed when its rollout aborted), older ones Superseded. `revisionHistoryLimit`
older revisions are kept (their Deployments at zero, their bundles for rollbacks); the rest go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api.spec import AgentDeploymentSpec
from ..api.status import HistoryEntry
from ..api.vocabulary import EventType, Outcome, Reason
from .decisions import Event
from .revisions import bundle, revision_hash


@dataclass(frozen=True, kw_only=True)
class RevisionPhase:
    """The revision the spec describes, recorded in the history."""

    latest: str  # its hash
    number: int  # its number in the history
    content: dict[str, Any]  # its bundle (runtime, model, prompt text, tools, guardrails)
    history: list[HistoryEntry]  # the history as read, plus the latest if it is new
    events: tuple[Event, ...]  # RevisionCreated when it is new


def record_revision(
    spec: AgentDeploymentSpec, history: list[HistoryEntry], prompt_text: str, now: str
) -> RevisionPhase:
    """Give a new revision the next number; a revision seen before keeps its entry."""
    content = bundle(spec, prompt_text)
    latest = revision_hash(content)
    existing = next((e for e in history if e.hash == latest), None)
    if existing is not None:
        return RevisionPhase(latest=latest, number=existing.number, content=content, history=list(history), events=())
    number = max((e.number for e in history), default=0) + 1
    entry = HistoryEntry(number=number, hash=latest, created=now, outcome=Outcome.PROGRESSING)
    created = Event(EventType.NORMAL, Reason.REVISION_CREATED, f"created revision {number} ({latest})")
    return RevisionPhase(latest=latest, number=number, content=content, history=[*history, entry], events=(created,))


def with_outcomes(history: list[HistoryEntry], latest: str, stable: str | None, aborted: bool) -> list[HistoryEntry]:
    def outcome(entry: HistoryEntry) -> Outcome:
        if entry.hash == stable:
            return Outcome.STABLE
        if entry.hash == latest:
            return Outcome.FAILED if aborted else Outcome.PROGRESSING
        return Outcome.FAILED if entry.outcome == Outcome.FAILED else Outcome.SUPERSEDED

    return [e if e.outcome == outcome(e) else e.model_copy(update={"outcome": outcome(e)}) for e in history]


def kept_revisions(history: list[HistoryEntry], limit: int, latest: str, stable: str | None) -> set[str]:
    serving = {latest, *([stable] if stable else [])}
    older = [e for e in sorted(history, key=lambda e: e.number, reverse=True) if e.hash not in serving]
    return serving | {e.hash for e in older[:limit]}
