"""The chart rendered by the real Helm engine (helm-python-sdk), for the tests that read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "agentops-operator"
KUBE_VERSION = "1.30"


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    chart = helm.Chart.load(str(CHART))
    rendered = chart.render(values or {}, name="agentops", namespace="agentops-system", is_install=True)
    docs: list[dict[str, Any]] = []
    for path, text in sorted(rendered.items()):
        if path.endswith(".yaml"):
            docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def granted(docs: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(group, resource, verb) that a bound role of the rendering grants, in some namespace."""
    bound = {(b["roleRef"]["kind"], b["roleRef"]["name"]) for b in docs if b["kind"].endswith("RoleBinding")}
    rules = set()
    for role in docs:
        if role["kind"] in ("ClusterRole", "Role") and (role["kind"], role["metadata"]["name"]) in bound:
            for rule in role["rules"]:
                for group in rule["apiGroups"]:
                    for resource in rule["resources"]:
                        for verb in rule["verbs"]:
                            rules.add((group, resource, verb))
    return rules
