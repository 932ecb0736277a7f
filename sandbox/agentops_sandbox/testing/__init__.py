"""Test support that a user of the operator can use too: a real local Kubernetes control plane
(kube-apiserver, etcd, kube-controller-manager, kube-scheduler and kwok, built from Go modules by
`scripts/build-control-plane`) started on 127.0.0.1, like envtest plus controllers and fake nodes."""

from .cluster import ControlPlaneMissing, LocalControlPlane, binaries_dir

__all__ = ["ControlPlaneMissing", "LocalControlPlane", "binaries_dir"]
