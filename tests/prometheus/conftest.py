"""A real Prometheus (Debian's `prometheus` binary) on 127.0.0.1 for the module, scraping the
exporters the tests start; stopped after the module. Skipped with the install hint when missing.
Tests that take `apiserver` run on both API servers (see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentops_sandbox.testing.prometheus import LocalPrometheus, PrometheusMissing
from tests.conftest import Server, parametrize_servers, server_for


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_servers(metafunc)


@pytest.fixture
def apiserver(request: pytest.FixtureRequest) -> Iterator[Server]:
    yield from server_for(request, simulate_deployments=True, deployment_delay=0.2)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPrometheus]:
    try:
        with LocalPrometheus(tmp_path_factory.mktemp("prometheus")) as running:
            yield running
    except PrometheusMissing as missing:
        pytest.skip(f"{missing} (.ci/run does)")
