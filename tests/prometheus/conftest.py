"""A real Prometheus (Debian's `prometheus` binary) on 127.0.0.1, scraping exporters the tests
start, with a temporary data dir and a 1 s scrape interval. Stopped after the test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RealPrometheus:
    url: str
    config: Path
    process: subprocess.Popen[bytes]

    def scrape(self, targets: list[str]) -> None:
        """Point Prometheus at these exporters (live reload) and wait until it has scraped them."""
        self.config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [{"job_name": "agents", "scrape_interval": "1s", "static_configs": [{"targets": targets}]}],
        }))  # fmt: skip
        httpx.post(f"{self.url}/-/reload", timeout=10).raise_for_status()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            up = httpx.get(f"{self.url}/api/v1/query", params={"query": "up == 1"}, timeout=5).json()["data"]["result"]
            if len({r["metric"]["instance"] for r in up} & set(targets)) == len(targets):
                return
            time.sleep(0.2)
        raise AssertionError(f"Prometheus never scraped {targets}")


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealPrometheus]:
    tmp_path = tmp_path_factory.mktemp("prometheus")
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("the prometheus binary is missing: `apt-get install prometheus` (.ci/run does)")
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({"global": {"scrape_interval": "1s"}, "scrape_configs": []}))
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
         "--web.enable-lifecycle", "--storage.tsdb.retention.time=1h"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError("Prometheus did not start: " + (tmp_path / "prometheus.log").read_text()[-2000:])
            time.sleep(0.1)
        yield RealPrometheus(url, config, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
