"""Implementations of the ports: Kubernetes (kube/), and later routers, metrics and notifiers."""
