"""A real Prometheus (Debian's `prometheus` binary) on 127.0.0.1 with a temporary data directory
and a 1 s scrape interval, pointed at exporters by live reload. Used by the demo and the tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import yaml
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from .processes import free_port


class PrometheusMissing(RuntimeError):
    pass


class LocalPrometheus:
    """Start with `with LocalPrometheus() as prometheus:`; `scrape(targets)` points it at exporters."""

    def __init__(self, workdir: Path | None = None) -> None:
        self._tmp = None if workdir is not None else tempfile.TemporaryDirectory(prefix="agentops-prometheus-")
        self.workdir = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.config = self.workdir / "prometheus.yml"
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LocalPrometheus:
        binary = shutil.which("prometheus")
        if binary is None:
            raise PrometheusMissing("the prometheus binary is missing: `apt-get install prometheus`")
        port = free_port()
        self.config.write_text(yaml.safe_dump({"global": {"scrape_interval": "1s"}, "scrape_configs": []}))
        log_path = self.workdir / "prometheus.log"
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={self.config}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--web.enable-lifecycle",
                    "--storage.tsdb.retention.time=1h",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError("Prometheus did not start: " + log_path.read_text()[-2000:])
            time.sleep(0.1)

    def scrape(self, targets: list[str], wait: bool = True) -> None:
        """Point Prometheus at these exporters (live reload); with `wait`, until it has scraped them all."""
        self.config.write_text(
            yaml.safe_dump(
                {
                    "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                    "scrape_configs": [
                        {"job_name": "agents", "scrape_interval": "1s", "static_configs": [{"targets": targets}]}
                    ],
                }
            )
        )
        httpx.post(f"{self.url}/-/reload", timeout=10).raise_for_status()
        deadline = time.monotonic() + 30
        while wait and time.monotonic() < deadline:
            up = httpx.get(f"{self.url}/api/v1/query", params={"query": "up == 1"}, timeout=5).json()["data"]["result"]
            if len({r["metric"]["instance"] for r in up} & set(targets)) == len(targets):
                return
            time.sleep(0.2)
        if wait:
            raise RuntimeError(f"Prometheus never scraped {targets}")

    def scraped_since(self, targets: list[str], since: float, scrapes: int = 2, timeout: float = 30) -> None:
        """Wait until Prometheus has scraped every target at least `scrapes` times after the Unix time
        `since` (1 s interval: its newest sample is `scrapes - 1` seconds past the first one after it)."""
        deadline = time.monotonic() + timeout
        selector = "|".join(targets)
        while time.monotonic() < deadline:
            query = f'timestamp(up{{instance=~"{selector}"}})'
            result = httpx.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=5).json()["data"]["result"]
            newest = {r["metric"]["instance"]: float(r["value"][1]) for r in result}
            if set(newest) >= set(targets) and min(newest.values()) >= since + scrapes:
                return
            time.sleep(0.2)
        raise RuntimeError(f"Prometheus did not scrape {targets} {scrapes} times after {since}")

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._tmp is not None:
            self._tmp.cleanup()


def serve_metrics(registry: CollectorRegistry | None = None) -> tuple[Any, int]:
    """A /metrics endpoint on 127.0.0.1 and the port it got: bound to port 0 by the server itself, so
    no other process can take the port between choosing and binding it. Returns (server, port)."""
    server, _ = start_http_server(0, addr="127.0.0.1", registry=registry or REGISTRY)
    return server, int(server.server_port)
