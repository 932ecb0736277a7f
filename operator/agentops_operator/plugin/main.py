"""Command line of `kubectl agents` (argparse; kubectl passes every argument after `agents` through)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from ..engine import annotations as manual
from . import eval_view, views
from .cluster import Cluster, PluginError
from .lint import is_agent, lint

# Each verb is its annotation's name: `kubectl agents pause` sets agentops.dev/pause.
ACTIONS = {
    key.removeprefix(manual.PREFIX): (key, value, help)
    for key, value, help in (
        (manual.PROMOTE, "step", "move to the next step (--full: promote to stable now)"),
        (manual.ABORT, "true", "send all traffic back to the stable revision"),
        (manual.PAUSE, "true", "hold the rollout at its current step"),
        (manual.RESUME, "true", "continue a paused rollout"),
        (manual.RETRY, "true", "restart an aborted rollout, or serve a revision an incident held"),
        (manual.SKIP_ANALYSIS, "true", "switch analysis off for this rollout"),
    )
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kubectl agents", description="Inspect and steer AgentDeployments.")
    root.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    root.add_argument("--kubeconfig", help="kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    root.add_argument("--context", help="kubeconfig context")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("status", help="revisions, rollout, last analysis, conditions, incidents").add_argument("name")
    commands.add_parser("history", help="the revisions kept, with their outcome").add_argument("name")
    incidents = commands.add_parser("incidents", help="AgentIncidents (of one agent, or all in the namespace)")
    incidents.add_argument("name", nargs="?")
    commands.add_parser("eval", help="the latest evaluation run of each suite, and its failed cases").add_argument(
        "name"
    )
    diff = commands.add_parser("diff", help="what changed between two revisions, as YAML (prompt first)")
    diff.add_argument("name")
    diff.add_argument("old", nargs="?", help="revision number or hash (default: the one before NEW)")
    diff.add_argument("new", nargs="?", help="revision number or hash (default: the latest one)")
    lint_command = commands.add_parser("lint", help="check AgentDeployment manifests offline")
    lint_command.add_argument("files", nargs="+", type=Path)
    for command, (_, _, text) in ACTIONS.items():
        action = commands.add_parser(command, help=text)
        action.add_argument("name")
        if command == "promote":
            action.add_argument(
                "--full", action="store_true", help="promote to stable at once, skipping the remaining steps"
            )
    rollback = commands.add_parser(
        "rollback", help="serve an earlier revision; the latest is held until a new spec or retry"
    )
    rollback.add_argument("name")
    rollback.add_argument("--to-revision", help="revision number or hash (default: the one before the stable revision)")
    resolve = commands.add_parser("resolve", help="resolve an open incident by hand (lifts its mitigations)")
    resolve.add_argument("name")
    resolve.add_argument("type", help="incident type, e.g. CostSpike")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console(highlight=False, soft_wrap=True)
    try:
        if args.command == "lint":
            return _lint(console, args.files)
        cluster = Cluster(args.kubeconfig, args.context, args.namespace)
        return _run(console, cluster, args)
    except PluginError as error:
        Console(stderr=True, highlight=False).print(f"error: {error}")
        return 1


def _run(console: Console, cluster: Cluster, args: argparse.Namespace) -> int:
    if args.command == "status":
        views.show_status(console, cluster.agent(args.name))
    elif args.command == "history":
        views.show_history(console, cluster.agent(args.name))
    elif args.command == "incidents":
        views.show_incidents(console, cluster.incidents(args.name))
    elif args.command == "eval":
        eval_view.show(console, cluster.agent(args.name), cluster.evaluations(args.name))
    elif args.command == "diff":
        return _diff(console, cluster, args.name, args.old, args.new)
    elif args.command == "rollback":
        target = args.to_revision or _previous(cluster.agent(args.name))
        cluster.annotate(args.name, {manual.ROLLBACK_TO: target})
        console.print(
            f"asked the operator to roll {args.name} back to revision {target}; "
            f"`kubectl agents retry {args.name}` serves the latest again"
        )
    elif args.command == "resolve":
        cluster.annotate(args.name, {manual.RESOLVE: args.type})
        console.print(f"asked the operator to resolve {args.type} on {args.name}")
    else:
        key, value, _ = ACTIONS[args.command]
        cluster.annotate(args.name, {key: "full" if getattr(args, "full", False) else value})
        console.print(
            f"{args.command}: asked the operator ({key}); `kubectl agents status {args.name}` shows the result"
        )
    return 0


def _previous(agent: dict[str, object]) -> str:
    status = agent.get("status") or {}
    assert isinstance(status, dict)
    stable = (status.get("stableRevision") or {}).get("number", 0)
    earlier = [e["number"] for e in status.get("history", []) if e["number"] < stable]
    if not earlier:
        raise PluginError("no revision before the stable one in the history; name one with --to-revision")
    return str(max(earlier))


def _diff(console: Console, cluster: Cluster, name: str, old: str | None, new: str | None) -> int:
    """Like `git diff HEAD~1`: by default what the latest revision changed from the one before it."""
    history = (cluster.agent(name).get("status") or {}).get("history", [])
    if not history:
        raise PluginError(f"{name} has no revision yet")
    newer = _entry(history, name, new) if new else max(history, key=lambda e: e["number"])
    if old:
        older = _entry(history, name, old)
    else:
        earlier = [e for e in history if e["number"] < newer["number"]]
        if not earlier:
            raise PluginError(f"revision {newer['number']} is the first one kept: nothing before it to compare")
        older = max(earlier, key=lambda e: e["number"])
    bundles = []
    for entry in (older, newer):
        config_map = cluster.bundle(name, entry["hash"])
        if config_map is None:
            raise PluginError(f"the bundle of revision {entry['number']} is gone (beyond revisionHistoryLimit)")
        bundles.append(yaml.safe_load(config_map["data"]["bundle.json"]))
    labels = [f"revision {e['number']} ({e['hash']})" for e in (older, newer)]
    console.print(f"{name}: {labels[0]} → {labels[1]}", markup=False)
    for line in views.diff(bundles[0], bundles[1], *labels) or ["(no difference)"]:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        console.print(line, style=style, markup=False)
    return 0


def _entry(history: list[dict[str, Any]], name: str, ref: str) -> dict[str, Any]:
    """The history entry a revision number or hash names."""
    entry = next((e for e in history if str(e["number"]) == ref or e["hash"] == ref), None)
    if entry is None:
        known = ", ".join(f"{e['number']} ({e['hash']})" for e in history) or "none"
        raise PluginError(f"no revision {ref!r} in the history of {name} (kept: {known})")
    return entry


def _lint(console: Console, files: list[Path]) -> int:
    failed = False
    for path in files:
        try:
            documents = [d for d in yaml.safe_load_all(path.read_text()) if is_agent(d)]
        except (OSError, yaml.YAMLError) as error:
            console.print(f"{path}: cannot read: {error}", markup=False)
            failed = True
            continue
        if not documents:
            console.print(f"{path}: no AgentDeployment in it", markup=False)
        for document in documents:
            name = (document.get("metadata") or {}).get("name", "?")
            errors, warnings = lint(document)
            for problem in errors:
                console.print(f"{path}: {name}: error: {problem}", markup=False)
            for warning in warnings:
                console.print(f"{path}: {name}: warning: {warning}", markup=False)
            if not errors and not warnings:
                console.print(f"{path}: {name}: ok", markup=False)
            failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
