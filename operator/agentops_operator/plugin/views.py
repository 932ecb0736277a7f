"""What the plugin prints: the status of one agent (revisions, rollout, last analysis, conditions,
incidents in force, live controls), its history, incidents, and a prompt-aware diff of two bundles."""

from __future__ import annotations

import difflib
import json
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from ..api.vocabulary import Arm

JsonDict = dict[str, Any]


def _revision(ref: JsonDict | None) -> str:
    return f"{ref['number']} ({ref['hash']})" if ref else "-"


def show_status(console: Console, agent: JsonDict) -> None:
    meta, status = agent["metadata"], agent.get("status") or {}
    console.print(
        f"[bold]{meta['name']}[/bold]  namespace {meta.get('namespace')}  "
        f"[bold]{status.get('summary', 'Pending')}[/bold]"
    )
    console.print(f"stable  {_revision(status.get('stableRevision'))}")
    console.print(f"latest  {_revision(status.get('latestRevision'))}")
    rollout = status.get("rollout")
    if rollout:
        state = (
            f"aborted ({rollout.get('abortReason')})"
            if rollout.get("abortedAt")
            else (f"paused ({rollout.get('pauseReason')})" if rollout.get("paused") else "progressing")
        )
        console.print(
            f"rollout step {rollout.get('stepIndex', 0) + 1}/{rollout.get('stepCount')} ({rollout.get('stepKind')}), "
            f"weight {rollout.get('weight', 0)}%, mirror {rollout.get('shadowPercent', 0)}%: {state}"
        )
        analysis = rollout.get("lastAnalysis")
        if analysis:
            table = Table(
                "check",
                "canary vs stable",
                "bound",
                "verdict",
                title=f"last analysis {analysis['time']}: {analysis['verdict']}",
            )
            for check in analysis.get("checks", []):
                table.add_row(
                    check["name"],
                    f"{Arm.CANARY} {_number(check.get(Arm.CANARY))} vs {Arm.STABLE} {_number(check.get(Arm.STABLE))}",
                    check.get("bound", ""),
                    check["verdict"] + (f" — {check['reason']}" if check.get("reason") else ""),
                )
            console.print(table)
    hold = status.get("hold")
    if hold:
        console.print(f"[red]held[/red] revision {hold['revision']} ({hold['reason']}): {hold['message']}")
    conditions = Table("condition", "status", "reason", "message")
    for condition in status.get("conditions", []):
        conditions.add_row(
            condition["type"], condition["status"], condition.get("reason", ""), condition.get("message", "")
        )
    console.print(conditions)
    open_incidents = [i for i in status.get("incidents", []) if not i.get("resolvedAt")]
    if open_incidents:
        show_incident_rows(
            console,
            [(i["type"], i["revision"], i["severity"], i["detectedAt"], i.get("message", "")) for i in open_incidents],
        )
    for revision, controls in (status.get("controls") or {}).items():
        console.print(f"live controls for {revision}: {json.dumps(controls, sort_keys=True)}")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def show_history(console: Console, agent: JsonDict) -> None:
    table = Table("revision", "hash", "created", "outcome")
    for entry in (agent.get("status") or {}).get("history", []):
        table.add_row(str(entry["number"]), entry["hash"], entry["created"], entry["outcome"])
    console.print(table)


def show_incident_rows(console: Console, rows: list[tuple[str, str, str, str, str]]) -> None:
    table = Table("incident", "revision", "severity", "detected", "what happened")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def show_incidents(console: Console, incidents: list[JsonDict]) -> None:
    table = Table("name", "agent", "type", "severity", "revision", "resolved", "occurrences", "actions")
    for item in incidents:
        spec, conditions = (
            item["spec"],
            {c["type"]: c["status"] for c in (item.get("status") or {}).get("conditions", [])},
        )
        actions = ", ".join(f"{a['action']} {a['time']}" for a in spec.get("actionsTaken", []))
        table.add_row(
            item["metadata"]["name"],
            spec.get("agent", ""),
            spec["type"],
            spec.get("severity", ""),
            spec.get("revision", ""),
            conditions.get("Resolved", "False"),
            str((item.get("status") or {}).get("occurrences", "")),
            actions,
        )
    console.print(table)


class _BlockStrings(yaml.SafeDumper):
    """YAML with multi-line strings (the prompt) as literal blocks: one diff line per prompt line."""


def _string(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_BlockStrings.add_representer(str, _string)


def readable(bundle: JsonDict) -> list[str]:
    """A bundle as YAML lines a person diffs: the prompt first, as a block of its own lines, then the
    rest in key order. (A prompt with trailing spaces on a line is quoted instead: YAML cannot keep
    them in a block.)"""
    ordered = {"prompt": bundle.get("prompt") or {}, **{k: bundle[k] for k in sorted(bundle) if k != "prompt"}}
    text = yaml.dump(ordered, Dumper=_BlockStrings, sort_keys=False, allow_unicode=True, width=120)
    return text.splitlines()


def diff(old: JsonDict, new: JsonDict, old_name: str, new_name: str) -> list[str]:
    return list(difflib.unified_diff(readable(old), readable(new), old_name, new_name, lineterm=""))
