"""Credentials from a kubeconfig reach the operator's API client. The kubernetes client's loaders
keep a token under "BearerToken" (older releases: "authorization"); reading only the old key made
the operator anonymous on every token-authenticated cluster, in-cluster ServiceAccounts included."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from kubernetes import client as k8s_client

from agentops_operator.adapters.kube.client import bearer_token, connection_from_environment


def write_kubeconfig(path: Path) -> Path:
    """Two contexts: the current one (token user, namespace team-a) and `staging` (another server, team-b)."""
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "c",
                "clusters": [
                    {"name": "k", "cluster": {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True}},
                    {"name": "s", "cluster": {"server": "https://127.0.0.1:7443", "insecure-skip-tls-verify": True}},
                ],
                "users": [{"name": "u", "user": {"token": "s3cr3t-token"}}, {"name": "v", "user": {"token": "other"}}],
                "contexts": [
                    {"name": "c", "context": {"cluster": "k", "user": "u", "namespace": "team-a"}},
                    {"name": "staging", "context": {"cluster": "s", "user": "v", "namespace": "team-b"}},
                ],
            }
        )
    )
    return path


def test_a_token_kubeconfig_gives_the_client_its_token(tmp_path: Path) -> None:
    connection = connection_from_environment(str(write_kubeconfig(tmp_path / "kubeconfig")))
    assert (connection.token, connection.default_namespace, connection.verify) == ("s3cr3t-token", "team-a", False)


def test_a_named_context_brings_its_own_server_user_and_namespace(tmp_path: Path) -> None:
    connection = connection_from_environment(str(write_kubeconfig(tmp_path / "kubeconfig")), context="staging")
    assert (connection.server, connection.token, connection.default_namespace) == (
        "https://127.0.0.1:7443",
        "other",
        "team-b",
    )


@pytest.mark.parametrize(
    ("api_key", "expected"),
    [
        pytest.param({"BearerToken": "Bearer abc"}, "abc", id="current-loaders"),
        pytest.param({"BearerToken": "abc"}, "abc", id="without-prefix"),
        pytest.param({"authorization": "Bearer abc"}, "abc", id="older-loaders"),
        pytest.param({}, None, id="no-token"),
    ],
)
def test_bearer_token_reads_every_key_the_loaders_use(api_key: dict[str, str], expected: str | None) -> None:
    configuration = k8s_client.Configuration()
    configuration.api_key = api_key
    assert bearer_token(configuration) == expected
