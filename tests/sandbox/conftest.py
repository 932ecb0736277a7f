"""The stand-in's contract tests run on the real control plane too: a contract the stand-in keeps
is only worth something if a real kube-apiserver keeps it the same way. Every test that takes
`apiserver` runs once per server; a test of something only the stand-in has (its simulator switch,
its protobuf refusal, its bookmark interval) is marked `standin_only` with the reason, and
docs/development/stand-in-divergences.md lists what differs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Server, parametrize_servers, server_for


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_servers(metafunc)


@pytest.fixture
def apiserver(request: pytest.FixtureRequest) -> Iterator[Server]:
    yield from server_for(request, bookmark_interval=0.5)
