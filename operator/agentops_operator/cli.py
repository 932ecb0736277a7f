"""`agentops-operator`: run the operator, or print/write its CRDs.

`agentops-operator run` wraps kopf: which namespaces to watch (or all), a liveness endpoint,
a Prometheus metrics port, JSON or text logs, and the Prometheus that analysis and runbooks read
(agents may name their own with spec.rollout.analysis.prometheusURL).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

import kopf
from prometheus_client import start_http_server

from .adapters.metrics.prometheus import PrometheusProvider
from .api import crd
from .handlers.app import OperatorApp, OperatorConfig


def default_address() -> str:
    """Where the operator's own endpoints listen unless told: every interface in a Pod (Prometheus and
    the kubelet reach it there), only this machine elsewhere (a laptop's /metrics is nobody's business)."""
    return "0.0.0.0" if os.environ.get("KUBERNETES_SERVICE_HOST") else "127.0.0.1"


def _run(args: argparse.Namespace) -> int:
    log_format = {"json": kopf.LogFormat.JSON, "text": kopf.LogFormat.FULL}[args.log_format]
    kopf.configure(verbose=args.verbose, log_format=log_format)
    if not args.verbose:
        # One line per HTTP request and per handled event drowns what matters: what was changed.
        for noisy in ("httpx", "httpcore", "kopf.objects"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.metrics_port:
        start_http_server(args.metrics_port, addr=args.metrics_address)
    # Without --prometheus-url the provider still serves agents that name their own prometheusURL.
    token = Path(args.prometheus_token_file).read_text().strip() if args.prometheus_token_file else None
    verify: bool | str = False if args.prometheus_insecure else (args.prometheus_ca_file or True)
    provider = PrometheusProvider(args.prometheus_url or None, bearer_token=token, verify=verify)
    app = OperatorApp(
        OperatorConfig(
            namespaces=args.namespace or [],
            kubeconfig=args.kubeconfig,
            context=args.context,
            resync_seconds=args.resync_seconds,
            metrics=provider,
            metrics_deadline_seconds=args.metrics_deadline_seconds,
            leader_election=args.leader_election,
            lease_namespace=args.leader_election_namespace or os.environ.get("POD_NAMESPACE") or "default",
            lease_name=args.leader_election_id,
        )
    )
    liveness = f"http://{args.liveness_address}:{args.liveness_port}/healthz" if args.liveness_port else None
    asyncio.run(
        kopf.operator(
            registry=app.registry,
            standalone=True,
            clusterwide=not args.namespace,
            namespaces=args.namespace or [],
            liveness_endpoint=liveness,
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agentops-operator", description="Deploys AI agents on Kubernetes, safely.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the operator")
    run.add_argument(
        "-n", "--namespace", action="append", help="watch this namespace (repeatable; default: all namespaces)"
    )
    run.add_argument(
        "--kubeconfig", help="kubeconfig file (default: in-cluster service account, else KUBECONFIG or ~/.kube/config)"
    )
    run.add_argument("--context", help="kubeconfig context to use (default: the kubeconfig's current context)")
    run.add_argument(
        "--liveness-port", type=int, default=8081, help="port of the /healthz endpoint (0 disables; default 8081)"
    )
    run.add_argument(
        "--liveness-address",
        default=default_address(),
        help="address of the /healthz endpoint (default: 0.0.0.0 in a Pod, 127.0.0.1 elsewhere)",
    )
    run.add_argument(
        "--metrics-port", type=int, default=9102, help="port of the operator's /metrics (0 disables; default 9102)"
    )
    run.add_argument(
        "--metrics-address",
        default=default_address(),
        help="address of the operator's /metrics (default: 0.0.0.0 in a Pod, 127.0.0.1 elsewhere)",
    )
    run.add_argument("--log-format", choices=("json", "text"), default="text", help="log line format (default text)")
    run.add_argument(
        "--prometheus-url", help="Prometheus the rollout analysis queries, e.g. http://prometheus.monitoring:9090"
    )
    run.add_argument("--prometheus-token-file", help="file holding a bearer token for Prometheus")
    run.add_argument("--prometheus-ca-file", help="CA bundle to verify Prometheus' TLS certificate")
    run.add_argument("--prometheus-insecure", action="store_true", help="do not verify Prometheus' TLS certificate")
    run.add_argument("--resync-seconds", type=float, default=30.0, help="periodic re-check of every agent (default 30)")
    run.add_argument(
        "--metrics-deadline-seconds",
        type=float,
        default=15.0,
        help="longest wait for one agent's metric readings; past it they count as errors (default 15)",
    )
    run.add_argument(
        "--leader-election", action="store_true", help="run several replicas: only the one holding the Lease reconciles"
    )
    run.add_argument(
        "--leader-election-namespace", help="namespace of the Lease (default: POD_NAMESPACE, else default)"
    )
    run.add_argument(
        "--leader-election-id", default="agentops-operator", help="name of the Lease (default %(default)s)"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    crds = commands.add_parser("crds", help="print the CRDs, or write them into crds/ and the chart")
    crds.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "crds":
        return crd.main(["--write"] if args.write else [])
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
