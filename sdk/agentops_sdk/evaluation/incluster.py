"""The runner inside the cluster: `agentops-eval --agentevaluation NAMESPACE/NAME` reads its suite
from that AgentEvaluation, runs it, and writes the raw results into the object's status.

It authenticates as its Pod's ServiceAccount (the token and CA the kubelet mounts), which the
operator grants exactly this: get that AgentEvaluation, patch its status, and get the ConfigMap of
its dataset — nothing else. `AGENTOPS_KUBERNETES_URL` points it at an API server from outside a
Pod (tests, a laptop), with `AGENTOPS_SERVICEACCOUNT_DIR` holding `token` and `ca.crt`.
"""

from __future__ import annotations

import os
import ssl
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from .. import contract
from .cases import Case, SuiteError, parse_cases
from .runner import SuiteResult, run_suite
from .suite import suite_from

GROUP_PATH = "/apis/agentops.dev/v1alpha1"
ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def api_client() -> httpx.Client:
    folder = Path(os.environ.get("AGENTOPS_SERVICEACCOUNT_DIR", ACCOUNT_DIR))
    url = os.environ.get("AGENTOPS_KUBERNETES_URL") or (
        f"https://{os.environ['KUBERNETES_SERVICE_HOST']}:{os.environ.get('KUBERNETES_SERVICE_PORT', '443')}"
    )
    token = (folder / "token").read_text().strip()
    ca = folder / "ca.crt"
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca)) if ca.exists() else True
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, verify=verify, timeout=30)


def run_agentevaluation(reference: str, url: str | None) -> tuple[int, SuiteResult | None]:
    """Run the AgentEvaluation `NAMESPACE/NAME`; (exit code, result). Every outcome lands in its status."""
    namespace, _, name = reference.partition("/")
    path = f"{GROUP_PATH}/namespaces/{namespace}/agentevaluations/{name}"
    with api_client() as api:
        response = api.get(path)
        response.raise_for_status()
        spec = response.json()["spec"]
        _patch(api, path, {"startedAt": _now()})
        try:
            suite = suite_from(spec["suite"], url, cases=_configmap_cases(api, namespace, spec["suite"]))
        except SuiteError as error:
            _patch(api, path, {"runnerError": str(error), "finishedAt": _now()})
            print(f"agentops-eval: {reference}: {error}", file=sys.stderr)
            return 2, None
        result = run_suite(suite)
        _patch(api, path, {**status_of(result), "finishedAt": _now()})
    return (1 if result.cases and result.pass_rate is None else 0), result


def _configmap_cases(api: httpx.Client, namespace: str, suite: dict[str, Any]) -> list[Case] | None:
    """The dataset's cases when they are in a ConfigMap (None: inline, read with the suite)."""
    ref = (suite.get("dataset") or {}).get("configMapKeyRef")
    if ref is None:
        return None
    response = api.get(f"/api/v1/namespaces/{namespace}/configmaps/{ref['name']}")
    if response.status_code in (403, 404):
        raise SuiteError(f"dataset.configMapKeyRef: ConfigMap {ref['name']!r} cannot be read ({response.status_code})")
    response.raise_for_status()
    text = (response.json().get("data") or {}).get(ref["key"])
    if text is None:
        raise SuiteError(f"dataset.configMapKeyRef: ConfigMap {ref['name']!r} has no key {ref['key']!r}")
    return parse_cases(text, f"ConfigMap {ref['name']} key {ref['key']}")


def status_of(result: SuiteResult) -> dict[str, Any]:
    ordered = result.worst_first()
    listed = ordered[: contract.EVALUATION_CASES_IN_STATUS]
    return {
        "passed": result.count("passed"),
        "failed": result.count("failed"),
        "errors": result.count("error"),
        "notRun": result.not_run,
        "passRate": result.pass_rate,
        "cases": [
            {"id": c.id, "outcome": c.outcome, "detail": (c.error or "; ".join(c.problems))[:500]} for c in listed
        ],
        "casesOmitted": len(ordered) - len(listed),
    }


def _patch(api: httpx.Client, path: str, status: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/merge-patch+json"}
    api.patch(f"{path}/status", json={"status": status}, headers=headers).raise_for_status()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
