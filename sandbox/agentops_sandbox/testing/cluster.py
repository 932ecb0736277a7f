"""A real Kubernetes control plane on 127.0.0.1, for tests and for trying the operator without a
container engine: etcd, kube-apiserver (client-certificate authentication, RBAC authorization,
the default admission plugins), kube-controller-manager (Deployments -> ReplicaSets -> Pods,
garbage collection, namespaces, Jobs, service accounts), kube-scheduler, and kwok playing fake
nodes and Pods so that Pods become Running/Ready and Deployments Available without a kubelet.

The binaries come from `scripts/build-control-plane` (cached under ~/.cache/agentops/kube/<version>).
`python -m agentops_sandbox.testing up` starts one by hand and prints its kubeconfig.

Nothing ever connects to the fake node and Pod addresses; they are stored in the API only."""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import ssl
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import yaml

from .certs import Authority, KeyPair, service_account_keys
from .processes import Child, free_port

# Keep in step with scripts/build-control-plane (a unit test checks they agree).
KUBE_VERSION = "v1.37.2"
BINARIES = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
    "kwok-stages.yaml",
    "gateway-api-httproutes.yaml",
)
SERVICE_RANGE = "10.96.0.0/16"
KUBERNETES_SERVICE_IP = "10.96.0.1"
POD_RANGE = "10.244.0.1/16"
KWOK_SELECTOR = "kwok.x-k8s.io/node=fake"
NODE_INFO = {"architecture": "amd64", "operatingSystem": "linux", "kubeletVersion": "fake"}


class ControlPlaneMissing(RuntimeError):
    """The binaries are not built on this machine."""


def binaries_dir() -> Path:
    if explicit := os.environ.get("AGENTOPS_KUBE_BIN"):
        return Path(explicit)
    cache = Path(os.environ.get("AGENTOPS_KUBE_CACHE", Path.home() / ".cache" / "agentops" / "kube"))
    return cache / os.environ.get("AGENTOPS_KUBE_VERSION", KUBE_VERSION) / "bin"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def fake_node(name: str) -> dict[str, Any]:
    """A Node that kwok keeps Ready (its annotation selects it), with room for many Pods."""
    resources = {"cpu": "64", "memory": "512Gi", "pods": "3000"}  # benchmarks: 2 operators x 1,000+ agents
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"node.alpha.kubernetes.io/ttl": "0", KWOK_SELECTOR.split("=")[0]: "fake"},
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "type": "kwok"},
        },
        "status": {"allocatable": resources, "capacity": resources, "nodeInfo": NODE_INFO},
    }


