"""agentops-sandbox: everything for running and testing the operator without a cluster of your own.

- `agentops_sandbox.standin`: a fast in-process Kubernetes API stand-in (`ThreadedApiServer`), held
  to a real kube-apiserver by its contract tests;
- `agentops_sandbox.testing`: a real local control plane (kube-apiserver, etcd, controllers, kwok)
  built from Go modules, the operator on a thread, and the route CRDs, for your own tests too;
- `agentops_sandbox.demo`: the demo (`python -m agentops_sandbox.demo`).
"""

from .standin import ApiServer, ThreadedApiServer

__all__ = ["ApiServer", "ThreadedApiServer"]
