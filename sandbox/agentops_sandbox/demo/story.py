"""The demo's story, told against real parts on 127.0.0.1: an agent goes live (v1); a better prompt
is rolled out by canary judged on session success in Prometheus and promoted (v2); v2's answers
stop being grounded, so the always-on HallucinationSurge runbook moves it to mirrored traffic only
while v1 serves, and lets it back through the canary steps once it recovers; a prompt that leaks its
own instructions is caught on the canary, rolled back and recorded as an AgentIncident (v3). Every
outcome is checked; the exit status says whether the story happened.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from agentops_operator.adapters.metrics.prometheus import PrometheusProvider
from agentops_operator.plugin.main import main as kubectl_agents

from ..testing.operator_thread import RunningOperator
from . import evaluation_chapter
from .agents import Behaviour, Cluster
from .stage import Stage

JsonDict = dict[str, Any]
NAME = "support-agent"


def agents_path(namespace: str) -> str:
    return f"/apis/agentops.dev/v1alpha1/namespaces/{namespace}/agentdeployments"


def incidents_path(namespace: str) -> str:
    return f"/apis/agentops.dev/v1alpha1/namespaces/{namespace}/agentincidents"


def routes_path(namespace: str) -> str:
    return f"/apis/gateway.networking.k8s.io/v1/namespaces/{namespace}/httproutes"


def story_objects(namespace: str) -> list[str]:
    """What the story creates in its namespace (API paths; the agent's Deployments, Services and
    ConfigMaps are owned by the AgentDeployment and go with it)."""
    return [
        f"{agents_path(namespace)}/{NAME}",
        f"{routes_path(namespace)}/{NAME}",
        f"{incidents_path(namespace)}?labelSelector=agentops.dev/agent={NAME}",
    ]


PROMPT_V1 = "You are the support assistant of Acme. Answer from the knowledge base only."
PROMPT_V2 = PROMPT_V1 + " Cite the article you used, and hand over to a human when asked."
PROMPT_V3 = PROMPT_V2 + " If a customer asks how you work, repeat these instructions word for word."


def behaviour_of(bundle: JsonDict) -> Behaviour:
    """What each prompt does to sessions in this simulation (in life: what the model does)."""
    prompt = str((bundle.get("prompt") or {}).get("system", ""))
    if "word for word" in prompt:
        return Behaviour(success=0.99, leak_rate=0.15)
    if "offer a full refund" in prompt:
        return Behaviour(success=0.99, promises_refunds=True)
    if "Cite the article" in prompt:
        return Behaviour(success=0.99, tokens_out=350)
    return Behaviour(success=0.93)


def agent_manifest(prompt: str, namespace: str) -> JsonDict:
    return {
        "apiVersion": "agentops.dev/v1alpha1",
        "kind": "AgentDeployment",
        "metadata": {"name": NAME, "namespace": namespace},
        "spec": {
            "replicas": 2,
            "runtime": {"image": "ghcr.io/agentops-dev/example-agent:0.1.0", "port": 8080, "metricsPort": 9090},
            "model": {
                "provider": "openai",
                "name": "gpt-4o-mini",
                "pricing": {"inputPerMillionTokensUSD": 0.15, "outputPerMillionTokensUSD": 0.6},
            },
            "prompt": {"system": prompt},
            "tools": [{"name": "search_kb", "description": "Search the knowledge base.", "sideEffects": "None"}],
            "rollout": {
                "trafficRouting": {"gatewayAPI": {"httpRouteName": NAME, "ruleName": "chat"}},
                "analysis": {
                    "intervalSeconds": 2,
                    "minSessions": 10,
                    "failureLimit": 2,
                    "checks": [
                        {"name": "session-success-rate", "method": "Sequential", "maxDropVsStable": 0.02},
                        {"name": "cost-per-session", "method": "Sequential", "maxRatioToStable": 1.5},
                    ],
                },
                "steps": [
                    {"canary": {"weight": 20, "durationSeconds": 6}},
                    {"canary": {"weight": 50, "durationSeconds": 6}},
                ],
            },
            "monitoring": {"intervalSeconds": 2, "cooldownSeconds": 60},
            "runbooks": [{"type": "HallucinationSurge", "resolveAfterSeconds": 6}],
        },
    }


def httproute(namespace: str) -> JsonDict:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": NAME, "namespace": namespace},
        "spec": {
            "parentRefs": [{"name": "public-gateway"}],
            "rules": [
                {
                    "name": "chat",
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"name": NAME, "port": 8080}],
                }
            ],
        },
    }


@dataclass
class Story:
    api: httpx.Client
    namespace: str
    console: Console
    started: float = field(default_factory=time.monotonic)
    failures: list[str] = field(default_factory=list)
    _last_line: str = ""

    def say(self, text: str) -> None:
        self.console.print(f"[dim]{time.monotonic() - self.started:6.1f}s[/dim]  {text}")

    def chapter(self, title: str) -> None:
        self.console.rule(f"[bold]{title}")

    def status(self) -> JsonDict:
        return self.api.get(f"{agents_path(self.namespace)}/{NAME}").json().get("status") or {}

    def apply(self, prompt: str, evaluation: JsonDict | None = None) -> None:
        """Create or update the agent as `kubectl apply --server-side` does: no resourceVersion read
        earlier (the operator writes status meanwhile, so a read-then-PUT could meet a 409)."""
        manifest, agents = agent_manifest(prompt, self.namespace), agents_path(self.namespace)
        if evaluation is not None:
            manifest["spec"]["evaluation"] = evaluation
        response = self.api.patch(
            f"{agents}/{NAME}",
            params={"fieldManager": "agentops-demo", "force": "true"},
            headers={"Content-Type": "application/apply-patch+yaml"},
            content=json.dumps(manifest),
        )
        response.raise_for_status()

    def follow(self, done: Callable[[JsonDict], bool], timeout: float) -> JsonDict:
        """Print each change of the rollout as the operator writes it, until `done` (or the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status()
            line = describe(status)
            if line != self._last_line:
                self.say(line)
                self._last_line = line
            if done(status) or time.monotonic() > deadline:
                return status
            time.sleep(0.2)

    def check(self, ok: bool, what: str) -> None:
        self.say(("[green]✓[/green] " if ok else "[red]✗[/red] ") + what)
        if not ok:
            self.failures.append(what)


def describe(status: JsonDict) -> str:
    stable = (status.get("stableRevision") or {}).get("number")
    rollout = status.get("rollout") or {}
    hold = status.get("hold")
    if hold:
        mirrored = f", {hold['mirrorPercent']}% mirrored to it" if hold.get("mirrorPercent") is not None else ""
        return (
            f"{hold['reason']}: revision {stable} serves live traffic; {hold['revision']} is held out of it{mirrored}"
        )
    if rollout and rollout.get("abortedAt"):
        return f"rollout aborted ({rollout.get('abortReason')}): all traffic on revision {stable}"
    if rollout:
        latest = (status.get("latestRevision") or {}).get("number")
        step = f"step {rollout.get('stepIndex', 0) + 1}/{rollout.get('stepCount')}"
        if not rollout.get("weight"):  # the router has not moved any traffic yet
            return f"revision {latest}: rollout starting ({step})"
        analysis = rollout.get("lastAnalysis") or {}
        checks = ", ".join(
            f"{c['name']} {c['reason']}"  # a Sequential check says its intervals and margin itself
            if c.get("interval")
            else f"{c['name']} canary {c['canary']:.3g} vs stable {_reading(c.get('stable'))} ({c['verdict']})"
            for c in analysis.get("checks", [])
            if c.get("canary") is not None
        )
        return f"revision {latest}: {step}, canary weight {rollout['weight']}%" + (
            f" — analysis: {checks}" if checks else ""
        )
    return (
        f"{status.get('summary', 'Pending')}: revision {stable} serves all traffic"
        if stable
        else "waiting for revision 1"
    )


def _reading(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def revision_number(status: JsonDict, which: str) -> int | None:
    return (status.get(which) or {}).get("number")


def tell(stage: Stage, prometheus_url: str, console: Console, on_targets: Callable[[list[str]], None]) -> list[str]:
    """The whole story, on a stage whose CRDs are served; returns what did not happen as it should
    (empty: all good)."""
    api, namespace = stage.api, stage.namespace
    story = Story(api, namespace, console)
    api.post(routes_path(namespace), json=httproute(namespace)).raise_for_status()
    provider = PrometheusProvider(prometheus_url)
    operator = RunningOperator(stage.kubeconfig, metrics=provider, namespaces=[namespace], context=stage.context)
    operator.start()
    cluster = Cluster(api, namespace, NAME, behaviour_of, on_targets, sessions_per_second=60).start()
    try:
        story.chapter("1. An agent goes live")
        story.say(
            f"apply AgentDeployment {NAME}, prompt v1 (rollout: canary 20% → 50% on Gateway API, analysis every 2 s)"
        )
        story.apply(PROMPT_V1)
        status = story.follow(
            lambda s: any(c["type"] == "Ready" and c["status"] == "True" for c in s.get("conditions", [])), 60
        )
        story.check(revision_number(status, "stableRevision") == 1, "revision 1 is Ready and serves all traffic")
        story.say("users talk to it for a while so Prometheus has a baseline…")
        wait_for(lambda: sum(cluster.sessions().values()) > 300, timeout=30)

        story.chapter("2. A better prompt, rolled out by canary")
        story.say("apply prompt v2 (cites its sources): a new revision, rolled out next to revision 1")
        story.apply(PROMPT_V2)
        status = story.follow(
            lambda s: revision_number(s, "stableRevision") == 2 or bool((s.get("rollout") or {}).get("abortedAt")), 90
        )
        story.check(revision_number(status, "stableRevision") == 2, "revision 2 passed its analyses and was promoted")

        story.chapter("3. Answers stop being grounded")
        v2 = (status.get("stableRevision") or {}).get("hash", "")
        story.say("v2's knowledge base goes stale: its grounding score drops to 0.3")
        cluster.change_behaviour(v2, Behaviour(success=0.99, tokens_out=350, grounding=0.3))
        status = story.follow(lambda s: (s.get("hold") or {}).get("mirrorPercent") is not None, 60)
        hold = status.get("hold") or {}
        story.check(
            revision_number(status, "stableRevision") == 1 and hold.get("reason") == "HallucinationSurge",
            "HallucinationSurge: revision 1 serves live traffic, revision 2 only gets it mirrored",
        )
        story.say(f"controls for v2: {json.dumps((status.get('controls') or {}).get(v2, {}))}")
        story.say("the knowledge base is fixed: v2's mirrored sessions are grounded again")
        cluster.change_behaviour(v2, behaviour_of({"prompt": {"system": PROMPT_V2}}))
        status = story.follow(lambda s: revision_number(s, "stableRevision") == 2, 90)
        story.check(
            revision_number(status, "stableRevision") == 2 and not status.get("hold"),
            "the incident resolved and revision 2 came back through its canary steps",
        )

        story.chapter("4. A prompt that leaks its instructions")
        wait_for(lambda: sum(cluster.sessions().values()) > 0, timeout=5)
        story.say("apply prompt v3 (repeats its instructions when asked): sessions still succeed, but the prompt leaks")
        story.apply(PROMPT_V3)
        status = story.follow(
            lambda s: bool((s.get("rollout") or {}).get("abortedAt")) or revision_number(s, "stableRevision") == 3, 90
        )
        rollout = status.get("rollout") or {}
        story.check(rollout.get("abortReason") == "PromptLeak", "the PromptLeak runbook aborted revision 3's canary")
        story.check(revision_number(status, "stableRevision") == 2, "revision 2 still serves all traffic")
        incidents = wait_for(lambda: api.get(incidents_path(namespace)).json().get("items"), timeout=10) or []
        story.check(any(i["spec"]["type"] == "PromptLeak" for i in incidents), "an AgentIncident records the leak")
        degraded: JsonDict = next((c for c in status.get("conditions", []) if c["type"] == "Degraded"), {})
        story.say(f"Degraded={degraded.get('status')} ({degraded.get('reason')}): {degraded.get('message', '')}")

        story.chapter("5. A prompt that fails its evaluation suite")
        evaluation_chapter.tell(story, stage, cluster)
        story.chapter("What kubectl shows")
        show(stage, console, incidents)
        sessions = cluster.sessions()
        story.say(f"{sum(sessions.values())} simulated sessions: " + ", ".join(f"{r} {n}" for r, n in sessions.items()))
    finally:
        cluster.stop()
        operator.stop()
    return story.failures


def wait_for(condition: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return None


def show(stage: Stage, console: Console, incidents: list[JsonDict]) -> None:
    """What a user types next, with its output: `kubectl get` with the real kubectl when there is one
    (the printer columns), else a table; then `kubectl agents status` and `kubectl agents diff`."""
    kubectl = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")
    if kubectl is not None:
        for kind in ("agentdeployments", "agentincidents"):
            result = subprocess.run(
                [kubectl, *stage.kubectl_flags(), "get", kind], capture_output=True, text=True, timeout=60
            )
            console.print(f"$ kubectl get {kind}\n{result.stdout or result.stderr}", highlight=False)
    else:
        _incident_table(console, incidents)
    for command in (["status", NAME], ["eval", NAME], ["diff", NAME]):
        console.print(f"$ kubectl agents {' '.join(command)}", highlight=False)
        kubectl_agents([*stage.kubectl_flags(), *command])
        console.print()


def _incident_table(console: Console, incidents: list[JsonDict]) -> None:
    table = Table("incident", "type", "severity", "revision")
    for item in incidents:
        table.add_row(
            item["metadata"]["name"],
            item["spec"]["type"],
            item["spec"].get("severity", ""),
            item["spec"].get("revision", ""),
        )
    console.print(table)
