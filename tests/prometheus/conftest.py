"""A real Prometheus (Debian's `prometheus` binary) on 127.0.0.1 for the module, scraping the
exporters the tests start; stopped after the module. Skipped with the install hint when missing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentops_operator.demo.prometheus import LocalPrometheus, PrometheusMissing


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPrometheus]:
    try:
        with LocalPrometheus(tmp_path_factory.mktemp("prometheus")) as running:
            yield running
    except PrometheusMissing as missing:
        pytest.skip(f"{missing} (.ci/run does)")
