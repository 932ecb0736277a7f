"""End-to-end tests need a real cluster from the current kubeconfig; they are skipped, with the
reason, when none answers. Select them with `-m e2e` (they are deselected by default)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from agentops_operator.adapters.kube.client import connection_from_environment


@pytest.fixture(scope="session")
def real_kubeconfig() -> Path:
    path = Path(os.environ.get("KUBECONFIG", Path.home() / ".kube" / "config"))
    if not path.exists():
        pytest.skip(f"no kubeconfig at {path}: create a cluster with `kind create cluster --config kind-config.yaml`")
    try:
        connection = connection_from_environment(str(path))
        verify = connection.ca_path if connection.ca_path else connection.verify
        headers = {"Authorization": f"Bearer {connection.token}"} if connection.token else {}
        httpx.get(
            f"{connection.server}/version", verify=verify, cert=connection.cert, headers=headers, timeout=3
        ).raise_for_status()
    except Exception as error:
        pytest.skip(
            f"the cluster in {path} does not answer ({error}); start it with `kind create cluster "
            "--config kind-config.yaml`"
        )
    return path
