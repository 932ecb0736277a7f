"""The no-cluster sandbox: a local Kubernetes API stand-in (the demo in `agentops_sandbox.demo` is built on it).

`ApiServer` runs on the caller's asyncio loop; `ThreadedApiServer` runs it on a thread of its
own. See `apiserver.py` for what is and is not implemented.
"""

from .apiserver import ApiServer, ThreadedApiServer

__all__ = ["ApiServer", "ThreadedApiServer"]
