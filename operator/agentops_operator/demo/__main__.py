"""`python -m agentops_operator.demo`: the no-cluster demo (see `story`). Starts the API stand-in and
a real Prometheus on 127.0.0.1, tells the story, stops everything; exit status 0 when every outcome
was as expected. `--keep-running` leaves the stand-in up afterwards for kubectl."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console

from ..sandbox import ThreadedApiServer
from .prometheus import LocalPrometheus, PrometheusMissing
from .story import tell


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentops_operator.demo", description=__doc__)
    parser.add_argument(
        "--keep-running", action="store_true", help="keep the API stand-in up after the story (Ctrl-C stops it)"
    )
    parser.add_argument(
        "--kubeconfig", default="sandbox.kubeconfig", help="where to write the kubeconfig (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the story speaks; the operator's own log stays quiet
    console = Console(highlight=False, soft_wrap=True)
    try:
        with LocalPrometheus() as prometheus:
            return _tell(args, console, prometheus)
    except PrometheusMissing as missing:
        console.print(f"[red]{missing}[/red] — `./scripts/setup` installs it (Debian's prometheus package).")
        return 2


def _tell(args: argparse.Namespace, console: Console, prometheus: LocalPrometheus) -> int:
    with (
        ThreadedApiServer(simulate_deployments=True, deployment_delay=0.5) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        kubeconfig = server.write_kubeconfig(Path(args.kubeconfig) if args.keep_running else Path(tmp) / "kubeconfig")
        console.print(f"API stand-in {server.url} · Prometheus {prometheus.url} · all on 127.0.0.1")
        with httpx.Client(base_url=server.url, timeout=10) as api:
            failures = tell(
                api, kubeconfig, prometheus.url, console, lambda targets: prometheus.scrape(targets, wait=False)
            )
        if failures:
            console.print(f"[red bold]The story did not go as expected:[/red bold] {'; '.join(failures)}")
        else:
            console.print("[green bold]Done:[/green bold] promoted a good revision, shadowed it while it hallucinated, "
                          "caught and rolled back a leaking one.")  # fmt: skip
        if args.keep_running:
            console.print(f"The stand-in stays up: kubectl --kubeconfig {kubeconfig} get agd,agi (Ctrl-C stops it)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
