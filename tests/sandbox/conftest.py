"""The stand-in's contract tests run on the real control plane too: a contract the stand-in keeps
is only worth something if a real kube-apiserver keeps it the same way. Each test that takes
`apiserver` (directly or through `api`, `kubeconfig`, `kubectl`) runs once per server; a test that
describes a known, documented divergence is marked `standin_only` with the reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import SERVERS, Server, server_for


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "apiserver" not in metafunc.fixturenames:
        return
    servers = SERVERS
    if metafunc.definition.get_closest_marker("standin_only"):
        servers = [s for s in servers if s == "standin"]
    metafunc.parametrize("apiserver", servers, indirect=True)


@pytest.fixture
def apiserver(request: pytest.FixtureRequest) -> Iterator[Server]:
    yield from server_for(request, bookmark_interval=0.5)
