"""The no-cluster demo: the operator, the Kubernetes API stand-in, a real Prometheus and simulated
agents built on the SDK, all on 127.0.0.1, telling one rollout story (`python -m
agentops_sandbox.demo`). Its parts are reused by the tests: an operator on a thread, a local
Prometheus. Nothing in the operator imports this package.
"""
