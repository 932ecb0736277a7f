"""`python -m agentops_sandbox.standin serve`: run the API stand-in until interrupted.

Prints the URL and writes a kubeconfig so kubectl and the operator can talk to it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from .apiserver import ApiServer


async def _serve(args: argparse.Namespace) -> None:
    server = ApiServer(
        port=args.port,
        simulate_deployments=args.simulate_deployments,
        deployment_delay=args.deployment_delay,
        simulate_jobs=args.simulate_jobs,
    )
    await server.start()
    path = server.write_kubeconfig(args.kubeconfig)
    print(f"sandbox API server on {server.url}", flush=True)
    print(f"kubeconfig written to {path}; try: kubectl --kubeconfig {path} get namespaces", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agentops_sandbox.standin", description="Local Kubernetes API stand-in."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API server on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    serve.add_argument(
        "--kubeconfig",
        type=Path,
        default=Path("sandbox.kubeconfig"),
        help="where to write the kubeconfig (default: ./sandbox.kubeconfig)",
    )
    serve.add_argument(
        "--simulate-deployments",
        action="store_true",
        help="make Deployments report available replicas (there is no kubelet)",
    )
    serve.add_argument(
        "--deployment-delay",
        type=float,
        default=0.5,
        help="seconds before a Deployment reports available (default 0.5)",
    )
    serve.add_argument(
        "--simulate-jobs",
        action="store_true",
        help="start Jobs and finish them on the sandbox.agentops.dev/job-outcome annotation",
    )
    serve.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
