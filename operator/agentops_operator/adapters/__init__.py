"""Implementations of the ports, one file each: Kubernetes (kube/), routers, metrics and notifiers."""
