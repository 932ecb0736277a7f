"""What the stand-in serves: one `ResourceType` per (group, version, resource).

Built-in kinds are listed here; custom resources are added and removed as their
CustomResourceDefinitions come and go (see `crd_resource_types`). Discovery, OpenAPI, the
store and the HTTP routes all read from the `Registry`, so a kind is either fully served or
not at all — as "Extend the Kubernetes API with CustomResourceDefinitions" describes: a CRD
is served once it is Established and disappears when deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    status_subresource: bool = False
    scale_subresource: bool = False
    # Whether metadata.generation is kept (Deployments, Jobs, CRDs and custom resources).
    tracks_generation: bool = False
    # Built-in kinds take strategic merge patches; custom resources do not (415).
    strategic_merge: bool = True
    schema: JsonDict | None = None
    printer_columns: tuple[JsonDict, ...] = ()
    # The store keeps one copy per storage key; two APIs may view the same objects
    # (core/v1 and events.k8s.io/v1 Events; every served version of a CRD).
    storage_group: str | None = None
    storage_plural: str | None = None
    from_crd: str | None = None

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def storage_key(self) -> tuple[str, str]:
        return (
            self.storage_group if self.storage_group is not None else self.group,
            self.storage_plural or self.plural,
        )

    def discovery_entries(self) -> list[JsonDict]:
        entry: JsonDict = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(ALL_VERBS),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        entries = [entry]
        if self.status_subresource:
            entries.append(
                {
                    "name": f"{self.plural}/status",
                    "singularName": "",
                    "namespaced": self.namespaced,
                    "kind": self.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
        if self.scale_subresource:
            entries.append(
                {
                    "name": f"{self.plural}/scale",
                    "singularName": "",
                    "namespaced": self.namespaced,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": ["get", "patch", "update"],
                }
            )
        return entries


def _builtin(group: str, version: str, plural: str, kind: str, namespaced: bool = True, **kwargs: Any) -> ResourceType:
    singular = kwargs.pop("singular", kind.lower())
    return ResourceType(group, version, plural, singular, kind, namespaced, **kwargs)


BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _builtin("", "v1", "namespaces", "Namespace", namespaced=False, short_names=("ns",), status_subresource=True),
    _builtin("", "v1", "configmaps", "ConfigMap", short_names=("cm",)),
    _builtin("", "v1", "secrets", "Secret"),
    _builtin("", "v1", "services", "Service", short_names=("svc",), categories=("all",), status_subresource=True),
    _builtin("", "v1", "serviceaccounts", "ServiceAccount", short_names=("sa",)),
    _builtin("", "v1", "pods", "Pod", short_names=("po",), categories=("all",), status_subresource=True),
    _builtin("", "v1", "events", "Event", short_names=("ev",)),
    _builtin("events.k8s.io", "v1", "events", "Event", short_names=("ev",), storage_group="", storage_plural="events"),
    _builtin(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        short_names=("deploy",),
        categories=("all",),
        status_subresource=True,
        scale_subresource=True,
        tracks_generation=True,
    ),
    _builtin("batch", "v1", "jobs", "Job", categories=("all",), status_subresource=True, tracks_generation=True),
    _builtin("coordination.k8s.io", "v1", "leases", "Lease"),
    _builtin("rbac.authorization.k8s.io", "v1", "roles", "Role"),
    _builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    _builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced=False),
    _builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
    _builtin(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        namespaced=False,
        short_names=("crd", "crds"),
        status_subresource=True,
        tracks_generation=True,
    ),
)


def crd_resource_types(crd: JsonDict) -> list[ResourceType]:
    """The resource types a CustomResourceDefinition serves (one per served version)."""
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    types = []
    for version in spec.get("versions", []):
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        types.append(
            ResourceType(
                group=spec["group"],
                version=version["name"],
                plural=names["plural"],
                singular=names.get("singular") or names["kind"].lower(),
                kind=names["kind"],
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                status_subresource="status" in subresources,
                scale_subresource="scale" in subresources,
                tracks_generation=True,
                strategic_merge=False,
                schema=schema,
                printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
                from_crd=crd["metadata"]["name"],
            )
        )
    return types


class Registry:
    """The set of served resource types, indexed every way the routes need."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        for rt in BUILTIN_TYPES:
            self.add(rt)

    def add(self, rt: ResourceType) -> None:
        self._types[(rt.group, rt.version, rt.plural)] = rt

    def replace_crd(self, crd_name: str, types: list[ResourceType]) -> None:
        for key in [k for k, v in self._types.items() if v.from_crd == crd_name]:
            del self._types[key]
        for rt in types:
            self.add(rt)

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._types.get((group, version, plural))

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(sorted(self._types.values(), key=lambda t: (t.group, t.version, t.plural)))

    def groups(self) -> dict[str, list[str]]:
        """Group name → served versions, newest-looking first (the preferred one first)."""
        grouped: dict[str, list[str]] = {}
        for rt in self:
            versions = grouped.setdefault(rt.group, [])
            if rt.version not in versions:
                versions.append(rt.version)
        for versions in grouped.values():
            versions.sort(key=_version_priority)
        return grouped

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [rt for rt in self if rt.group == group and rt.version == version]

    def by_storage(self, storage_key: tuple[str, str]) -> list[ResourceType]:
        return [rt for rt in self if rt.storage_key == storage_key]


def _version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version ordering: GA > beta > alpha, then higher numbers first."""
    import re

    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, 0, 0)
    major, stage, minor = match.groups()
    stage_rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (stage_rank, -int(major), -int(minor or 0))