class LocalControlPlane:
    """Start with `with LocalControlPlane() as cluster:`; `cluster.kubeconfig` is an admin kubeconfig
    (system:masters), `cluster.user_kubeconfig(...)` makes others, `cluster.client()` an httpx client."""

    def __init__(
        self,
        workdir: Path | None = None,
        nodes: int = 2,
        binaries: Path | None = None,
        audit: bool = False,
        audit_users: tuple[str, ...] = (),
        unlimited_controllers: bool = False,
    ) -> None:
        self.bin = binaries or binaries_dir()
        missing = [b for b in BINARIES if not (self.bin / b).exists()]
        if missing:
            raise ControlPlaneMissing(
                f"the real control plane is not built ({', '.join(missing)} missing in {self.bin}): "
                "run scripts/build-control-plane (needs Go >= 1.26; scripts/test runs it when Go is present)"
            )
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="agentops-kube-")
        self.dir = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.dir.mkdir(parents=True, exist_ok=True)
        self.logs = self.dir / "logs"
        self.logs.mkdir(exist_ok=True)
        self.nodes = nodes
        # As kwokctl's --disable-qps-limits: the controller manager and scheduler talk to the API server
        # without their default client rate limits (20 and 50 requests/s), for scale benchmarks, where
        # those limits and not the code under test would set the pace.
        self._controller_qps = ["--kube-api-qps=5000", "--kube-api-burst=10000"] if unlimited_controllers else []
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.children: list[Child] = []
        self.kubeconfig = self.dir / "admin.kubeconfig"
        self.audit_log = self.dir / "logs" / "audit.jsonl" if audit or audit_users else None
        self.audit_users = audit_users  # every request of these users is logged, reads included
        self.started_in = 0.0

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> LocalControlPlane:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> LocalControlPlane:
        began = time.monotonic()
        try:
            self._pki()
            etcd = self._start_etcd()
            self._start_apiserver(etcd)
            self._start_controllers()
            self._start_kwok()
            self._add_nodes()
            self._install_gateway_api()
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- identities ------------------------------------------------------------------------------
    def _pki(self) -> None:
        pki = self.dir / "pki"
        self.authority = Authority(pki)
        self.serving = self.authority.serving(["127.0.0.1", KUBERNETES_SERVICE_IP])
        self.service_accounts = service_account_keys(pki)
        self.admin = self.authority.client("kubernetes-admin", ["system:masters"])
        self._write_kubeconfig(self.kubeconfig, self.admin)

    def _write_kubeconfig(self, path: Path, pair: KeyPair | None = None, token: str | None = None) -> Path:
        user: dict[str, str] = {"token": token} if token else {}
        if pair:
            user = {"client-certificate-data": _b64(pair.cert), "client-key-data": _b64(pair.key)}
        cluster = {"server": self.url, "certificate-authority-data": _b64(self.authority.pair.cert)}
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "local", "cluster": cluster}],
            "users": [{"name": "user", "user": user}],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": "user", "namespace": "default"}}],
            "current-context": "local",
        }
        path.write_text(yaml.safe_dump(config))
        path.chmod(0o600)
        return path

    def user_kubeconfig(self, path: Path, user: str, groups: list[str] | None = None) -> Path:
        """A kubeconfig that authenticates as `user` in `groups` by client certificate."""
        return self._write_kubeconfig(path, self.authority.client(user, groups))

    def token_kubeconfig(self, path: Path, token: str) -> Path:
        """A kubeconfig that authenticates with a bearer token (e.g. a ServiceAccount's TokenRequest)."""
        return self._write_kubeconfig(path, token=token)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client for the API as the admin."""
        tls = ssl.create_default_context(cafile=str(self.authority.pair.cert))
        tls.load_cert_chain(str(self.admin.cert), str(self.admin.key))
        return httpx.Client(base_url=self.url, verify=tls, **kwargs)

    # -- components ------------------------------------------------------------------------------
    def _spawn(self, name: str, *args: str) -> Child:
        child = Child(name, [str(self.bin / name), *args], self.logs)
        self.children.append(child)
        return child

    def _start_etcd(self) -> str:
        client, peer = free_port(), free_port()
        url, peer_url = f"http://127.0.0.1:{client}", f"http://127.0.0.1:{peer}"
        etcd = self._spawn(
            "etcd",
            f"--data-dir={self.dir / 'etcd'}",
            f"--listen-client-urls={url}",
            f"--advertise-client-urls={url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            "--unsafe-no-fsync",
            "--log-level=warn",
        )
        etcd.wait_until(lambda: httpx.get(f"{url}/health", timeout=2).json().get("health") == "true", "healthy")
        return url

    def _start_apiserver(self, etcd: str) -> None:
        pki, sa = self.authority.pair, self.service_accounts
        apiserver = self._spawn(
            "kube-apiserver",
            f"--etcd-servers={etcd}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            f"--tls-cert-file={self.serving.cert}",
            f"--tls-private-key-file={self.serving.key}",
            f"--client-ca-file={pki.cert}",
            "--authorization-mode=RBAC",
            f"--service-cluster-ip-range={SERVICE_RANGE}",
            "--endpoint-reconciler-type=none",  # it refuses a loopback advertise address; nothing in-cluster calls it
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={sa.cert}",
            f"--service-account-signing-key-file={sa.key}",
            f"--cert-dir={self.dir / 'pki'}",
            "--allow-privileged=true",
            "--profiling=false",
            "--v=0",
            *self._audit_flags(),
        )
        with self.client(timeout=2) as api:
            apiserver.wait_until(lambda: api.get("/readyz").status_code == 200, "ready", timeout=90)

    def _audit_flags(self) -> list[str]:
        """With `audit=True`, every write (who, verb, object) goes to `audit_log` as JSON lines, and every
        request of `audit_users` (reads too, once each, when complete): the benchmarks count an
        operator's requests there."""
        if self.audit_log is None:
            return []
        policy = self.dir / "audit-policy.yaml"
        policy.write_text(
            json.dumps(
                {
                    "apiVersion": "audit.k8s.io/v1",
                    "kind": "Policy",
                    "omitStages": ["RequestReceived", "ResponseStarted"],
                    "rules": [
                        *([{"level": "Metadata", "users": list(self.audit_users)}] if self.audit_users else []),
                        {"level": "Metadata", "verbs": ["create", "update", "patch", "delete", "deletecollection"]},
                        {"level": "None"},
                    ],
                }
            )
        )
        return [
            f"--audit-policy-file={policy}",
            f"--audit-log-path={self.audit_log}",
            "--audit-log-format=json",
            "--audit-log-mode=blocking",
            "--audit-log-maxsize=0",
        ]

    def _start_controllers(self) -> None:
        pki, sa = self.authority.pair, self.service_accounts
        kcm = self._write_kubeconfig(
            self.dir / "kcm.kubeconfig", self.authority.client("system:kube-controller-manager")
        )
        self._controller_manager = self._spawn(
            "kube-controller-manager",
            f"--kubeconfig={kcm}",
            f"--authentication-kubeconfig={kcm}",
            f"--authorization-kubeconfig={kcm}",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            "--leader-elect=false",
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={sa.key}",
            f"--root-ca-file={pki.cert}",
            f"--cluster-signing-cert-file={pki.cert}",
            f"--cluster-signing-key-file={pki.key}",
            *self._controller_qps,
            "--v=0",
        )
        scheduler = self._write_kubeconfig(
            self.dir / "scheduler.kubeconfig", self.authority.client("system:kube-scheduler")
        )
        self._spawn(
            "kube-scheduler",
            f"--kubeconfig={scheduler}",
            f"--authentication-kubeconfig={scheduler}",
            f"--authorization-kubeconfig={scheduler}",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            "--leader-elect=false",
            *self._controller_qps,
            "--v=0",
        )

    def _start_kwok(self) -> None:
        kwok = self._write_kubeconfig(self.dir / "kwok.kubeconfig", self.authority.client("kwok", ["system:masters"]))
        self._kwok = self._spawn(
            "kwok",
            f"--kubeconfig={kwok}",
            f"--config={self.bin / 'kwok-stages.yaml'}",
            "--manage-all-nodes=false",
            f"--manage-nodes-with-annotation-selector={KWOK_SELECTOR}",
            f"--cidr={POD_RANGE}",
            "--node-ip=10.240.0.1",
            f"--server-address=127.0.0.1:{free_port()}",
            "--node-lease-duration-seconds=40",
        )

    def _add_nodes(self) -> None:
        with self.client(timeout=10) as api:
            for n in range(self.nodes):
                response = api.post("/api/v1/nodes", json=fake_node(f"kwok-node-{n}"))
                assert response.status_code in (201, 409), response.text

            def nodes_ready() -> bool:
                items = api.get("/api/v1/nodes").json()["items"]
                ready = [
                    n
                    for n in items
                    if any(
                        c["type"] == "Ready" and c["status"] == "True"
                        for c in n.get("status", {}).get("conditions", [])
                    )
                ]
                return len(ready) >= self.nodes

            self._kwok.wait_until(nodes_ready, "nodes Ready")
            accounts = "/api/v1/namespaces/default/serviceaccounts/default"
            self._controller_manager.wait_until(
                lambda: api.get(accounts).status_code == 200, "the default ServiceAccount"
            )

    def _install_gateway_api(self) -> None:
        """The real Gateway API HTTPRoute CRD (experimental channel), as a cluster with a Gateway API
        implementation has it."""
        crd = yaml.safe_load((self.bin / "gateway-api-httproutes.yaml").read_text())
        with self.client(timeout=30) as api:
            response = api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd)
            assert response.status_code in (201, 409), response.text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentops_sandbox.testing", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up"], help="start the control plane and keep it up until Ctrl-C")
    parser.add_argument("--dir", type=Path, help="working directory (certificates, etcd data, logs, kubeconfig)")
    parser.add_argument("--nodes", type=int, default=2, help="kwok nodes (default 2)")
    args = parser.parse_args(argv)
    workdir = args.dir or Path(tempfile.gettempdir()) / "agentops-kube"
    shutil.rmtree(workdir / "etcd", ignore_errors=True)
    try:
        cluster = LocalControlPlane(workdir, nodes=args.nodes).start()
    except ControlPlaneMissing as missing:
        print(f"error: {missing}")
        return 2
    print(f"Kubernetes {KUBE_VERSION} on {cluster.url}, started in {cluster.started_in:.1f} s; logs in {cluster.logs}")
    print(f"export KUBECONFIG={cluster.kubeconfig}")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0
