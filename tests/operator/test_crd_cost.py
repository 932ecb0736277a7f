"""The generated CRDs fit kube-apiserver's CEL cost budget, judged by the real server's own estimator
(the stand-in estimates no cost: docs/development/stand-in-divergences.md). Every rule over a list or map needs
that list bounded; without `maxItems` the server refuses the whole CRD, so it would not install."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
GROUP = "costcheck.agentops.dev"  # its own group: the installed CRDs stay as they are


def renamed(crd: dict[str, Any]) -> dict[str, Any]:
    crd = copy.deepcopy(crd)
    crd["spec"]["group"] = GROUP
    crd["metadata"]["name"] = f"{crd['spec']['names']['plural']}.{GROUP}"
    return crd


@pytest.mark.kube_only
def test_the_crds_fit_the_real_servers_cel_cost_budget(api: httpx.Client) -> None:
    agents = {}
    for path in sorted((ROOT / "crds").glob("*.yaml")):
        crd = renamed(yaml.safe_load(path.read_text()))
        created = api.post(CRDS, json=crd)
        assert created.status_code == 201, (path.name, created.text[:500])
        assert api.delete(f"{CRDS}/{crd['metadata']['name']}").status_code == 200
        if crd["spec"]["names"]["kind"] == "AgentDeployment":
            agents = crd
    # The check is live: one list left unbounded, with a rule that compares its items pairwise.
    quadratic = copy.deepcopy(agents)
    spec = quadratic["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    del spec["properties"]["runbooks"]["maxItems"]
    spec.setdefault("x-kubernetes-validations", []).append(
        {"rule": "self.runbooks.all(r, self.runbooks.exists_one(s, s.type == r.type))", "message": "unique types"}
    )
    refused = api.post(CRDS, json=quadratic)
    assert refused.status_code == 422 and "estimated rule cost exceeds budget" in refused.text, refused.text[:500]
